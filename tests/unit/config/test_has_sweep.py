"""``has_sweep``: the server's cheap "is there anything to sweep?" check gives what the full
read gives (``read_source(path).sweep or .sweep_problems``) on every shape of file, while
reading only the Sweep sheet or the YAML events."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.config import loader
from engine.config.loader import has_sweep, read_source

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"

STRATEGY = """strategy_name: Fly
strategy_subtype: IRON_FLY
wing_width_pts: 300
"""

YAMLS: dict[str, tuple[str, bool]] = {
    # name: (text, what the full read says)
    "no block": (STRATEGY, False),
    "rows": (STRATEGY + "sweep:\n  Lots: [1, 2]\n", True),
    "a bad row (a mapping as values)": (STRATEGY + "sweep:\n  Lots: {a: 1}\n", True),
    "an empty mapping": (STRATEGY + "sweep: {}\n", False),
    "a null block": (STRATEGY + "sweep:\n", True),
    "a list, not a mapping": (STRATEGY + "sweep: [Lots]\n", True),
    "a quoted key": (STRATEGY + '"sweep":\n  Lots: "1:3:1"\n', True),
    "a strategy's own key named sweep, not the root's": (
        "strategies:\n  - strategy_name: A\n    sweep: {Lots: [1]}\n", False),
    "a list of strategies": ("- strategy_name: A\n- strategy_name: B\n", False),
    "the block in the second document": (STRATEGY + "---\nsweep:\n  Lots: [1, 2]\n", True),
    "the block before global_defaults": (
        "sweep: {Lots: [1, 2]}\nglobal_defaults: {lots: 1}\nstrategies:\n"
        "  - {strategy_name: A}\n", True),
    "an aliased block": ("base: &s {Lots: [1, 2]}\nsweep: *s\n", True),
    "an aliased empty block": ("base: &s {}\nsweep: *s\n", False),
    "a root merge bringing a block": ("<<: {sweep: {Lots: [1]}}\nstrategy_name: A\n", True),
    # a duplicate key is an error the run names, and the first value is the one kept
    "the key twice": (STRATEGY + "sweep: {}\nsweep: {Lots: [1]}\n", False),
    "broken YAML after the block": (STRATEGY + "sweep:\n  Lots: [1, 2]\nx: [unclosed\n", False),
    "a block holding anchors": (STRATEGY + "sweep:\n  Lots: &l [1, 2]\n  Seed: *l\n", True),
    "an empty file": ("", False),
    # a merge inside the block: the merged mapping decides whether it is empty
    "a block merging an empty mapping": (STRATEGY + "sweep: {<<: {}}\n", False),
    "a block merging rows": (STRATEGY + "sweep: {<<: {Lots: [1]}}\n", True),
    "a block merging after a row": (STRATEGY + "sweep:\n  Lots: [1]\n  <<: {}\n", True),
    "a block whose values hold a << text": (STRATEGY + 'sweep:\n  Lots: "<<"\n', True),
    "strategies merging a shared base": (
        "base: &base {strategy_subtype: IRON_FLY, lots: 1}\n"
        "strategies:\n  - {<<: *base, strategy_name: A}\nsweep:\n  Lots: [1, 2]\n", True),
}


@pytest.mark.parametrize("name", list(YAMLS))
def test_yaml_answers_as_the_full_read(tmp_path: Path, name: str) -> None:
    text, expected = YAMLS[name]
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    raw = read_source(path)
    assert bool(raw.sweep or raw.sweep_problems) is expected  # the reference, read in full
    assert has_sweep(path) is expected


def _book(tmp_path: Path, rows: list[list[object]] | None, *, drop: str | None = None) -> Path:
    path = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATE, path)
    wb = load_workbook(path)
    if rows is not None:
        del wb["Sweep"]
        ws = wb.create_sheet("Sweep")
        ws.append(["Parameter", "Values", "Notes"])
        for row in rows:
            ws.append(row)
    if drop is not None:
        del wb[drop]
    wb.save(path)
    return path


BOOKS: dict[str, tuple[list[list[object]] | None, str | None, bool]] = {
    # name: (Sweep rows, sheet to delete, what the full read says)
    "the template's empty Sweep sheet": (None, None, False),
    "rows": ([["Lots", "1,3"], ["WingWidthPts", "200:400:100"]], None, True),
    "a number as values": ([["Lots", 2]], None, True),
    "a bad row: values without a name": ([[None, "1,2"]], None, True),
    "a bad row: a name without values": ([["Lots", None]], None, True),
    "only the sweep's settings": ([["Samples", 10], ["Seed", 7]], None, False),
    "blank rows only": ([[None, None], [None, None]], None, False),
    "no Sweep sheet": (None, "Sweep", False),
    "rows but no PositionalParameter sheet": ([["Lots", "1,3"]], "PositionalParameter", False),
}


@pytest.mark.parametrize("name", list(BOOKS))
def test_workbooks_answer_as_the_full_read(tmp_path: Path, name: str) -> None:
    rows, drop, expected = BOOKS[name]
    path = _book(tmp_path, rows, drop=drop)
    raw = read_source(path)
    assert bool(raw.sweep or raw.sweep_problems) is expected
    assert has_sweep(path) is expected


def test_only_the_sweep_sheet_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the strategies' sheets are never read: parsing any sheet but Sweep fails the test
    from engine.workbook import xlsx_stream

    path = _book(tmp_path, [["Lots", "1,3"]])
    real = xlsx_stream.StreamingReader._parsed
    parsed: list[str] = []

    def only_sweep(self: xlsx_stream.StreamingReader, name: str) -> object:
        parsed.append(name)
        assert name == "Sweep", f"{name} parsed"
        return real(self, name)

    monkeypatch.setattr(xlsx_stream.StreamingReader, "_parsed", only_sweep)
    monkeypatch.setattr(loader, "read_source", lambda p: pytest.fail("full read"))
    assert has_sweep(path) is True and parsed == ["Sweep"]


def test_a_big_yaml_is_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2,000 strategies and a block at the end: no node is built (documents() never runs)
    from engine.config import yaml_source

    body = "strategies:\n" + "".join(f"  - {{strategy_name: S{i}, lots: 1}}\n"
                                     for i in range(2000))
    path = tmp_path / "big.yaml"
    path.write_text(body + "sweep:\n  Lots: [1, 2]\n")
    monkeypatch.setattr(yaml_source, "documents", lambda *a: pytest.fail("built"))
    assert has_sweep(path) is True
    path.write_text(body)
    assert has_sweep(path) is False


def test_missing_and_unknown_files_raise_as_read_source_does(tmp_path: Path) -> None:
    from engine.errors import PosbtError

    for path in (tmp_path / "none.yaml", tmp_path / "cfg.txt"):
        if path.suffix == ".txt":
            path.write_text("x")
        with pytest.raises(PosbtError) as full:
            read_source(path)
        with pytest.raises(PosbtError) as cheap:
            has_sweep(path)
        assert (cheap.value.message, cheap.value.place) == (full.value.message,
                                                            full.value.place)


@pytest.mark.parametrize("line", ["expiry_date: 2025-02-31", "x: !!python/name:os.system",
                                  "x: *nowhere"])
def test_a_file_the_full_read_refuses_goes_to_the_job_which_names_the_line(
        tmp_path: Path, line: str) -> None:
    # the full read refuses the whole file, so it finds no block (the old 422 said "no
    # sweep: block", which was untrue); the cheap check sees the block, and the job's full
    # read then names the real problem at line 4 of the file
    path = tmp_path / "cfg.yaml"
    path.write_text(STRATEGY + line + "\nsweep: {Lots: [1, 2]}\n")
    raw = read_source(path)
    assert not raw.sweep and raw.problems
    assert raw.problems[0].place.startswith("cfg.yaml:4"), raw.problems[0]
    assert has_sweep(path) is True
