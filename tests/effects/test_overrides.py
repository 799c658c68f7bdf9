"""VolatilityOverrides act at entry (issue 15 item 7): the regime at each entry bar selects the
override config the position is opened and managed with.

Market and base strategy: the effect table's (tests/effects/harness), the weekly iron fly with
300-point wings. Regime bands on the VIX (default): LOW < 12 <= MEDIUM < 20 <= HIGH < 30.
An override {MEDIUM: wing_width_pts 200} must give every entry whose bar's VIX lies in
[12, 20) wings 200 points from its shorts, and every other entry the base 300; an override for
a regime no entry sees changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.config.effects import Scenario
from engine.data.duckdb_store import DuckDBStore
from engine.results.result import BacktestResult

from . import harness


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Runner]:
    root = tmp_path_factory.mktemp("overrides")
    harness.build_market(root / "m.duckdb")
    store = DuckDBStore(root / "m.duckdb", read_only=True)
    yield harness.Runner(store, root)
    store.close()


def _run(runner: harness.Runner, overrides: dict[str, dict[str, object]] | None
         ) -> BacktestResult:
    cfg = harness.scenario_config(Scenario.IRON_FLY)
    if overrides is not None:
        cfg["volatility_overrides"] = overrides
    run = runner.run(cfg)
    assert run.result is not None, run.refused
    return run.result


def _wings(res: BacktestResult) -> list[float]:
    """Per trade: the call wing's distance from the short call at entry (points)."""
    out = []
    for t in res.trades:
        entry = [f for f in res.fills if f.trade_id == t.trade_id and f.ts == t.entry_ts]
        short = next(f.strike for f in entry if f.right == "CE" and f.qty_units < 0)
        wing = next(f.strike for f in entry if f.right == "CE" and f.qty_units > 0)
        out.append(wing - short)
    return out


def _vix(runner: harness.Runner, res: BacktestResult) -> list[float]:
    return [float(runner.store.query("vol_vix_at", {"vix_symbol": "INDIAVIX", "at": t.entry_ts}
                                     ).column("close")[0].as_py()) for t in res.trades]


def test_the_entry_regime_selects_the_override(runner: harness.Runner) -> None:
    base = _run(runner, None)
    assert base.trades and set(_wings(base)) == {300.0}
    medium = _run(runner, {"MEDIUM": {"wing_width_pts": 200}})
    vix = _vix(runner, medium)
    want = [200.0 if 12 <= v < 20 else 300.0 for v in vix]
    assert 200.0 in want  # the market's VIX is in the MEDIUM band at some entries
    assert _wings(medium) == want
    assert sum("the entry uses the MEDIUM override config" in line for line in medium.log) == \
        want.count(200.0)
    # an override of a regime no entry sees leaves every fill as it was
    unseen = "EXTREME" if all(v < 30 for v in vix) else "LOW"
    same = _run(runner, {unseen: {"wing_width_pts": 200}})
    assert [(f.ts, f.strike, f.qty_units) for f in same.fills] == \
        [(f.ts, f.strike, f.qty_units) for f in base.fills]


def test_an_override_may_not_change_the_market(runner: harness.Runner, tmp_path: Path) -> None:
    import yaml

    from engine.api import plan_for, with_regime_plans
    from engine.config.loader import load_config
    from engine.errors import PosbtError

    cfg = harness.scenario_config(Scenario.IRON_FLY)
    cfg["volatility_overrides"] = {"HIGH": {"backtest": {"bar_interval": "1d"}}}
    path = tmp_path / "o.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    loaded = load_config(path)
    (config,) = loaded.configs()
    with pytest.raises(PosbtError, match=r"HIGH volatility override .* changes the symbol or bar"):
        with_regime_plans(plan_for(config, runner.store, None, None), loaded, config)
