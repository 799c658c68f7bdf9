"""``posbt attribution``, ``posbt portfolio`` and the A/B additions end to end on a constructed
four-week market with a VIX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.integration.test_run_cli import FLY_YAML
from tests.unit.simulation.builder import load_market

# four weekly cycles: enter Monday 09:20 at spot 22000 (credit 180 + 175 - 60 - 55 = 240 pts),
# settle at Thursday's close; lot 75; the VIX is the same on both bars of a week
WEEKS = [(dt.date(2025, 1, 6), dt.date(2025, 1, 9), 22130.0, 11.0),   # +110 pts = +8,250, LOW
         (dt.date(2025, 1, 13), dt.date(2025, 1, 16), 21900.0, 15.0),  # +140 = +10,500, MEDIUM
         (dt.date(2025, 1, 20), dt.date(2025, 1, 23), 22400.0, 25.0),  # -60 = -4,500, HIGH
         (dt.date(2025, 2, 3), dt.date(2025, 2, 6), 22050.0, 13.0)]    # +190 = +14,250, MEDIUM
PNL = [8250.0, 10500.0, -4500.0, 14250.0]


def _market(home: Path) -> None:
    stamps, spot, vix = [], [], []
    for monday, thursday, close, v in WEEKS:
        stamps += [dt.datetime.combine(monday, dt.time(9, 20)),
                   dt.datetime.combine(thursday, dt.time(15, 30))]
        spot += [22000.0, close]
        vix += [v, v]
    quotes: dict[tuple[dt.date, float, str], list[float | None]] = {}
    for w, (_, expiry, close, _) in enumerate(WEEKS):
        for (strike, right), price in {(22000.0, "CE"): 180, (22000.0, "PE"): 175,
                                       (22300.0, "CE"): 60, (21700.0, "PE"): 55}.items():
            intrinsic = max(0.0, close - strike) if right == "CE" else max(0.0, strike - close)
            row: list[float | None] = [None] * len(stamps)
            row[:2 * w + 1] = [price] * (2 * w + 1)
            row[2 * w + 1] = max(intrinsic, 0.05)
            quotes[(expiry, strike, right)] = row
    store = DuckDBStore(home / "market.duckdb")
    load_market(store, stamps, spot, quotes, [(e, "WEEKLY") for _, e, _, _ in WEEKS], vix=vix)
    store.close()


@pytest.fixture
def fly(home: Path, tmp_path: Path) -> Path:
    _market(home)
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML + "short_leg_dte: 0\n")
    return cfg


def _blocks(path: Path, sheet: str) -> dict[str, list[tuple[object, ...]]]:
    """The sheet's blocks by their title row: the rows under it up to the next empty row."""
    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    out: dict[str, list[tuple[object, ...]]] = {}
    title = None
    for r in rows:
        if not any(v is not None for v in r):
            title = None
        elif title is None:
            title = str(r[0])
            out[title] = []
        else:
            out[title].append(r)
    return out


def test_attribution_by_regime_weekday_and_breakeven_by_hand(fly: Path) -> None:
    result = CliRunner().invoke(cli, ["attribution", str(fly)])
    assert result.exit_code == 0, result.output
    assert "Golden_Fly: 4 trades; best regime MEDIUM (24,750 INR over 2 trades)" in result.output
    out = fly.with_name("fly_attribution.xlsx")
    blocks = _blocks(out, "BT_Attribution")
    regime = {r[0]: r[1:5] for r in blocks["P&L by volatility regime at entry"][1:]}
    # VIX 11 -> LOW (< 12); 15 and 13 -> MEDIUM (12-20); 25 -> HIGH (20-30)
    assert regime["LOW"] == (1, 8250, 8250, 1)
    assert regime["MEDIUM"] == (2, 24750, 12375, 1)
    assert regime["HIGH"] == (1, -4500, -4500, 0)
    assert regime["EXTREME"][0] == 0
    weekday = {r[0]: r[1:3] for r in blocks["P&L by entry weekday"][1:]}
    assert weekday["Mon"] == (4, sum(PNL)) and weekday["Tue"] == (0, 0)
    # no IVP history (a 252-day percentile needs 252 closes): every trade is n/a
    ivp = {r[0]: r[1:3] for r in blocks["P&L by IVP quintile at entry"][1:]}
    assert ivp["n/a"] == (4, sum(PNL))
    adjust = {r[0]: r[1:3] for r in blocks["P&L by adjustment type"][1:]}
    assert adjust == {"none": (4, sum(PNL))}
    wb = load_workbook(out, read_only=True)
    trades = list(wb["BT_AttributionTrades"].iter_rows(values_only=True))
    wb.close()
    head = trades[0]
    by = [dict(zip(head, r, strict=True)) for r in trades[1:]]
    assert [t["pnl_net_inr"] for t in by] == PNL
    assert [t["vix"] for t in by] == [11, 15, 25, 13]
    # the entry band of a 240-point-credit fly at 22000 is [21760, 22240] at expiry; exits at
    # 22130 and 21900 and 22050 are inside, 22400 is outside; with two bars a trade (entry and
    # settlement) "stayed" and "ended" agree
    for t, close in zip(by, [w[2] for w in WEEKS], strict=True):
        assert t["ended_inside"] == (t["be_lower_entry"] <= close <= t["be_upper_entry"])
        assert t["stayed_inside"] == t["ended_inside"]
    assert [t["ended_inside"] for t in by] == [True, True, False, True]
    be = {r[0]: r[1:4] for r in blocks["Breakeven success by regime (entry band)"][1:]}
    assert be["HIGH"] == (1, 0, 0) and be["MEDIUM"] == (2, 1, 1)


def test_abtest_values_the_trades_a_vix_filter_skipped(fly: Path) -> None:
    # B = A with VIXMaxEntry 20: it skips the week at VIX 25 (the -4,500 trade)
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param",
                                      "VIXMaxEntry=20"])
    assert result.exit_code == 0, result.output
    assert "3 paired weeks (only A 1, only B 0)" in result.output
    wb = load_workbook(fly.with_name("fly_abtest.xlsx"), read_only=True)
    rows = {r[0]: r[1:] for r in wb["BT_ABTest"].iter_rows(values_only=True)}
    wb.close()
    # every trade: A's worst -4,500; B's worst 8,250 (it never took the HIGH week)
    assert rows["worst_trade_inr"][:3] == (-4500, 8250, -12750)
    # 5% CVaR of the 3 paired cycles (8,250, 10,500, 14,250 on both sides): ceil(0.15) = 1
    # worst cycle -> 8,250 each
    assert rows["cycle_cvar05_inr"][:2] == (8250, 8250)
    assert rows["pnl_regime_HIGH_inr"][:3] == (-4500, 0, -4500)
    assert rows["pnl_regime_MEDIUM_inr"][:2] == (24750, 24750)
    assert "trades Golden_Fly 1" in rows["pnl_regime_HIGH_inr"][3]
    # B's filter skipped W04, which the unfiltered run took at -4,500: it saved 4,500
    label_b = "Golden_Fly (VIXMaxEntry=20.0)"
    value = rows[f"filter_value_inr ({label_b})"]
    assert value[:2] == (None, -4500)
    assert "skipped 1 cycle(s)" in value[3] and "saved 4,500 INR" in value[3]
    assert "VIX 0-20" in value[3]
    assert "filter_value_inr (Golden_Fly)" not in rows  # A has no filter


PORTFOLIO_YAML = FLY_YAML.replace('strategy_name: "Golden_Fly"\n', "") + "short_leg_dte: 0\n"


def _portfolio_cfg(tmp_path: Path) -> Path:
    base = "\n".join("  " + line for line in PORTFOLIO_YAML.strip().splitlines())
    cfg = tmp_path / "book.yaml"
    cfg.write_text(f"x-base: &base\n{base}\nstrategies:\n  - <<: *base\n    strategy_name: A\n"
                   "  - <<: *base\n    strategy_name: B\n    backtest: {symbol: NIFTY, bar_interval: 5m, "
                   "capital_inr: 1000000, lots: 2}\n")
    return cfg


def test_portfolio_of_two_strategies_sums_equity_and_correlates(fly: Path,
                                                                tmp_path: Path) -> None:
    cfg = _portfolio_cfg(tmp_path)
    result = CliRunner().invoke(cli, ["portfolio", str(cfg), "--strategies", "A,B"])
    assert result.exit_code == 0, result.output
    # A makes 28,500 over the four weeks, B (two lots) 57,000
    assert "portfolio of A, B: net P&L 85,500 INR" in result.output
    wb = load_workbook(cfg.with_name("book_portfolio.xlsx"))
    ws = wb["BT_Portfolio"]
    cells = [tuple(c.value for c in r) for r in ws.iter_rows()]
    summary = {r[0]: r[1] for r in cells[1:9]}
    assert summary["capital_inr (sum)"] == 2_000_000 and summary["net_pnl_inr"] == 85_500
    # cumulative combined P&L at each settlement: 3 x (8,250, 18,750, 14,250, 28,500)
    # -> the deepest fall from a peak is 3 x -4,500 = -13,500
    assert summary["max_drawdown_inr"] == pytest.approx(-13_500)
    head = next(i for i, r in enumerate(cells) if r[0] == "ts")
    bars = [r for r in cells[head + 1:] if r[0] is not None]
    assert [r[1] for r in bars if r[0].time() == dt.time(15, 30)] == pytest.approx(
        [2_000_000 + 3 * x for x in np.cumsum(PNL)])
    # the equity of A and B on every bar add up to the combined equity
    assert all(r[1] == pytest.approx(r[8] + r[9]) for r in bars)
    corr = next(i for i, r in enumerate(cells) if r[0] == "strategy")
    # B's daily P&L is exactly twice A's: correlation 1 (numpy.corrcoef)
    assert cells[corr + 1][2] == pytest.approx(1.0)
    assert len(ws._charts) == 1
    wb.close()


def test_portfolio_of_one_and_unknown_strategies(fly: Path, tmp_path: Path) -> None:
    cfg = _portfolio_cfg(tmp_path)
    result = CliRunner().invoke(cli, ["portfolio", str(cfg), "--strategies", "A"])
    assert result.exit_code == 0, result.output
    assert "n/a: a portfolio of one strategy has no correlation" in result.output
    result = CliRunner().invoke(cli, ["portfolio", str(cfg), "--strategies", "A,Nope",
                                      "--out", str(tmp_path / "p2.xlsx")])
    assert result.exit_code == 1
    assert "no strategy named Nope" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "p2.xlsx").exists()
    result = CliRunner().invoke(cli, ["attribution", str(cfg), "--strategy", "Nope"])
    assert result.exit_code == 1 and "no strategy named Nope; the file has A, B" in result.output


def test_abtest_runs_each_side_with_its_volatility_overrides(fly: Path) -> None:
    # in the HIGH regime (the VIX-25 week) the strategy trades two lots: -60 pts x 150 = -9,000
    fly.write_text(fly.read_text() + "volatility_overrides:\n  HIGH:\n    backtest: {lots: 2}\n")
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param",
                                      "VIXMaxEntry=20"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(fly.with_name("fly_abtest.xlsx"), read_only=True)
    rows = {r[0]: r[1:] for r in wb["BT_ABTest"].iter_rows(values_only=True)}
    wb.close()
    assert rows["worst_trade_inr"][0] == -9000
    assert rows["filter_value_inr (Golden_Fly (VIXMaxEntry=20.0))"][1] == -9000
