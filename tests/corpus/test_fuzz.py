"""Fuzz tests with a bounded budget (issue 14, item 11): the bhavcopy reader, the workbook
reader and the server's request models, fed what hypothesis makes up, answer with a result
or a PosbtError/validation error that names its place; never another exception."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config.loader import resolve
from engine.config.workbook_source import read_book
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, column_letter
from tests.unit.data.importers.conftest import add_lot_sizes
from xlbridge.server.schemas import (
    BacktestRequest,
    BreakevenRequest,
    PriceRequest,
    ValidateRequest,
)
from xlbridge.server.security import PathRefusedError, checked_path

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADER = ("INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
          "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,")
GOOD = "OPTIDX,NIFTY,26-Jul-2018,10800,CE,120.5,140,110.25,131.6,131.6,500,4100.5,300000,7500,09-JUL-2018,"
FIELD = st.one_of(
    st.sampled_from(["", "0", "-1", "1e308", "1e400", "9" * 30, "nan", "inf", "NIFTY",
                     "N\nIFTY", "OPTIDX", "FUTIDX", "CE", "PE", "XX", "26-Jul-2018",
                     "31-Feb-2018", "26-Jul-9999", "09-JUL-2018", '"a,b"', "=cmd|' /C calc'!A0",
                     "\x00", "é"]),
    st.text(max_size=12))


@st.composite
def bhav_text(draw: st.DrawFn) -> str:
    rows = [GOOD]
    for _ in range(draw(st.integers(0, 6))):
        fields = GOOD.split(",")
        for i in draw(st.lists(st.integers(0, 14), max_size=5)):
            fields[i] = draw(FIELD)
        rows.append(",".join(fields))
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), HEADER)  # a header repeated mid-file
    return HEADER + "\n" + "\n".join(rows) + draw(st.sampled_from(["\n", "", "\r\n"]))


@FUZZ
@given(bhav_text())
def test_the_bhavcopy_reader_never_crashes(text: str) -> None:
    store = DuckDBStore(":memory:")
    add_lot_sizes(store)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fo09JUL2018bhav.csv"
        path.write_text(text, encoding="utf-8", newline="")
        before = path.read_bytes()
        try:
            report = import_bhavcopy(store, path)
        except PosbtError as exc:
            assert exc.place, exc
        else:
            assert all(r.line >= 1 and r.reason for r in report.rejected)
        assert path.read_bytes() == before
    store.close()


CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=15),
                 st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                 st.sampled_from(["2025-02-31", "=1+1", "TRUE", "DYNAMIC", "ATM", "IRON_FLY",
                                  "CUSTOM", "NIFTY", "5m", "09:20", "25:99"]))
NAMES = ["StrategyName", "StrategySubtype", "Lots", "StartDate", "EndDate", "BarInterval",
         "Symbol", "WingWidthPts", "EntryStartTime", "IVPMinEntry", "Enabled", "Nope"]


class _Book:
    """A WorkbookReader over made-up PositionalParameter and LegParameter values."""

    def __init__(self, sheets: dict[str, list[list[Any]]], merged: tuple[str, ...]) -> None:
        self.sheets, self.merged = sheets, merged

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def sheet_info(self, name: str) -> SheetInfo:
        return SheetInfo(name=name, hidden=False,
                         merged_ranges=self.merged if name == "PositionalParameter" else ())

    def rows(self, name: str) -> list[list[Cell]]:
        return [[Cell(row=r, col=c, address=f"{column_letter(c)}{r}", value=v,
                      formula=v if isinstance(v, str) and v.startswith("=") else None)
                 for c, v in enumerate(row, start=1)]
                for r, row in enumerate(self.sheets[name], start=1)]


@st.composite
def books(draw: st.DrawFn) -> _Book:
    n = draw(st.integers(1, 3))
    head = ["Group", "Parameter", "Description", "Unit/Range", *[draw(CELL) for _ in range(n)]]
    rows = [head]
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=8)):
        rows.append(["g", name, None, None, *[draw(CELL) for _ in range(n)]])
    legs = [["StrategyName", "LegID", "Right", "Side", "LegLots"]]
    for _ in range(draw(st.integers(0, 3))):
        legs.append([draw(CELL) for _ in range(5)])
    merged = tuple(draw(st.lists(st.sampled_from(["E2:F2", "A1:B1", "E3:E5", "B2:C2"]),
                                 max_size=2)))
    return _Book({"PositionalParameter": rows, "LegParameter": legs}, merged)


@FUZZ
@given(books())
def test_the_workbook_reader_never_crashes_and_places_every_problem(book: _Book) -> None:
    raw = read_book(book, "fuzz.xlsx")
    loaded = resolve(raw)
    for p in loaded.report.problems:
        assert p.place and p.message, p


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
FIELDS = ["path", "sheets", "source", "strategies", "date_from", "date_to", "out", "replace",
          "model", "right", "underlying_pts", "strike_pts", "t_years", "vol", "rate",
          "div_yield", "kind", "params", "evil"]


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6),
       st.sampled_from([ValidateRequest, BacktestRequest, PriceRequest, BreakevenRequest]))
def test_request_models_accept_or_name_the_field(body: dict[str, Any], model: Any) -> None:
    try:
        parsed = model.model_validate(body)
    except pydantic.ValidationError as exc:
        assert all(e["loc"] or e["type"] == "value_error" for e in exc.errors())
        return
    for name in ("path", "out"):
        value = getattr(parsed, name, None)
        if isinstance(value, str):
            try:
                checked_path(value, (Path(tempfile.gettempdir()),), must_exist=False,
                             field=name)
            except PathRefusedError as refused:
                assert refused.place == name


@FUZZ
@given(st.text(max_size=300))
def test_checked_path_refuses_with_the_field(text: str) -> None:
    try:
        checked_path(text, (Path(tempfile.gettempdir()),), must_exist=False, field="out")
    except PathRefusedError as exc:
        assert exc.place == "out" and exc.message
