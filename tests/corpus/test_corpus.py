"""The hardening corpus (issue 14, item 11): every generated bad input gets a clear outcome.

Each case is classified: ``clean`` (an error whose message names its place, or a valid input
accepted), ``traceback`` (an exception that is not a PosbtError, an HTTP 500),
``garbage`` (a bad input accepted without a word, or a message without a place) or
``lost`` (the input file changed, or something was stored; for an importer file that fails
whole, the store changed). One parametrised test per
family asserts ``clean``; ``test_corpus_counts`` prints the counts and asserts that
traceback, garbage and lost are all 0.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.config.loader import load_config
from engine.data.importers.mapping import load_mapping
from engine.errors import PosbtError
from tests.corpus.generate import Case, case_names, write_cases
from tests.corpus.importer_cases import CASES as IMPORTER_CASES
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings

TOKEN = "corpus-token-0123456789"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Case], Path, str]]:
    root = tmp_path_factory.mktemp("corpus")
    books = root / "books"
    cases = write_cases(books)
    home = root / "home"
    settings = ServerSettings(home=home, port=0, allowed_roots=(books.resolve(),))
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(settings, TOKEN) as port:
        mp.setenv("POSBT_HOME", str(home))
        yield cases, home, f"http://127.0.0.1:{port}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _judge(case: Case, errors: list[tuple[str | None, str]],
           warnings: list[tuple[str | None, str]]) -> tuple[str, str]:
    """(outcome, detail) from the errors and warnings an input produced."""
    text = " | ".join(f"{p}: {m}" for p, m in errors + warnings)
    if case.expect == "ok":
        return ("clean", text) if not errors else ("garbage", f"refused a good input: {text}")
    found = errors if case.expect == "error" else warnings
    if case.expect == "warning" and errors:
        return "garbage", f"expected a warning, got errors: {text}"
    if not found:
        return "garbage", "accepted without a word"
    if any(not place for place, _ in found):
        return "garbage", f"a message without its place: {text}"
    if case.words and case.words.lower() not in text.lower():
        return "garbage", f"expected {case.words!r} in: {text}"
    return "clean", text


def _store_rows(home: Path) -> dict[str, int]:
    """Rows per non-empty table of the market store under ``home`` ({} when none)."""
    path = home / "market.duckdb"
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND table_type = 'BASE TABLE'").fetchall()]
        counts = {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
                  for t in tables if t not in ("store_meta", "loads")}
        return {t: n for t, n in counts.items() if n}  # a store created empty holds nothing
    finally:
        con.close()


def _import(home: Path, kind: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), "data", "import", kind, *args])


def run_importer_case(case: Case, root: Path) -> tuple[str, str]:
    """Import a case's file through ``posbt data import`` as a user would; classify it.

    Each case gets its own store (``pre`` imported first). An error must exit non-zero and
    name the file (with ``:line`` for a row); a warning exits 0 and names the file; a file
    that fails whole must leave the store as it was; the input must be unchanged.
    """
    imp = IMPORTER_CASES[case.name]
    home = root / "importer_homes" / case.name
    if home.exists():  # the parametrised test and the counts test run the same case
        shutil.rmtree(home)
    if imp.pre is not None:
        pre = _import(home, imp.pre[0], str(imp.pre[1]))
        assert pre.exit_code == 0, pre.output
    before, rows = _digest_tree(case.path), _store_rows(home)
    result = _import(home, imp.kind, *imp.args, str(case.path))
    out = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "traceback", f"{type(result.exception).__name__}: {result.exception}"
    if "Traceback (most recent call last)" in out:
        return "traceback", out[-400:]
    if _digest_tree(case.path) != before:
        return "lost", "the input file changed"
    if imp.whole and _store_rows(home) != rows:
        return "lost", f"a file that failed whole changed the store: {rows} -> {_store_rows(home)}"
    name = case.path.name
    named = [line for line in out.splitlines() if name in line and "summary:" not in line]
    if case.expect == "ok":
        return ("clean", out) if result.exit_code == 0 else ("garbage", f"refused: {out}")
    if case.expect == "warning" and result.exit_code != 0:
        return "garbage", f"expected a warning, exit {result.exit_code}: {out}"
    if case.expect == "error" and result.exit_code == 0:
        return "garbage", f"accepted with exit 0: {out}"
    if not named:
        return "garbage", f"no message names {name}: {out}"
    if case.expect == "error" and not imp.whole and not re.search(
            re.escape(name) + r":\d+: ", out):
        return "garbage", f"a rejected row without its line: {out}"
    if case.words and case.words.lower() not in out.lower():
        return "garbage", f"expected {case.words!r} in: {out}"
    return "clean", out


def _digest_tree(path: Path) -> str:
    if path.is_dir():
        return "".join(_digest(p) for p in sorted(path.rglob("*")))
    return _digest(path)


def run_file_case(case: Case, home: Path) -> tuple[str, str]:
    """Feed a file case to its reader; classify the outcome."""
    if case.family == "importer":
        return run_importer_case(case, home.parent)
    before = _digest(case.path)
    try:
        if case.family == "mapping":
            load_mapping(case.path)
            errors: list[tuple[str | None, str]] = []
            warnings: list[tuple[str | None, str]] = []
        else:
            report = load_config(case.path, strict=False).report
            errors = [(p.place, p.message) for p in report.errors]
            warnings = [(p.place, p.message) for p in report.warnings]
    except PosbtError as exc:
        errors, warnings = [(exc.place, exc.message)], []
    except Exception as exc:  # the outcome this corpus exists to catch
        return "traceback", f"{type(exc).__name__}: {exc}"
    if _digest(case.path) != before:
        return "lost", "the input file changed"
    if any((home / f).exists() for f in ("market.duckdb", "results.duckdb")):
        return "lost", "something was stored"
    return _judge(case, errors, warnings)


def _fill(value: Any, books: Path, port: str) -> Any:
    if isinstance(value, str):
        return value.replace("{books}", str(books)).replace("{port}", port)
    if isinstance(value, dict):
        return {k: _fill(v, books, port) for k, v in value.items()}
    return value


def run_http_case(case: Case, base: str) -> tuple[str, str]:
    """Send an http case to the running server; classify the answer."""
    req = _fill(dict(case.request), case.path, base.rsplit(":", 1)[1])
    headers = {"Content-Type": "application/json"}
    if req.pop("auth", True):
        headers["Authorization"] = f"Bearer {TOKEN}"
    headers.update(req.pop("headers", {}))
    size = req.pop("chunked", None)
    if size is not None:
        req["content"] = iter([b" " * 100_000] * (size // 100_000))
    try:
        r = httpx.request(req.pop("method"), base + req.pop("url"), headers=headers,
                          timeout=30, **req)
    except httpx.HTTPError as exc:
        return "traceback", f"no answer: {exc}"
    if r.status_code >= 500:
        return "traceback", f"HTTP {r.status_code}: {r.text[:200]}"
    if r.status_code < 400:
        return _judge(case, [], [])
    try:
        body = r.json()
    except json.JSONDecodeError:
        return "garbage", f"HTTP {r.status_code} without a JSON body"
    message = str(body.get("error") or body.get("detail") or "")
    place = body.get("place") or ("header.Authorization" if r.status_code == 401 else None)
    return _judge(case, [(place, f"HTTP {r.status_code} {message}")], [])


def _run(case: Case, home: Path, base: str) -> tuple[str, str]:
    return run_http_case(case, base) if case.family == "http" else run_file_case(case, home)


def _ids(family: str) -> list[str]:
    return case_names(family)


def _case(corpus: tuple[list[Case], Path, str], family: str, name: str) -> Case:
    return next(c for c in corpus[0] if c.family == family and c.name == name)


@pytest.mark.parametrize("name", _ids("yaml"))
def test_yaml_family(corpus: tuple[list[Case], Path, str], name: str) -> None:
    outcome, detail = _run(_case(corpus, "yaml", name), corpus[1], corpus[2])
    assert outcome == "clean", detail


@pytest.mark.parametrize("name", _ids("workbook"))
def test_workbook_family(corpus: tuple[list[Case], Path, str], name: str) -> None:
    outcome, detail = _run(_case(corpus, "workbook", name), corpus[1], corpus[2])
    assert outcome == "clean", detail


@pytest.mark.parametrize("name", _ids("mapping"))
def test_mapping_family(corpus: tuple[list[Case], Path, str], name: str) -> None:
    outcome, detail = _run(_case(corpus, "mapping", name), corpus[1], corpus[2])
    assert outcome == "clean", detail


@pytest.mark.parametrize("name", _ids("importer"))
def test_importer_family(corpus: tuple[list[Case], Path, str], name: str) -> None:
    outcome, detail = _run(_case(corpus, "importer", name), corpus[1], corpus[2])
    assert outcome == "clean", detail


@pytest.mark.parametrize("name", _ids("http"))
def test_http_family(corpus: tuple[list[Case], Path, str], name: str) -> None:
    outcome, detail = _run(_case(corpus, "http", name), corpus[1], corpus[2])
    assert outcome == "clean", detail


def test_corpus_counts(corpus: tuple[list[Case], Path, str],
                       capsys: pytest.CaptureFixture[str]) -> None:
    cases, home, base = corpus
    counts: Counter[str] = Counter()
    bad: list[str] = []
    for case in cases:
        outcome, detail = _run(case, home, base)
        counts[outcome] += 1
        if outcome != "clean":
            bad.append(f"{case.family}/{case.name}: {outcome}: {detail}")
    line = (f"corpus: cases={len(cases)} clean={counts['clean']} "
            f"traceback={counts['traceback']} garbage={counts['garbage']} lost={counts['lost']}")
    with capsys.disabled():
        print("\n" + line)
    assert counts["traceback"] == counts["garbage"] == counts["lost"] == 0, "\n".join(bad)
    assert counts["clean"] == len(cases) > 110
