"""``posbt abtest`` end to end on a constructed three-week market."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.integration.test_run_cli import FLY_YAML
from tests.unit.simulation.builder import load_market

# three weekly cycles: enter Monday 09:20 at spot 22000 (credit 180 + 175 - 60 - 55 = 240),
# settle at Thursday's close
WEEKS = [(dt.date(2025, 1, 6), dt.date(2025, 1, 9), 22130.0),    # +240 - 130 = +110 pts
         (dt.date(2025, 1, 13), dt.date(2025, 1, 16), 21900.0),  # +240 - 100 = +140 pts
         (dt.date(2025, 1, 20), dt.date(2025, 1, 23), 22400.0)]  # +240 - 300 (wing) = -60 pts


def _market(home: Path) -> None:
    stamps, spot = [], []
    for monday, thursday, close in WEEKS:
        stamps += [dt.datetime.combine(monday, dt.time(9, 20)),
                   dt.datetime.combine(thursday, dt.time(15, 30))]
        spot += [22000.0, close]
    quotes: dict[tuple[dt.date, float, str], list[float | None]] = {}
    for w, (_, expiry, close) in enumerate(WEEKS):
        for (strike, right), price in {(22000.0, "CE"): 180, (22000.0, "PE"): 175,
                                       (22300.0, "CE"): 60, (21700.0, "PE"): 55}.items():
            intrinsic = max(0.0, close - strike) if right == "CE" else max(0.0, strike - close)
            # quoted from the first stamp to expiry (the entry price until then)
            row: list[float | None] = [None] * len(stamps)
            row[:2 * w + 1] = [price] * (2 * w + 1)
            row[2 * w + 1] = max(intrinsic, 0.05)
            quotes[(expiry, strike, right)] = row
    store = DuckDBStore(home / "market.duckdb")
    load_market(store, stamps, spot, quotes, [(e, "WEEKLY") for _, e, _ in WEEKS])
    store.close()


@pytest.fixture
def fly(home: Path, tmp_path: Path) -> Path:
    _market(home)
    cfg = tmp_path / "fly.yaml"
    # the nearest weekly (3 days out on each Monday), not the default 7+ days
    cfg.write_text(FLY_YAML + "short_leg_dte: 0\n")
    return cfg


def test_abtest_of_a_lot_change_pairs_weeks_and_matches_hand_arithmetic(fly: Path) -> None:
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param", "Lots=2"])
    assert result.exit_code == 0, result.output
    assert "3 paired weeks (only A 0, only B 0)" in result.output
    wb = load_workbook(fly.with_name("fly_abtest.xlsx"), read_only=True)
    pairs = list(wb["BT_ABTestPairs"].iter_rows(values_only=True))
    summary = {r[0]: r[1:] for r in wb["BT_ABTest"].iter_rows(values_only=True)}
    wb.close()
    # A per week: 110, 140, -60 pts x 75 = 8,250, 10,500, -4,500; B (2 lots) twice that
    assert pairs[1:] == [("2025-W02", 8250, 16500, -8250), ("2025-W03", 10500, 21000, -10500),
                         ("2025-W04", -4500, -9000, 4500)]
    assert summary["mean_cycle_pnl_inr"][2] == pytest.approx(-14250 / 3)  # -4,750
    # exact sign-flip test over 2^3 patterns of (-8250, -10500, +4500) / 3: the means at or
    # below -4750 are (-,-,+) = -4750 and (-,-,-) = -7750 -> 2 of 8; at or above: 7 of 8;
    # p = 2 x min(2, 7) / 8 = 0.5
    assert summary["permutation_p_value"][2] == pytest.approx(0.5)
    assert "exact" in summary["permutation_p_value"][3]
    low, high = summary["mean_diff_ci_low_inr"][2], summary["mean_diff_ci_high_inr"][2]
    assert -10500 <= low <= -4750 <= high <= 4500  # within the range of the pair differences
    sa, sb = summary["sharpe_per_cycle"][:2]
    assert sa == pytest.approx(sb)  # twice the lots: the same Sharpe
    assert summary["worst_cycle_inr"][:2] == (-4500, -9000)


def test_abtest_without_a_common_cycle_or_b_is_a_clear_error(fly: Path) -> None:
    # B can never enter: the Monday entries are 3 days to expiry, B wants 0
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param",
                                      "MaxDTEEntry=0"])
    assert result.exit_code == 1
    assert "have no cycle in which both entered" in result.output
    assert "Traceback" not in result.output
    assert not fly.with_name("fly_abtest.xlsx").exists()
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly"])
    assert result.exit_code == 1 and "name strategy B" in result.output
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "Nope"])
    assert result.exit_code == 1 and "no strategy named Nope" in result.output
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param", "Lots=1,2"])
    assert result.exit_code == 1 and "changes a parameter to one value" in result.output


FLY_LEGS = """legs:
- {leg_id: SC, right: CE, side: SELL}
- {leg_id: SP, right: PE, side: SELL}
- {leg_id: LC, right: CE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: 300}
- {leg_id: LP, right: PE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: -300}
"""


def test_abtest_changes_a_leg_field_as_sweep_names_it(fly: Path) -> None:
    # the same fly with its legs listed; B sells 2 lots of the call (Leg1.LegLots = 2), so B
    # is A plus one short 22000 CE sold at 180 and settled at max(0, close - 22000):
    # week 1 close 22130: 180 - 130 = +50 pts; week 2 21900: +180; week 3 22400: 180 - 400 = -220
    fly.write_text(fly.read_text() + FLY_LEGS)
    for name in ("Leg1.LegLots=2", "legs.0.lots=2"):
        result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param", name])
        assert result.exit_code == 0, result.output
        wb = load_workbook(fly.with_name("fly_abtest.xlsx"), read_only=True)
        pairs = list(wb["BT_ABTestPairs"].iter_rows(values_only=True))
        wb.close()
        # A as above (8,250, 10,500, -4,500); the extra call x lot 75: 3,750, 13,500, -16,500
        assert pairs[1:] == [("2025-W02", 8250, 12000, -3750),
                             ("2025-W03", 10500, 24000, -13500),
                             ("2025-W04", -4500, -21000, 16500)], name
    result = CliRunner().invoke(cli, ["abtest", str(fly), "Golden_Fly", "--param",
                                      "Leg9.LegLots=2"])
    assert result.exit_code == 1 and "the strategy has 4 legs" in result.output
    assert "Traceback" not in result.output


def test_sweep_reports_dsr_and_pbo_of_its_variants(fly: Path) -> None:
    import numpy as np

    from engine.analytics.stats import (
        deflated_sharpe_ratio,
        probability_of_backtest_overfitting,
    )

    result = CliRunner().invoke(cli, ["sweep", str(fly), "--workers", "1", "--param",
                                      "ShortLegDTE=0,7"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(fly.with_name("fly_sweep.xlsx"), read_only=True)
    stats = {r[0]: r[1] for r in wb["BT_SweepStats"].iter_rows(values_only=True)}
    wb.close()
    # daily net P&L on the six days (6, 9, 13, 16, 20, 23 Jan):
    # ShortLegDTE 0 trades each week's expiry: +8,250 on the 9th, +10,500 on the 16th, -4,500
    # on the 23rd; ShortLegDTE 7 takes the 16 Jan expiry on the 6th (+10,500 on the 16th),
    # then the 23 Jan one on the 20th (-4,500)
    m = np.array([[0, 0], [8250, 0], [0, 0], [10500, 10500], [0, 0], [-4500, -4500]], float)
    sr = m.mean(axis=0) / m.std(axis=0, ddof=1)  # 2375 / 5739.7 = 0.4138; 1000 / 4990 = 0.2004
    assert stats["variants"] == 2 and stats["days"] == 6
    assert stats["best_variant"] == 0
    assert stats["best_daily_sharpe"] == pytest.approx(sr[0])
    assert sr[0] == pytest.approx(0.4138, abs=1e-4)
    assert stats["deflated_sharpe_ratio"] == pytest.approx(deflated_sharpe_ratio(m).dsr)
    # 6 days -> 2 groups of 3 days, C(2, 1) = 2 splits
    assert stats["pbo_splits"] == 2
    assert stats["pbo"] == pytest.approx(probability_of_backtest_overfitting(m, n_groups=2).pbo)
