"""A year of old-layout bhavcopies, imported with no other file, backtests a monthly fly.

The files come from ``bhav_year`` (a synthetic market written as NSE wrote its F&O
bhavcopies before July 2024: zipped, untraded rows, FUTIDX rows, no index row). posbt must
derive the spot from the futures (marked DERIVED_FUTURES) and run end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.unit.data.importers.bhav_year import write_bhav_year

FLY = """
strategy_name: "Monthly_Fly"
strategy_subtype: "IRON_FLY"
position_type: "MONTHLY"
wing_width_pts: 200
backtest: {symbol: NIFTY, bar_interval: 1d, capital_inr: 1000000}
entry_rules: {entry_start_time: "09:20", entry_end_time: "15:30"}
costs: {cost_preset: NONE}
volatility_filter: {use_iv_hv_ratio: false}
exit_rules: {hold_to_expiry: true, profit_target: null, stop_loss: null}
legs:
  - {leg_id: SC, right: CE, side: SELL, strike_method: ATM, expiry_method: MONTHLY_INDEX}
  - {leg_id: SP, right: PE, side: SELL, strike_method: ATM, expiry_method: MONTHLY_INDEX}
  - {leg_id: LC, right: CE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: 200,
     expiry_method: MONTHLY_INDEX}
  - {leg_id: LP, right: PE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: -200,
     expiry_method: MONTHLY_INDEX}
"""


@pytest.mark.slow
def test_a_bhavcopy_year_alone_runs_a_monthly_iron_fly(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bhav"
    true_close = write_bhav_year(folder, days=250, strikes_each_side=6)
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(home), "data", "import", "bhavcopy", str(folder)])
    assert result.exit_code == 0, result.output[-2000:]
    assert "summary: 250 file(s), 250 imported, 0 rejected whole" in result.output
    assert "no-trade bar(s) stored" in result.output

    store = DuckDBStore(home / "market.duckdb", read_only=True)
    spot = store.sql("SELECT CAST(ts AS DATE) AS day, close, source FROM spot_bars "
                     "WHERE bar_minutes = 1440").to_pylist()
    assert len(spot) == 250 and {r["source"] for r in spot} == {"DERIVED_FUTURES"}
    # the estimate (carry 5%/yr) vs the market's own carry (6.5% - 1.2%) on <= 5 weeks
    worst = max(abs(r["close"] / true_close[r["day"]] - 1) for r in spot)
    assert worst < 5e-4
    no_trade = store.sql("SELECT count(*) AS n FROM option_bars WHERE close IS NULL "
                         "AND settle IS NOT NULL").to_pylist()[0]["n"]
    assert no_trade > 0
    store.close()

    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY)
    result = runner.invoke(cli, ["--home", str(home), "run", str(cfg), "--out",
                                 str(tmp_path / "fly_results.xlsx")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Monthly_Fly:")
                and "trades" in x)
    trades = int(line.split(":")[1].split("trades")[0])
    # at most one fly per monthly expiry (Jan 2023 .. Jan 2024: 13); a few months skip an
    # entry when a wing strike has no quote that day
    monthlies = len({(d.year, d.month) for d in true_close})
    assert monthlies == 13 and 8 <= trades <= monthlies, line

    # `posbt data check` on that store: derived spot and no-trade bars are information; the
    # year's 15 NSE holidays (26 Jan Republic Day ... 25 Dec Christmas) are no missing days
    # although the store's holidays table is empty (nothing but bhavcopies was imported)
    result = runner.invoke(cli, ["--home", str(home), "data", "check"])
    assert result.exit_code == 0, result.output
    assert "derived spot" in result.output and "no-trade bars" in result.output
    assert "missing trading days" not in result.output
    assert "0 error(s), 0 warning(s)" in result.output
