"""xlbridge.breakeven: the cell/server breakevens against hand arithmetic and a dense grid."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from engine.errors import PosbtError
from xlbridge.breakeven import breakevens


def test_iron_fly_by_hand() -> None:
    # centre 22000, wings 300, credit 240: 22000 -/+ 240; max profit 240, max loss 300 - 240 = 60
    be = breakevens("ironfly", {"centre_pts": 22000, "wing_pts": 300, "net_credit_pts": 240})
    assert (be["lower_pts"], be["upper_pts"]) == (21760.0, 22240.0)
    assert (be["max_profit_pts"], be["max_loss_pts"]) == (240.0, 60.0)
    # costs 2 pts move both inwards: 22000 -/+ 238; max profit 238, max loss 62
    be = breakevens("ironfly", {"centre_pts": "22000", "wing_pts": 300, "net_credit_pts": 240,
                                "costs_pts": 2})
    assert (be["lower_pts"], be["upper_pts"]) == (21762.0, 22238.0)
    assert (be["max_profit_pts"], be["max_loss_pts"]) == (238.0, 62.0)
    # EXCLUDE: the straddle (240 + 90 wings = 330) less costs 2: 22000 -/+ 328
    be = breakevens("ironfly", {"centre_pts": 22000, "wing_pts": 300, "net_credit_pts": 240,
                                "costs_pts": 2, "wings": "exclude", "wing_cost_pts": 90})
    assert (be["lower_pts"], be["upper_pts"]) == (21672.0, 22328.0)


def _b76_call(s: np.ndarray, k: float, tau: float, r: float, sigma: float) -> np.ndarray:
    # forward F = S e^{r tau}: e^{-r tau} (F N(d1) - K N(d2)) = S N(d1) - K e^{-r tau} N(d2)
    f = s * math.exp(r * tau)
    d1 = (np.log(f / k) + 0.5 * sigma**2 * tau) / (sigma * math.sqrt(tau))
    return np.asarray(math.exp(-r * tau) * (f * norm.cdf(d1) - k * norm.cdf(d1 - sigma * math.sqrt(tau))))


def test_calendar_matches_a_dense_grid() -> None:
    p = {"strike_pts": 22000, "right": "CE", "front_t_years": 7 / 365, "back_t_years": 35 / 365,
         "front_vol": 0.12, "back_vol": 0.13, "net_debit_pts": 150, "rate": 0.065}
    be = breakevens("calendar", p)
    # P&L at the front expiry: back call with 28 days left - (S - 22000)+ - 150, on a 0.01 grid
    grid = np.arange(20500.0, 23500.0, 0.01)
    pnl = _b76_call(grid, 22000, 28 / 365, 0.065, 0.13) - np.maximum(grid - 22000, 0) - 150
    crossings = grid[np.flatnonzero(np.diff(np.sign(pnl)) != 0)]
    assert be["lower_pts"] == pytest.approx(crossings[0], abs=0.01)
    assert be["upper_pts"] == pytest.approx(crossings[-1], abs=0.01)
    assert be["lower_pts"] < 22000 < be["upper_pts"]
    # a put calendar on the same strike also profits around the strike at the front expiry
    put = breakevens("calendar", {**p, "right": "pe"})
    assert put["lower_pts"] < 22000 < put["upper_pts"]
    # a debit above the best value: no band, blank cells and a reason
    none = breakevens("calendar", {**p, "net_debit_pts": 5000})
    assert none["lower_pts"] is None and none["upper_pts"] is None and "no profit" in none["reason"]


@pytest.mark.parametrize(("kind", "params", "place"), [
    ("ironfly", {"centre_pts": 22000, "net_credit_pts": 240}, "breakeven ironfly.wing_pts"),
    ("ironfly", {"centre_pts": 22000, "wing_pts": "wide", "net_credit_pts": 240},
     "breakeven ironfly.wing_pts"),
    ("ironfly", {"centre_pts": 22000, "wing_pts": 300, "net_credit_pts": 240, "wings": "HALF"},
     "breakeven ironfly.wings"),
    ("ironfly", {"centre_pts": 22000, "wing_pts": 300, "net_credit_pts": 400}, "credit_pts"),
    ("calendar", {"strike_pts": 22000, "right": "XX"}, "breakeven calendar.right"),
    ("calendar", {"strike_pts": 22000, "right": "CE", "front_t_years": 0.1, "back_t_years": 0.05,
                  "front_vol": 0.1, "back_vol": 0.1, "net_debit_pts": 10}, "breakeven calendar"),
    ("calendar", {"strike_pts": "nan"}, "breakeven calendar.strike_pts"),
    ("straddle", {}, "breakeven"),
])
def test_bad_input_names_the_parameter(kind: str, params: dict[str, float | str],
                                       place: str) -> None:
    with pytest.raises(PosbtError) as err:
        breakevens(kind, params)
    assert err.value.place == place


def test_cells_answer_in_process_without_a_server(home: Path) -> None:
    from xlbridge import udfs
    assert udfs.POSBT_IRONFLY_BE(22000, 300, 240) == [["lower_pts", "upper_pts"], [21760.0, 22240.0]]
    table = udfs.POSBT_CALENDAR_BE(22000, "CE", 7 / 365, 35 / 365, 0.12, 0.13, 150)
    assert table[0] == ["lower_pts", "upper_pts"] and table[1][0] < 22000 < table[1][1]
