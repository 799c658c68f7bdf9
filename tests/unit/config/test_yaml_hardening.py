"""YAML that would hurt a naive reader gets a message with file and line (issue 14, items 6,
7 and 10): alias bombs, recursive aliases, deep nesting, binary or mis-encoded bytes, a
renamed workbook, duplicate keys; merge keys work; reading is linear in strategies."""

from __future__ import annotations

import codecs
import time
import zipfile
from pathlib import Path

import pytest

from engine.config.loader import load_config
from engine.config.yaml_source import read_yaml
from engine.data.importers.mapping import MappingError, load_mapping
from engine.yaml_text import MAX_DEPTH, YamlInputError, decode_text, documents

FLY = """strategy_name: Fly
strategy_subtype: IRON_FLY
wing_width_pts: 300
"""


def billion_laughs() -> str:
    """The classic: nine levels of nine aliases, 9^9 = 387,420,489 strings from ~900 bytes."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for c in "bcdefghi":
        text += f"{c}: &{c} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = c
    return text


def _problems(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return [str(p) for p in read_yaml(path).problems]


def test_billion_laughs_fails_fast_with_its_line(tmp_path: Path) -> None:
    text = billion_laughs()
    assert len(text) < 1000
    t0 = time.perf_counter()
    problems = _problems(tmp_path, text)
    assert time.perf_counter() - t0 < 5  # milliseconds in practice; was minutes and a MemoryError
    assert len(problems) == 1 and problems[0].startswith("s.yaml:")
    assert "billion laughs" in problems[0]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: &a [*a]\n", 1, "recursive alias"),
    ("x: 1\nm: &m {k: *m}\n", 2, "recursive alias"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", 1, "nest"),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80 + "v: 1\n",
     MAX_DEPTH + 1, "nested more than"),
    ("strategy_name: a\nwing_width_pts: 300\nstrategy_name: b\n", 3, "duplicate key"),
    ("strategy_name: [unclosed\n", 2, "not valid YAML"),
    ("a: 1\x01\n", 1, "not valid YAML"),
])
def test_structural_trouble_is_a_problem_with_file_and_line(
        tmp_path: Path, text: str, line: int, words: str) -> None:
    problems = _problems(tmp_path, text)
    assert problems, text[:40]
    assert problems[0].startswith(f"s.yaml:{line}"), problems
    assert words in problems[0]


@pytest.mark.parametrize(("data", "words", "line"), [
    (bytes(range(256)) * 4, "binary data", 1),
    ("strategy_name: x\nnote: Caf\xe9\n".encode("latin-1"), "not UTF-8 text: byte 0xE9", 2),
    (b"PK\x03\x04 rest of a workbook", "zip file", 1),
])
def test_bytes_that_are_not_yaml_text(tmp_path: Path, data: bytes, words: str,
                                      line: int) -> None:
    problems = _problems(tmp_path, data)
    assert len(problems) == 1 and problems[0].startswith(f"s.yaml:{line}: ")
    assert words in problems[0]


def test_a_real_xlsx_renamed_yml(tmp_path: Path) -> None:
    book = tmp_path / "book.yml"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    problems = [str(p) for p in read_yaml(book).problems]
    assert problems == ["book.yml:1: this is a zip file (an .xlsx workbook renamed?), not YAML "
                        "text; give a workbook its .xlsx name"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_with_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    body = FLY.replace("Fly", "Flÿ")
    data = body.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    assert decode_text(data, "s.yaml") == body
    loaded = load_config(path)
    assert list(loaded.strategies) == ["Flÿ"]


def test_merge_keys_share_a_base_and_explicit_keys_win(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("""x-base: &base
  strategy_subtype: IRON_FLY
  wing_width_pts: 300
  backtest: {symbol: NIFTY}
x-wide: &wide
  wing_width_pts: 500
  backtest: {symbol: BANKNIFTY}
strategies:
  - <<: *base
    strategy_name: A
  - <<: *base
    strategy_name: B
    wing_width_pts: 400
  - <<: [*wide, *base]
    strategy_name: C
""")
    loaded = load_config(path)
    wings = {n: s.config.wing_width_pts for n, s in loaded.strategies.items()}
    symbols = {n: s.config.backtest.symbol.value for n, s in loaded.strategies.items()}
    # A takes the base; B's own 400 wins over the base's 300; in C the first listed (wide) wins
    assert wings == {"A": 300, "B": 400, "C": 500}
    assert symbols == {"A": "NIFTY", "B": "NIFTY", "C": "BANKNIFTY"}


def test_a_bad_merged_value_names_the_base_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("x-base: &base\n  strategy_subtype: IRON_FLY\n  wing_width_pts: wide\n"
                    "strategies:\n  - <<: *base\n    strategy_name: A\n")
    loaded = load_config(path, strict=False)
    errors = [str(p) for p in loaded.report.errors]
    assert errors and errors[0].startswith("s.yaml:3 strategies[0].wing_width_pts"), errors
    path.write_text("strategies:\n  - <<: 5\n    strategy_name: A\n")
    assert "'<<' merges a mapping" in str(read_yaml(path).problems[0])


def test_documents_keep_lines_of_every_key() -> None:
    (doc,) = documents("a: 1\nb:\n  c: [x, y]\n", "f.yaml")
    assert doc.value == {"a": 1, "b": {"c": ["x", "y"]}}
    assert doc.lines[("b", "c", 1)] == 3 and doc.lines[("a",)] == 1


def test_times_stay_text_and_booleans_stay_booleans() -> None:
    (doc,) = documents("t: 11:00\nf: 0.5\nn: 7\nb: true\n", "f.yaml")
    assert doc.value == {"t": "11:00", "f": 0.5, "n": 7, "b": True}


def test_a_mapping_file_of_binary_junk_or_duplicates(tmp_path: Path) -> None:
    junk = tmp_path / "map.yaml"
    # a NUL on line 9 (eight newlines before it), and junk that starts like a UTF-16 BOM
    for data, line in ((bytes(range(1, 256)) * 8 + b"\0", 9),
                       (bytes(range(255, -1, -1)) * 8, 1)):
        junk.write_bytes(data)
        with pytest.raises(MappingError, match="binary data") as err:
            load_mapping(junk)
        assert err.value.place == f"{junk}:{line}"
    junk.write_text("target: minute_bars\ncolumns: {}\ntarget: option_bars\n")
    with pytest.raises(MappingError, match="duplicate key 'target'") as err:
        load_mapping(junk)
    assert err.value.place == f"{junk}:3"
    junk.write_text(billion_laughs())
    with pytest.raises(MappingError, match="billion laughs"):
        load_mapping(junk)


def test_yaml_errors_are_posbt_errors() -> None:
    with pytest.raises(YamlInputError) as err:
        documents("a: [", "f.yaml")
    assert err.value.place is not None and err.value.place.startswith("f.yaml:")


def test_a_custom_strategy_without_legs_is_an_error_at_its_subtype_line(
        tmp_path: Path) -> None:
    """The YAML twin of a workbook whose LegParameter rows are deleted: the template's
    CUSTOM example with its legs: list removed cannot run, so an error at the line where
    strategy_subtype: CUSTOM is; with its legs it loads clean; a strategy of defaults
    only (the empty template converted) is a warning."""
    import yaml

    from engine.config.examples import template_strategies

    full = dict(template_strategies()["Dynamic_Complete_Vol_Suite"])
    assert full["legs"] and "strategy_subtype" not in full  # CUSTOM, the default
    full["strategy_subtype"] = "CUSTOM"
    assert load_config(_write(tmp_path, "ok.yaml", {"strategies": [full]}),
                       strict=False).report.errors == []
    no_legs = {k: v for k, v in full.items() if k != "legs"}
    text = yaml.safe_dump({"strategies": [no_legs]}, sort_keys=False)
    line = text.splitlines().index("  strategy_subtype: CUSTOM") + 1  # 1-based
    errors = load_config(_write(tmp_path, "bad.yaml", text), strict=False).report.errors
    assert [f"{p.place}: {p.message}" for p in errors] == [
        f"bad.yaml:{line} strategies[0].strategy_subtype: a CUSTOM strategy needs its legs "
        "(a legs: list); it cannot run"]
    placeholder = {"strategy_name": "Defaults", "strategy_subtype": "CUSTOM"}
    report = load_config(_write(tmp_path, "empty.yaml", {"strategies": [placeholder]}),
                         strict=False).report
    assert report.errors == [] and any("needs its legs" in p.message for p in report.problems)


def _write(tmp_path: Path, name: str, data: object) -> Path:
    import yaml

    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False),
                    encoding="utf-8")
    return path
