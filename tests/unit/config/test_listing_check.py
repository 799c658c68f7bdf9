"""posbt validate warns about a leg whose expiry NSE never lists (4 weeklies besides the
monthlies and 3 serial monthlies at a time, the third at most 97 days out, so by nearest DTE
at most 97 + 7 = 104 DTE and at or beyond at most 97 DTE)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.loader import load_config
from engine.config.problems import ConfigError

ONE_LEG = """strategy_name: Far
strategy_subtype: CUSTOM
backtest:
  symbol: NIFTY
entry_rules:
  expiry_at_or_beyond: {beyond}
legs:
  - leg_id: LC
    right: CE
    side: BUY
    expiry_method: {method}
    expiry_value: {value}
"""


def _warnings(tmp_path: Path, method: str, value: int, beyond: bool = False) -> list[str]:
    path = tmp_path / "far.yaml"
    path.write_text(ONE_LEG.format(method=method, value=value, beyond=str(beyond).lower()),
                    encoding="utf-8")
    try:
        report = load_config(path).report
    except ConfigError as exc:
        report = exc.report  # type: ignore[attr-defined]
    return [str(p) for p in report.warnings if "leg LC" in str(p)]


@pytest.mark.parametrize(("method", "value", "beyond", "warned"), [
    ("DTE", 120, False, True),            # 120 > 104
    ("DTE", 104, False, False),           # 104 - 97 = 7: still takes the third monthly
    ("DTE", 105, False, True),
    ("DTE", 98, True, True),              # at or beyond: 98 > 97
    ("DTE", 97, True, False),
    ("MONTHLY_INDEX", 2, False, False),   # the third monthly (counted from 0)
    ("MONTHLY_INDEX", 3, False, True),
    ("WEEKLY_INDEX", 6, False, False),    # 7 expiries listed: 0..6
    ("WEEKLY_INDEX", 7, False, True),
])
def test_unlisted_expiry_warns(tmp_path: Path, method: str, value: int, beyond: bool,
                               warned: bool) -> None:
    got = _warnings(tmp_path, method, value, beyond)
    assert bool(got) is warned, got
    if warned:
        assert "every entry is skipped" in got[0]
