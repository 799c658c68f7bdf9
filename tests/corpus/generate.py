"""The hardening corpus, generated: bad inputs of every family posbt reads, none checked in.

Run ``python -m tests.corpus.generate OUTDIR`` to write the files (for a look, or to feed
them to another build); the corpus tests call :func:`write_cases` into a temporary folder.
Each :class:`Case` names its family, the file it wrote, and what a user should get:
``"error"`` (a message with its place, nothing stored), ``"warning"`` (accepted, with a
warning naming the place) or ``"ok"`` (a valid input). Families:

* ``yaml``: strategy YAML files (alias bombs, recursion, depth, encodings, duplicates,
  bad merges, values of the wrong type or range);
* ``workbook``: config workbooks derived from the shipped template (text dates that are
  no day, TRUE in a number cell, merged cells, deleted sheets and legs, a text file
  named .xlsx, a truncated zip, formulas without values, an .xlsm with a real VBA project);
* ``mapping``: importer mapping files (binary junk, duplicates, bombs, wrong shapes);
* ``importer``: files for every ``posbt data import`` command, derived from the real-layout
  fixtures (tests/corpus/importer_cases.py: wrong rows, undecodable and truncated files,
  archives, folders, other indices, unknown symbols, a spot file after the options);
* ``http``: requests to the local server (foreign Host or Origin, NUL and absurd paths,
  oversized and chunked bodies, malformed JSON, wrong types, unknown fields).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openpyxl import load_workbook

Expect = Literal["error", "warning", "ok"]
ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbook_templates" / "posbt_template.xlsx"

FLY = """strategy_name: Fly
strategy_subtype: IRON_FLY
wing_width_pts: 300
"""


@dataclass(frozen=True)
class Case:
    """One bad (or good) input: its family, name, path and the outcome a user expects."""

    family: str
    name: str
    path: Path
    expect: Expect
    words: str = ""  # a fragment the message must hold
    request: dict[str, Any] = field(default_factory=dict)  # http cases: method, url, ...


def billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for c in "bcdefghi":
        text += f"{c}: &{c} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = c
    return text


YAML_TEXT: dict[str, tuple[str, Expect, str]] = {
    "valid_fly": (FLY, "ok", ""),
    "billion_laughs": (billion_laughs(), "error", "billion laughs"),
    "recursive_alias": ("a: &a [*a]\n", "error", "recursive alias"),
    "recursive_mapping": ("m: &m {k: *m}\n", "error", "recursive alias"),
    "deep_flow_5000": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "error", "nest"),
    "deep_block_200": ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200))
                       + "  " * 200 + "v: 1\n", "error", "nested more than"),
    "duplicate_key": (FLY + "strategy_name: Other\n", "error", "duplicate key"),
    "merge_of_a_scalar": ("strategies:\n  - <<: 5\n    strategy_name: A\n", "error",
                          "merges a mapping"),
    "merge_ok": ("x: &b {strategy_subtype: IRON_FLY, wing_width_pts: 300}\nstrategies:\n"
                 "  - <<: *b\n    strategy_name: A\n", "ok", ""),
    "unclosed_flow": ("strategy_name: [unclosed\n", "error", "not valid YAML"),
    "control_character": ("strategy_name: a\x01b\n", "error", "not valid YAML"),
    "tab_indent": ("strategy_name: x\n\tbad: 1\n", "error", "not valid YAML"),
    "empty_file": ("", "error", "no strategies"),
    "top_level_scalar": ("just text\n", "error", "mapping"),
    "strategies_not_a_list": ("strategies: 5\n", "error", "list"),
    "global_defaults_a_list": ("global_defaults: [1]\nstrategies:\n  - " + FLY.replace(
        "\n", "\n    ").rstrip() + "\n", "error", "global_defaults"),
    "strategy_is_a_list": ("- [1, 2]\n", "error", "mapping"),
    "wing_as_text": (FLY.replace("300", "wide"), "error", "number"),
    "wing_1e400": (FLY.replace("300", "1e400"), "error", ""),
    "lots_negative": (FLY + "backtest: {lots: -3}\n", "error", ">="),
    "lots_huge_int": (FLY + "backtest: {lots: " + "9" * 40 + "}\n", "error", ""),
    "lots_true": (FLY + "backtest: {lots: true}\n", "error", ""),
    "date_feb_31": (FLY + "backtest: {start_date: 2025-02-31}\n", "error", "date"),
    "time_25_99": (FLY + "entry_rules: {entry_start_time: '25:99'}\n", "error", "time"),
    "nan_capital": (FLY + "backtest: {capital_inr: .nan}\n", "error", ""),
    "unknown_key": (FLY + "wing_widht_pts: 300\n", "error", "unknown parameter"),
    "binary_tag": (FLY + "blob: !!binary aGVsbG8=\n", "error", "unknown parameter"),
    "python_tag": (FLY + "x: !!python/object:os.system ls\n", "error", "not valid YAML"),
}

YAML_BYTES: dict[str, tuple[bytes, Expect, str]] = {
    "binary_noise": (bytes(range(256)) * 4, "error", "binary data"),
    "latin1": ("strategy_name: Café\nstrategy_subtype: IRON_FLY\n".encode("latin-1"),
               "error", "not UTF-8"),
    "utf16_without_bom": (FLY.encode("utf-16-le"), "error", "binary data"),
    "utf16_with_bom": (FLY.encode("utf-16"), "ok", ""),
    "xlsx_renamed_yml": (b"", "error", "zip file"),  # filled from the template below
    "bom_then_junk": (b"\xff\xfe" + bytes(range(1, 200)), "error", ""),
}

MAPPING_TEXT: dict[str, tuple[bytes, Expect, str]] = {
    "binary_junk": (bytes(range(255, -1, -1)) * 8, "error", "binary data"),
    "nul_inside": (b"target: option_bars\n\x00\n", "error", "binary data"),
    "duplicate_key": (b"target: option_bars\ncolumns: {}\ntarget: spot_bars\n", "error",
                      "duplicate key"),
    "billion_laughs": (billion_laughs().encode(), "error", "billion laughs"),
    "a_list": (b"- 1\n- 2\n", "error", ""),
    "unknown_key": (b"target: option_bars\ncolumnz: {}\n", "error", "unknown key"),
    "latin1": ("target: option_bars\nnote: Café\n".encode("latin-1"), "error", "not UTF-8"),
}


def _rowof(ws: Any, name: str) -> int:
    for r in ws.iter_rows(min_col=2, max_col=2):
        if r[0].value == name:
            return int(r[0].row)
    raise KeyError(name)


def _edited(fn: Callable[[Any], None]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        wb = load_workbook(TEMPLATE)
        fn(wb)
        wb.save(path)
    return write


def _set(name: str, value: Any, col: int = 5) -> Callable[[Any], None]:
    def fn(wb: Any) -> None:
        ws = wb["PositionalParameter"]
        ws.cell(_rowof(ws, name), col).value = value
    return fn


def _merge(wb: Any) -> None:
    ws = wb["PositionalParameter"]
    r = _rowof(ws, "Lots")
    ws.cell(r, 6).value = 3
    ws.merge_cells(start_row=r, start_column=5, end_row=r, end_column=6)


def _drop_custom_legs(wb: Any) -> None:
    ws = wb["LegParameter"]
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 1).value == "Dynamic_Complete_Vol_Suite":
            ws.delete_rows(r)


def _formula_without_value(wb: Any) -> None:
    ws = wb["PositionalParameter"]
    ws.cell(_rowof(ws, "Lots"), 5).value = "=1+1"  # openpyxl saves no cached value


def _truncated(path: Path) -> None:
    data = TEMPLATE.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _xlsm(path: Path) -> None:
    from tests.corpus.xlsm import make_xlsm

    plain = path.with_suffix(".plain.xlsx")
    shutil.copy(TEMPLATE, plain)
    make_xlsm(plain, path)
    plain.unlink()


WORKBOOKS: dict[str, tuple[str, Callable[[Path], None], Expect, str]] = {
    "template": (".xlsx", lambda p: shutil.copy(TEMPLATE, p), "ok", ""),
    "date_text_feb_31": (".xlsx", _edited(_set("StartDate", "2025-02-31")), "error",
                         "not a calendar date"),
    "date_text_garbage": (".xlsx", _edited(_set("StartDate", "soon")), "error", "date"),
    "true_in_lots": (".xlsx", _edited(_set("Lots", True)), "error", "whole number"),
    "lots_50": (".xlsx", _edited(_set("Lots", 50)), "error", "exceed MaxLots"),
    "lots_1e308": (".xlsx", _edited(_set("Lots", 1e308)), "error", ""),
    "capital_negative": (".xlsx", _edited(_set("CapitalINR", -5)), "error", ""),
    "symbol_unknown": (".xlsx", _edited(_set("Symbol", "NIFTY\nBANK")), "error", ""),
    "merged_hides_value": (".xlsx", _edited(_merge), "error", "merged cells"),
    "custom_legs_deleted": (".xlsx", _edited(_drop_custom_legs), "error",
                            "CUSTOM strategy needs its legs"),
    "leg_sheet_deleted": (".xlsx", _edited(lambda wb: wb.remove(wb["LegParameter"])),
                          "error", "no LegParameter sheet"),
    "positional_deleted": (".xlsx", _edited(lambda wb: wb.remove(wb["PositionalParameter"])),
                           "error", "no PositionalParameter"),
    "formula_without_value": (".xlsx", _edited(_formula_without_value), "error",
                              "no computed value"),
    "text_named_xlsx": (".xlsx", lambda p: p.write_text("not a workbook"), "error",
                        "cannot open as a workbook"),
    "truncated_zip": (".xlsx", _truncated, "error", "cannot open as a workbook"),
    "empty_file": (".xlsx", lambda p: p.write_bytes(b""), "error", "cannot open"),
    "xlsm_with_vba": (".xlsm", _xlsm, "ok", ""),
}


def write_cases(out: Path) -> list[Case]:
    """Write every file case under ``out`` (http cases need no file); returns them all."""
    cases: list[Case] = []
    for family in ("yaml", "workbook", "mapping"):
        (out / family).mkdir(parents=True, exist_ok=True)
    for name, (text, expect, words) in YAML_TEXT.items():
        path = out / "yaml" / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        cases.append(Case("yaml", name, path, expect, words))
    for name, (data, expect, words) in YAML_BYTES.items():
        path = out / "yaml" / f"{name}.yml"
        path.write_bytes(data or TEMPLATE.read_bytes())
        cases.append(Case("yaml", name, path, expect, words))
    for name, (suffix, writer, expect, words) in WORKBOOKS.items():
        path = out / "workbook" / f"{name}{suffix}"
        writer(path)
        cases.append(Case("workbook", name, path, expect, words))
    for name, (data, expect, words) in MAPPING_TEXT.items():
        path = out / "mapping" / f"{name}.yaml"
        path.write_bytes(data)
        cases.append(Case("mapping", name, path, expect, words))
    from tests.corpus.importer_cases import CASES as IMPORTER_CASES

    for name, imp in IMPORTER_CASES.items():
        path = imp.write(out / "importer" / name)
        cases.append(Case("importer", name, path, imp.expect, imp.words))  # type: ignore[arg-type]
    cases.extend(http_cases(out))
    return cases


def case_names(family: str) -> list[str]:
    """The names of a family's cases, without writing anything (for test ids)."""
    if family == "yaml":
        return [*YAML_TEXT, *YAML_BYTES]
    if family == "workbook":
        return list(WORKBOOKS)
    if family == "mapping":
        return list(MAPPING_TEXT)
    if family == "importer":
        from tests.corpus.importer_cases import CASES as IMPORTER_CASES

        return list(IMPORTER_CASES)
    return [c.name for c in http_cases(Path("."))]


def http_cases(books: Path) -> list[Case]:
    """Requests to the local server; ``{books}`` and ``{port}`` are filled in by the test."""
    def case(name: str, expect: Expect, words: str, **request: Any) -> Case:
        return Case("http", name, books, expect, words, request)

    cfg = "{books}/yaml/valid_fly.yaml"
    return [
        case("health", "ok", "", method="GET", url="/v1/health"),
        case("host_evil", "error", "Host", method="GET", url="/v1/health",
             headers={"Host": "evil.example"}),
        case("host_no_port", "error", "Host", method="GET", url="/v1/health",
             headers={"Host": "127.0.0.1"}),
        case("origin_evil", "error", "Origin", method="GET", url="/v1/health",
             headers={"Origin": "http://evil.example"}),
        case("no_token", "error", "token", method="GET", url="/v1/jobs/x", auth=False),
        case("nul_path", "error", "path", method="POST", url="/v1/validate",
             json={"path": "{books}/a\x00b.yaml"}),
        case("path_5000", "error", "path", method="POST", url="/v1/validate",
             json={"path": "/" + "a" * 5000 + ".yaml"}),
        case("relative_path", "error", "path", method="POST", url="/v1/validate",
             json={"path": "book.yaml"}),
        case("dotdot_path", "error", "path", method="POST", url="/v1/validate",
             json={"path": "{books}/../etc/x.yaml"}),
        case("outside_roots", "error", "path", method="POST", url="/v1/validate",
             json={"path": "/etc/passwd.yaml"}),
        case("body_3mb_sized", "error", "body", method="POST", url="/v1/validate",
             content=b" " * 3_000_000),
        case("body_3mb_chunked", "error", "body", method="POST", url="/v1/validate",
             chunked=3_000_000),
        case("bad_json", "error", "body", method="POST", url="/v1/validate",
             content=b"{not json"),
        case("unknown_field", "error", "body", method="POST", url="/v1/validate",
             json={"path": cfg, "evil": 1}),
        case("both_path_and_sheets", "error", "exactly one", method="POST",
             url="/v1/validate", json={"path": cfg, "sheets": {}}),
        case("price_text", "error", "underlying_pts", method="POST", url="/v1/price",
             json={"right": "CE", "underlying_pts": "x", "strike_pts": 1, "t_years": 1,
                   "vol": 0.2}),
        case("price_nan", "error", "", method="POST", url="/v1/price",
             content=b'{"right": "CE", "underlying_pts": NaN, "strike_pts": 1, '
                     b'"t_years": 1, "vol": 0.2}'),
        case("metric_lookback_huge", "error", "lookback", method="GET",
             url="/v1/metrics/ivp?symbol=NIFTY&lookback=99999999999999999999"),
        case("metric_symbol_long", "error", "symbol", method="GET",
             url="/v1/metrics/ivp?symbol=" + "N" * 200),
        case("metric_at_garbage", "error", "at", method="GET",
             url="/v1/metrics/ivp?symbol=NIFTY&at=2025-02-31"),
        case("out_is_a_users_workbook", "error", "out", method="POST", url="/v1/backtests",
             json={"path": cfg, "out": "{books}/workbook/template.xlsx"}),
        case("out_nul", "error", "out", method="POST", url="/v1/backtests",
             json={"path": cfg, "out": "{books}/r\x00.xlsx"}),
        case("job_unknown", "error", "", method="GET", url="/v1/jobs/nope"),
        case("strategies_not_list", "error", "strategies", method="POST",
             url="/v1/backtests", json={"path": cfg, "strategies": "all"}),
        case("date_from_garbage", "error", "date_from", method="POST", url="/v1/backtests",
             json={"path": cfg, "date_from": "2025-02-31"}),
    ]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m tests.corpus.generate OUTDIR")
    cases = write_cases(Path(args[0]))
    for c in cases:
        print(f"{c.family:9} {c.expect:8} {c.name}")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
