"""EXTERNAL method: user-supplied levels (SRLevels sheet or CSV) imported into ``sr_levels``.

Structure stage; the import is a data-ingestion step (``posbt data import levels FILE.csv``),
the read is ``levels_at``'s EXTERNAL method. Layout (header names case-insensitive)::

    symbol,as_of,level,kind,strength
    NIFTY,2025-01-06,23500,SUPPORT,0.8

``as_of`` is the first trading day the levels may be used (levels drawn before that day's
session); ISO, ``06-Jan-2025`` or ``06/01/2025`` (day first). ``kind`` is one of ``SRKind``
(blank: EXTERNAL); ``strength`` in [0, 1] (blank: 1.0). Rows are stored with method
``EXTERNAL``. A decision on day D uses the rows of the latest ``as_of`` <= D.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.fields import RowError, parse_date, parse_float
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.store import Store
from engine.structure.types import SRKind, SRLevel

LEVEL_COLUMNS = ("symbol", "as_of", "level")
LEVEL_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d/%m/%Y")
EXTERNAL_METHOD = "EXTERNAL"


def parse_level_row(fields: list[str], idx: dict[str, int]) -> dict[str, object]:
    """One CSV row as an ``sr_levels`` row; ``RowError`` names the bad column."""
    symbol = fields[idx["symbol"]].strip().upper()
    if not symbol:
        raise RowError("symbol must not be empty")
    level = parse_float(fields[idx["level"]], "level")
    if level is None or not level > 0:
        raise RowError(f"level must be a positive price, got {fields[idx['level']]!r}")
    kind_text = fields[idx["kind"]].strip().upper() if "kind" in idx else ""
    try:
        kind = SRKind(kind_text) if kind_text else SRKind.EXTERNAL
    except ValueError:
        raise RowError(f"kind {kind_text!r} is not one of {', '.join(SRKind)}") from None
    strength = parse_float(fields[idx["strength"]], "strength", allow_empty=True) \
        if "strength" in idx else None
    if strength is not None and not 0.0 <= strength <= 1.0:
        raise RowError(f"strength must be in [0, 1], got {strength}")
    return {"symbol": symbol, "as_of": parse_date(fields[idx["as_of"]], "as_of", LEVEL_DATE_FORMATS),
            "method": EXTERNAL_METHOD, "level": level, "kind": kind.value,
            "strength": 1.0 if strength is None else strength}


def import_levels(store: Store, path: str | Path) -> ImportReport:
    """Import a levels CSV into ``sr_levels`` in one transaction (rows already stored are skipped)."""

    def body(sink: RowSink, report: ImportReport) -> None:
        with CsvStream(path, report) as csv_in:
            csv_in.header = [h.strip().lower() for h in csv_in.header]
            csv_in.index = {h: i for i, h in enumerate(csv_in.header)}
            csv_in.require(LEVEL_COLUMNS, "levels")
            for line, fields in csv_in.rows():
                try:
                    row = parse_level_row(fields, csv_in.index)
                except RowError as exc:
                    report.reject(line, str(exc))
                    continue
                sink.add("sr_levels", row, line)
            csv_in.check_truncated_tail()

    return run_import(store, path, "levels", body)


def external_levels(store: Store, symbol: str, on: date) -> list[SRLevel]:
    """Stored EXTERNAL levels of ``symbol`` from the latest ``as_of`` on or before ``on``."""
    rows = store.query("sr_external_levels", {"symbol": symbol, "method": EXTERNAL_METHOD,
                                              "on": on}).to_pylist()
    return [SRLevel(float(r["level"]), SRKind(r["kind"]) if r["kind"] in SRKind.__members__
                    else SRKind.EXTERNAL,
                    1.0 if r["strength"] is None else float(r["strength"]), EXTERNAL_METHOD,
                    label=f"as of {r['as_of']}") for r in rows]
