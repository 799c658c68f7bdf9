"""Bad input caught at validate time (issue 15): a calendar whose legs cannot carry equal units
within MaxLots, and a staleness (MaxQuoteAgeMinutes) of 0.

Real lot sizes (shipped contract master): from the 2 Jan 2025 weekly NIFTY traded 75 a lot,
while the January 2025 monthly (30 Jan) kept 25. A 1-lot short weekly call against a 1-lot
long monthly call balances at c = 75 units per configured lot: 75 / 75 = 1 lot short and
75 / 25 = 3 lots long. MaxLots 2 cannot hold the 3.
"""

from __future__ import annotations

from pathlib import Path

from engine.config.loader import load_config
from engine.config.problems import ConfigError
from engine.domain.units import balanced_lot_counts

CAL = """strategy_name: Cal
strategy_subtype: CUSTOM
backtest:
  symbol: NIFTY
  start_date: {start}
  end_date: {end}
position_limits:
  max_lots: {max_lots}
legs:
  - leg_id: SC
    right: CE
    side: SELL
    expiry_method: WEEKLY_INDEX
    expiry_value: 0
  - leg_id: LC
    right: CE
    side: BUY
    expiry_method: {long_method}
    expiry_value: {long_value}
"""


def _load(tmp_path: Path, **kw: object) -> tuple[list[str], list[str]]:
    args = {"start": "2025-01-01", "end": "2025-01-24", "max_lots": 2,
            "long_method": "MONTHLY_INDEX", "long_value": 0, **kw}
    path = tmp_path / "cal.yaml"
    path.write_text(CAL.format(**args), encoding="utf-8")
    try:
        report = load_config(path).report
    except ConfigError as exc:
        report = exc.report  # type: ignore[attr-defined]
    return [str(p) for p in report.errors], [str(p) for p in report.warnings]


def test_balanced_lot_counts_by_hand() -> None:
    assert balanced_lot_counts([1, 1], [75, 25], 75) == [1, 3]    # 75 = 1 x 75 = 3 x 25
    assert balanced_lot_counts([1, 1], [75, 35], 75) == [7, 15]   # lcm(75, 35) = 525
    assert balanced_lot_counts([2, 1], [75, 25], 75) == [2, 3]    # c = 75: 150 vs 75 units


def test_calendar_that_cannot_be_balanced_is_an_error_at_max_lots(tmp_path: Path) -> None:
    errors, _ = _load(tmp_path)
    # every weekly entry day (1, 8, 15, 22 Jan) pairs a 75-lot weekly with the 25-lot 30 Jan
    # monthly: 3 lots of LC > MaxLots 2; the message names the YAML line of max_lots (line 8)
    assert errors == [
        "cal.yaml:8 position_limits.max_lots (MaxLots): a calendar's legs cannot carry equal "
        "units within MaxLots 2 on any weekly entry days from StartDate to EndDate: on "
        "2025-01-01 the CE legs' series 2025-01-02 (lot 75) and 2025-01-30 (lot 25) need 3 "
        "lots of LC for equal units"]


def test_enough_lots_or_one_lot_size_is_fine(tmp_path: Path) -> None:
    assert _load(tmp_path, max_lots=3) == ([], [])
    # Feb 2025: the 27 Feb monthly is the first at 75, so weekly and monthly agree
    assert _load(tmp_path, start="2025-02-03", end="2025-02-21") == ([], [])


def test_some_days_unbalanced_is_a_warning(tmp_path: Path) -> None:
    # 22 Jan: weekly 23 Jan (75) vs monthly 30 Jan (25) -> 3 lots, fails; 29 Jan: both legs
    # pick 30 Jan (not a calendar that day, not counted); 5 Feb: 6 Feb vs 27 Feb, both 75
    errors, warnings = _load(tmp_path, start="2025-01-22", end="2025-02-05")
    assert errors == []
    assert len(warnings) == 1 and "on 1 of 2 weekly entry days" in warnings[0]


def test_only_expiries_listed_on_the_entry_day_are_picked(tmp_path: Path) -> None:
    # Monday 2 Dec 2024, a 45-DTE long call (target 16 Jan 2025) against the 5 Dec weekly
    # (lot 25, the Dec 2024 weeklies kept 25). NSE lists 4 weeklies (5, 12, 19 Dec, 2 Jan)
    # and 3 monthlies (26 Dec, 30 Jan, 27 Feb) that day: 16 Jan is not listed yet. Nearest
    # to 16 Jan among the listed: 2 Jan and 30 Jan, 14 days each, ties to the later: the
    # 30 Jan monthly, lot 25 -> 25 vs 25, 1 lot each, within MaxLots 2. The unlimited
    # calendar picked the 16 Jan weekly (a new series, lot 75): 3 lots of SC, an error.
    assert _load(tmp_path, start="2024-12-02", end="2024-12-02", long_method="DTE",
                 long_value=45) == ([], [])


def test_staleness_of_zero_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("strategy_name: S\nstrategy_subtype: IRON_FLY\nwing_width_pts: 300\n"
                    "exit_rules:\n  max_quote_age_minutes: 0\n", encoding="utf-8")
    try:
        report = load_config(path).report
    except ConfigError as exc:
        report = exc.report  # type: ignore[attr-defined]
    assert [str(p) for p in report.errors] == [
        "s.yaml:5 exit_rules.max_quote_age_minutes (MaxQuoteAgeMinutes): must be > 0, got 0"]
