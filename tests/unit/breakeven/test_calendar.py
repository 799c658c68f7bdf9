"""Calendar breakevens against a dense grid evaluated with a hand-written Black-Scholes
(independent pricing and root method); methods, smile flag, the path series, bad input."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy.stats import norm

from engine.breakeven import (
    BandHorizon,
    breakeven_series,
    calendar_breakevens,
    flat_surface,
    structure_breakevens,
)
from engine.breakeven.calendar import expiry_close
from engine.breakeven.series import as_datetimes, recalc_indices
from engine.config.enums import CalendarBEMethod, RecalcFrequency
from engine.domain.structures import Right, calendar, iron_fly
from engine.errors import PosbtError

VAL = dt.datetime(2024, 1, 1, 15, 30)
FRONT, BACK = dt.date(2024, 1, 8), dt.date(2024, 2, 5)
R = 0.065
CAL = calendar(22000, Right.CE, FRONT, BACK)


def _smile(k: float, expiry: dt.date) -> float:
    # 14% front / 16% back at the money, + 2 vol pts per 1000 points away
    return (0.14 if expiry == FRONT else 0.16) + 0.00002 * abs(k - 22000)


def _bs_call(s: np.ndarray, k: float, t: float, vol: float) -> np.ndarray:
    if t <= 0:
        return np.maximum(s - k, 0.0)
    d1 = (np.log(s / k) + (R + vol**2 / 2) * t) / (vol * math.sqrt(t))
    return s * norm.cdf(d1) - k * math.exp(-R * t) * norm.cdf(d1 - vol * math.sqrt(t))


def _grid_roots(horizon: dt.datetime, debit: float, vol_front: float, vol_back: float) -> list[float]:
    s = np.linspace(20000, 24000, 400_001)  # 0.01-point steps
    tf = max((expiry_close(FRONT) - horizon).total_seconds(), 0) / (365 * 86400)
    tb = (expiry_close(BACK) - horizon).total_seconds() / (365 * 86400)
    pnl = _bs_call(s, 22000, tb, vol_back) - _bs_call(s, 22000, tf, vol_front) - debit
    cross = np.flatnonzero(np.sign(pnl[1:]) != np.sign(pnl[:-1]))
    return [float(s[i] - pnl[i] * (s[i + 1] - s[i]) / (pnl[i + 1] - pnl[i])) for i in cross]


@pytest.mark.parametrize("method", [CalendarBEMethod.T0, CalendarBEMethod.TN])
def test_calendar_roots_match_dense_grid(method: CalendarBEMethod) -> None:
    debit = 250.0 if method is CalendarBEMethod.TN else 320.0
    band = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=debit,
                               method=method, r=R)
    horizon = VAL if method is CalendarBEMethod.T0 else expiry_close(FRONT)
    ref = _grid_roots(horizon, debit, 0.14, 0.16)  # both legs at strike 22000 = ATM IVs
    assert len(ref) == 2 and band.roots == pytest.approx(ref, abs=0.01)
    assert (band.lower, band.upper) == pytest.approx(ref, abs=0.01)
    assert "strike's IV" in band.notes["iv"]


def test_t_plus_n_days_and_costs_inwards() -> None:
    # costs act as extra debit: 250 + 5 -> the grid roots of debit 255 at T+3 days
    band = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=250,
                               method=CalendarBEMethod.TN, horizon_days=3, r=R, costs_pts=5)
    ref = _grid_roots(VAL + dt.timedelta(days=3), 255.0, 0.14, 0.16)
    assert (band.lower, band.upper) == pytest.approx(ref, abs=0.01)
    no_cost = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile,
                                  entry_value_pts=250, method=CalendarBEMethod.TN,
                                  horizon_days=3, r=R)
    assert no_cost.lower < band.lower < band.upper < no_cost.upper


def test_weighted_is_the_mean_line_and_optimal_the_widest() -> None:
    debit = 280.0
    w = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=debit,
                            method=CalendarBEMethod.WEIGHTED, r=R, n_horizons=3)
    # reference: mean of the three lines (now, middle, front expiry) on the dense grid
    s = np.linspace(20000, 24000, 400_001)
    lines = []
    for frac in (0.0, 0.5, 1.0):
        h = VAL + (expiry_close(FRONT) - VAL) * frac
        tf = (expiry_close(FRONT) - h).total_seconds() / (365 * 86400)
        tb = (expiry_close(BACK) - h).total_seconds() / (365 * 86400)
        lines.append(_bs_call(s, 22000, tb, 0.16) - _bs_call(s, 22000, tf, 0.14) - debit)
    mean = np.mean(lines, axis=0)
    cross = np.flatnonzero(np.sign(mean[1:]) != np.sign(mean[:-1]))
    assert (w.lower, w.upper) == pytest.approx([float(s[i]) for i in cross], abs=0.02)
    opt = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=debit,
                              method=CalendarBEMethod.OPTIMAL, r=R, n_horizons=3)
    widths = []
    for frac in (0.0, 0.5, 1.0):
        h = VAL + (expiry_close(FRONT) - VAL) * frac
        b = structure_breakevens(CAL, valuation=VAL, horizon=h, spot=22000, surface=_smile,
                                 entry_value_pts=debit, r=R)
        widths.append(b.width_pts if math.isfinite(b.width_pts) else -1)
    assert opt.width_pts == pytest.approx(max(widths))


def test_smile_off_uses_atm_iv() -> None:
    # an OTM strike calendar: smile on prices the legs at 22500's IVs (+1 vol pt),
    # smile off at the ATM IVs -> different answers; off equals a flat-per-expiry surface
    cal = calendar(22500, Right.CE, FRONT, BACK)
    on = calendar_breakevens(cal, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=150,
                             method=CalendarBEMethod.TN, r=R, smile=True)
    off = calendar_breakevens(cal, valuation=VAL, spot=22000, surface=_smile, entry_value_pts=150,
                              method=CalendarBEMethod.TN, r=R, smile=False)
    flat = calendar_breakevens(cal, valuation=VAL, spot=22000,
                               surface=lambda k, e: 0.14 if e == FRONT else 0.16,
                               entry_value_pts=150, method=CalendarBEMethod.TN, r=R)
    assert off.lower == pytest.approx(flat.lower) and off.upper == pytest.approx(flat.upper)
    assert abs(on.lower - off.lower) > 1.0
    assert "ATM" in off.notes["iv"]


def test_fair_debit_default_and_no_profit_reason() -> None:
    # at T+0 with the model's own debit the P&L at spot is exactly 0 -> spot is a root
    fair = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, r=R)
    assert any(abs(x - 22000) < 1e-4 for x in fair.roots)
    none = calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, r=R,
                               entry_value_pts=5000)
    assert math.isnan(none.lower) and "no profit" in none.reason


def test_bad_calendar_input() -> None:
    with pytest.raises(PosbtError, match="two expiries"):
        calendar_breakevens(iron_fly(22000, 300, FRONT), valuation=VAL, spot=22000, surface=_smile)
    with pytest.raises(PosbtError, match="positive volatility"):
        calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=lambda k, e: -0.1)
    with pytest.raises(PosbtError, match="spot"):
        calendar_breakevens(CAL, valuation=VAL, spot=-1, surface=_smile)
    with pytest.raises(PosbtError, match="front expiry"):
        calendar_breakevens(CAL, valuation=expiry_close(FRONT), spot=22000, surface=_smile)
    with pytest.raises(PosbtError, match="horizon_days"):
        calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile,
                            method=CalendarBEMethod.TN, horizon_days=-1)
    with pytest.raises(PosbtError, match="costs"):
        calendar_breakevens(CAL, valuation=VAL, spot=22000, surface=_smile, costs_pts=-1)
    with pytest.raises(PosbtError, match="after the last expiry"):
        structure_breakevens(CAL, valuation=VAL, horizon=dt.datetime(2024, 3, 1), spot=22000,
                             surface=_smile, entry_value_pts=100)
    with pytest.raises(PosbtError, match="before the valuation"):
        structure_breakevens(CAL, valuation=VAL, horizon=VAL - dt.timedelta(days=1), spot=22000,
                             surface=_smile, entry_value_pts=100)


def test_series_matches_brentq_per_bar_and_recalc_frequency() -> None:
    # 6 bars over two days; IVs drift; the vectorised Illinois roots equal brentq's
    times = np.array(["2024-01-01T14:30", "2024-01-01T15:00", "2024-01-01T15:30",
                      "2024-01-02T09:15", "2024-01-02T10:15", "2024-01-02T10:30"],
                     dtype="datetime64[ns]")
    spots = np.array([22000, 22040, 21980, 22100, 22150, 22120], dtype=float)
    ivs = np.column_stack([np.linspace(0.14, 0.15, 6), np.linspace(0.16, 0.17, 6)])
    ser = breakeven_series(CAL, times, spots, ivs, 250.0, r=R)
    for i, t in enumerate(as_datetimes(times)):
        ivmap = {FRONT: ivs[i, 0], BACK: ivs[i, 1]}
        ref = structure_breakevens(CAL, valuation=t, horizon=expiry_close(FRONT), spot=spots[i],
                                   surface=lambda k, e, m=ivmap: m[e], entry_value_pts=250.0, r=R)
        assert (ser.lower[i], ser.upper[i]) == pytest.approx((ref.lower, ref.upper), abs=1e-4)
    hourly = breakeven_series(CAL, times, spots, ivs, 250.0, r=R,
                              recalc_frequency=RecalcFrequency.HOURLY)
    # hours: 14 | 15, 15 | 09 | 10, 10 -> recalc at bars 0, 1, 3, 4
    assert hourly.recalc.tolist() == [True, True, False, True, True, False]
    assert hourly.lower[2] == hourly.lower[1] and hourly.lower[5] == hourly.lower[4]
    assert recalc_indices(times, RecalcFrequency.DAILY).tolist() == [0, 3]
    assert recalc_indices(times[:0], RecalcFrequency.DAILY).size == 0
    now = breakeven_series(CAL, times[:1], spots[:1], ivs[:1], 250.0, r=R, horizon=BandHorizon.NOW)
    assert now.lower[0] < ser.lower[0]  # T+0 band of a calendar is wider than at front expiry


def test_series_open_and_empty_bands_and_bad_shapes() -> None:
    fly = iron_fly(22000, 300, FRONT)
    times = np.array(["2024-01-01T15:00"], dtype="datetime64[ns]")
    # credit 240 -> expiry band 21760..22240 from the legs' intrinsic values
    ser = breakeven_series(fly, times, [22000.0], [[0.14] * 4], -240.0)
    assert (ser.lower[0], ser.upper[0]) == pytest.approx((21760.0, 22240.0), abs=1e-4)
    never = breakeven_series(fly, times, [22000.0], [[0.14] * 4], 10.0)  # paid 10 for a credit fly
    assert np.isnan(never.lower[0]) and np.isnan(never.upper[0])
    single = calendar(22000, Right.PE, FRONT, BACK).legs[:1]  # a lone short put: open above
    from engine.domain.structures import Structure
    short_put = Structure("SHORT_PUT", single)
    open_up = breakeven_series(short_put, times, [22000.0], [[0.14]], -100.0)
    assert open_up.upper[0] == np.inf and open_up.lower[0] == pytest.approx(21900.0, abs=1e-4)
    with pytest.raises(PosbtError, match="shape"):
        breakeven_series(fly, times, [22000.0], [[0.14] * 3], -240.0)
    with pytest.raises(PosbtError, match="positive"):
        breakeven_series(fly, times, [22000.0], [[0.14, 0.14, -0.1, 0.14]], -240.0)


def test_flat_surface_and_open_side_in_scalar_curve() -> None:
    from engine.domain.structures import Structure
    short_put = Structure("SHORT_PUT", calendar(22000, Right.PE, FRONT, BACK).legs[:1])
    band = structure_breakevens(short_put, valuation=VAL, horizon=expiry_close(FRONT), spot=22000,
                                surface=flat_surface(0.14), entry_value_pts=-100)
    assert band.upper == math.inf and band.lower == pytest.approx(21900.0, abs=1e-5)
