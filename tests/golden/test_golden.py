"""The redesigned core reproduces today's trades exactly (the golden oracle, tests/golden/cases.py).

Each case reruns on the short seeded synthetic market (built once per session in a temporary
directory) and every row of trades, fills, adjustments, skipped entries and daily equity must
equal the stored text exactly: floats are compared by ``repr``, so a change in the last bit of a
price or a P&L fails. When a change of the numbers is intended, rerun
``scripts/regen_golden.py`` and say why in the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from tests.golden import cases as golden

CASES = golden.read_cases()


@pytest.fixture(scope="session")
def golden_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    path: Path = tmp_path_factory.mktemp("golden") / "market.duckdb"
    golden.build_market(path)
    store = DuckDBStore(path, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def stored() -> dict[str, dict[str, list[list[str]]]]:
    return {table: golden.read_golden(table) for table in golden.TABLES}


def test_the_golden_cases_are_every_template_strategy_and_benchmark_case() -> None:
    # a strategy added to the template or the YAML examples needs its golden rows written
    assert list(golden.case_configs()) == CASES
    assert {"bench_a", "bench_b", "bench_c", "bench_d"} <= set(CASES)
    assert any(c.startswith("template:") for c in CASES) and \
        any(c.startswith("yaml:") for c in CASES)


@pytest.mark.parametrize("case", CASES)
def test_case_reproduces_the_golden_rows(case: str, golden_store: DuckDBStore,
                                         stored: dict[str, dict[str, list[list[str]]]]) -> None:
    result = golden.run_case(golden.case_configs()[case], golden_store)
    got = golden.result_rows(result)
    for table in golden.TABLES:
        want = stored[table].get(case, [])
        rows = got[table]
        assert len(rows) == len(want), f"{table}: {len(rows)} rows, golden has {len(want)}"
        for n, (row, ref) in enumerate(zip(rows, want, strict=True)):
            assert row == ref, f"{table} row {n + 1} differs:\n got  {row}\n want {ref}"


def test_the_formatting_is_exact() -> None:
    import datetime as dt

    # 0.1 + 0.2 is not 0.3 in binary: repr keeps the last bit, so the oracle sees it
    assert golden.fmt(0.1 + 0.2) == "0.30000000000000004" != golden.fmt(0.3)
    assert golden.fmt({"b": 1.5, "a": 2}) == "a=2;b=1.5"
    assert golden.fmt((None, 3.0)) == "|3.0"
    assert golden.fmt(dt.datetime(2025, 1, 2, 9, 15)) == "2025-01-02T09:15:00"


@pytest.mark.parametrize("case", ["bench_c", "bench_d"])
def test_the_whole_run_loaded_at_once_gives_the_same_rows(
        case: str, golden_store: DuckDBStore, stored: dict[str, dict[str, list[list[str]]]]) -> None:
    # the default (auto) loads one block per expiry cycle on this market; run mode loads the
    # whole market in one scan: the trades must not depend on how the bars were loaded
    result = golden.run_case(golden.case_configs()[case], golden_store, market_mode="run",
                             budget_bytes=4 * 2**30)
    assert result.market is not None and result.market.mode == "run"
    assert result.market.scans == 1 and result.market.chain_reads == 0
    got = golden.result_rows(result)
    for table in golden.TABLES:
        assert got[table] == stored[table].get(case, []), table
