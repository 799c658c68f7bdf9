"""Time to expiry, the parity forward and the OTM-side chain IVs, by hand arithmetic."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from engine.pricing import (
    black76,
    chain_ivs,
    otm_is_call,
    synthetic_forward,
    synthetic_forwards,
    t_years,
)

MIN_PER_YEAR = 365 * 24 * 60  # 525,600


def test_t_years_scalar_by_hand() -> None:
    # 09:15 to 15:30 on expiry day = 375 minutes
    assert t_years(datetime(2024, 1, 4, 9, 15), date(2024, 1, 4)) == pytest.approx(375 / MIN_PER_YEAR)
    # one day before at 15:30 = 1440 minutes
    assert t_years(datetime(2024, 1, 3, 15, 30), date(2024, 1, 4)) == pytest.approx(1440 / MIN_PER_YEAR)
    # after the close on expiry day: clipped at 0
    assert t_years(datetime(2024, 1, 4, 15, 31), date(2024, 1, 4)) == 0.0
    # an aware time in UTC: 03:45 UTC = 09:15 IST -> 375 minutes
    utc = datetime(2024, 1, 4, 3, 45, tzinfo=UTC)
    assert t_years(utc, date(2024, 1, 4)) == pytest.approx(375 / MIN_PER_YEAR)
    ist = timezone(timedelta(hours=5, minutes=30))
    assert t_years(datetime(2024, 1, 4, 9, 15, tzinfo=ist), date(2024, 1, 4)) == pytest.approx(
        375 / MIN_PER_YEAR)


def test_t_years_arrays() -> None:
    at = np.array(["2024-01-04T09:15", "2024-01-04T15:29:30", "2024-01-05T09:15", "NaT"],
                  dtype="datetime64[s]")
    got = t_years(at, np.datetime64("2024-01-04"))
    # 375 min, 0.5 min, expired -> 0, NaT -> NaN
    np.testing.assert_allclose(got[:3], np.array([375, 0.5, 0]) / MIN_PER_YEAR, rtol=1e-15)
    assert np.isnan(got[3])
    per_row = t_years(at[:2], np.array(["2024-01-11", "2024-01-04"], dtype="datetime64[D]"))
    # 7 days more than 375 min = 375 + 7*1440 = 10455
    np.testing.assert_allclose(per_row, np.array([10455, 0.5]) / MIN_PER_YEAR, rtol=1e-15)
    scalar_at = t_years(datetime(2024, 1, 4, 9, 15), np.array(["2024-01-04"], dtype="datetime64[D]"))
    np.testing.assert_allclose(scalar_at, [375 / MIN_PER_YEAR])
    with pytest.raises(ValueError, match="expiry: shape"):
        t_years(at, np.array(["2024-01-04", "2024-01-05"], dtype="datetime64[D]"))


def test_forward_by_hand() -> None:
    # C - P at 21900: 150, at 22000: 40, at 22100: -60 -> strike 22000
    # F = 22000 + e^{0.065 * 0.02} * 40 = 22000 + 1.0013008 * 40 = 22040.05203
    fwd = synthetic_forward([21900, 22000, 22100], [200, 120, 70], [50, 80, 130], 0.02, 0.065)
    assert fwd == pytest.approx(22000 + math.exp(0.0013) * 40, rel=1e-15)
    assert fwd == pytest.approx(22040.05203, abs=1e-5)


def test_forwards_of_many_chains_and_missing_prices() -> None:
    ids = np.array([7, 7, 3, 3, 9])
    # chain 3: (100: C NaN) ignored; (110: 3 - 14 = -11) -> F = 110 - 11 e^{0.005} = 98.9449
    # chain 7: gaps 10 and 1 -> 110 + (5 - 6) e^{0.005} = 108.99499
    # chain 9: only a put -> NaN
    uniq, fwd = synthetic_forwards(ids, [100, 110, 100, 110, 100], [12, 5, np.nan, 3, np.nan],
                                   [2, 6, 1, 14, 4], 0.1, 0.05)
    assert uniq.tolist() == [3, 7, 9]
    assert fwd[0] == pytest.approx(110 - 11 * math.exp(0.005))
    assert fwd[1] == pytest.approx(110 - 1 * math.exp(0.005))
    assert np.isnan(fwd[2])
    assert math.isnan(synthetic_forward([], [], [], 0.1, 0.05))
    # a tie goes to the lower strike: |C-P| = 2 at 100 and 110 -> F = 100 + 2
    assert synthetic_forward([110, 100], [3, 8], [5, 6], 0.0, 0.05) == pytest.approx(102.0)
    with pytest.raises(ValueError, match="chain_id"):
        synthetic_forwards([1, 2], [100, 110, 120], [1, 2, 3], [1, 2, 3], 0.1, 0.05)


def test_parity_forward_recovers_the_pricing_forward() -> None:
    F, T, r = 22137.5, 9 / 365, 0.065
    K = np.arange(21500.0, 22800.0, 100.0)
    call = black76(F, K, T, r, 0.14, "CE")
    put = black76(F, K, T, r, 0.14, "PE")
    assert synthetic_forward(K, call, put, T, r) == pytest.approx(F, rel=1e-12)


def test_chain_ivs_take_the_otm_side() -> None:
    F, T, r = 22000.0, 0.05, 0.065
    K = np.array([21800, 21800, 22000, 22000, 22200, 22200, 22400])
    right = np.array(["CE", "PE", "CE", "PE", "CE", "PE", "PE"])
    vols = np.array([0.20, 0.20, 0.18, 0.18, 0.17, 0.17, 0.16])
    price = black76(F, K, T, r, vols, right)
    # make the ITM quotes nonsense: the OTM rule must ignore them
    price[0] += 25.0  # 21800 CE is ITM (below F)
    price[5] -= 30.0  # 22200 PE is ITM (above F)
    got = chain_ivs(K, right, price, F, T, r)
    # 21800: the put (OTM) -> 0.20 for both; 22000 = F: the call -> 0.18; 22200: the call;
    # 22400 has only the ITM put -> NaN
    np.testing.assert_allclose(got[:6], [0.20, 0.20, 0.18, 0.18, 0.17, 0.17], atol=1e-9)
    assert np.isnan(got[6])
    assert otm_is_call([21800, 22000, 22200], F).tolist() == [False, True, True]


def test_chain_ivs_tick_rule_and_several_chains() -> None:
    # chain 1 (F=100): OTM call at 130 priced 0.04 < one tick -> NaN for both rights
    # chain 2 (F=120): the same strike is now OTM on the put side
    K = [130.0, 130.0, 130.0, 130.0]
    right = ["CE", "PE", "CE", "PE"]
    F = [100.0, 100.0, 140.0, 140.0]
    put_price = float(black76(140.0, 130.0, 0.1, 0.0, 0.3, "PE"))
    prices = [0.04, 30.0, 12.0, put_price]
    got = chain_ivs(K, right, prices, F, 0.1, 0.0, chain_id=[1, 1, 2, 2])
    assert np.isnan(got[:2]).all()
    np.testing.assert_allclose(got[2:], [0.3, 0.3], atol=1e-9)
    assert chain_ivs([], [], [], 100.0, 0.1, 0.0).shape == (0,)
