"""Leg sizing and activation by hand."""

from __future__ import annotations

from engine.strategy.sizing import EntryValues, Sizing, base_lots, is_active, scale_factor, sized_lots


def test_vix_scaled_lots() -> None:
    s = Sizing(mode="VIX_SCALED", min_lots=1, max_lots=5)
    # VIX 10 -> 5 lots; VIX 20 is half way: 5 - 4 x 0.5 = 3; VIX 35 -> 1
    assert base_lots(s, 2, EntryValues(vix=10)) == 5
    assert base_lots(s, 2, EntryValues(vix=20)) == 3
    assert base_lots(s, 2, EntryValues(vix=35)) == 1
    assert base_lots(s, 2, EntryValues()) == 1  # unknown VIX -> the minimum


def test_capital_pct_lots() -> None:
    s = Sizing(mode="CAPITAL_PCT", min_lots=1, max_lots=10, capital_frac=0.2)
    # 20% of 1,000,000 = 200,000 / 70,530 per lot = 2.84 -> 2 lots
    assert base_lots(s, 1, EntryValues(capital_inr=1e6, margin_per_lot_inr=70_530)) == 2
    assert base_lots(s, 1, EntryValues(capital_inr=1e8, margin_per_lot_inr=70_530)) == 10
    assert base_lots(s, 1, EntryValues(capital_inr=1e6)) == 1


def test_volatility_scaling_and_activation() -> None:
    s = Sizing(metric="IVP", low_threshold=0.3, high_threshold=0.7, low_factor=2.0,
               high_factor=0.5)
    assert scale_factor(s, EntryValues(ivp=0.2)) == 2.0
    assert scale_factor(s, EntryValues(ivp=0.5)) == 1.0
    assert scale_factor(s, EntryValues(ivp=0.9)) == 0.5
    assert scale_factor(s, EntryValues()) == 1.0
    # 3 lots x 0.5 = 1.5 -> rounds to 2 (banker's rounding: 2); x 2.0 = 6
    assert sized_lots(s, 3, EntryValues(ivp=0.9)) == 2
    assert sized_lots(s, 3, EntryValues(ivp=0.1)) == 6
    assert sized_lots(Sizing(metric="ATR_PERCENTILE", high_factor=0.0), 3,
                      EntryValues(atr_pct=0.9)) == 0
    assert Sizing().is_default and not s.is_default
    act = Sizing(condition="VIX_ABOVE", condition_threshold=18)
    assert is_active(act, EntryValues(vix=20)) and not is_active(act, EntryValues(vix=15))
    assert not is_active(act, EntryValues())
    assert is_active(Sizing(condition="IVP_BELOW", condition_threshold=0.5), EntryValues(ivp=0.4))
    assert not is_active(Sizing(condition="ON_ADJUSTMENT"), EntryValues(vix=20))
    assert not is_active(Sizing(condition="IVP_ABOVE"), EntryValues(ivp=0.9))  # no threshold
    assert sized_lots(Sizing(condition="ON_ADJUSTMENT"), 3, EntryValues()) == 0
