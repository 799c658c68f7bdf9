"""BarFeatures: the typed per-bar features (IVP, IVR, ATR percentile, VIX, event bars)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.strategy.features import METRICS, BarFeatures


def test_a_window_slices_every_computed_feature_and_keeps_absent_ones_absent() -> None:
    f = BarFeatures(ivp=np.array([0.1, 0.2, 0.3, 0.4]), atr_pct=np.array([0.5, 0.6, 0.7, 0.8]),
                    event_open=np.array([True, False, False, True]))
    w = f.window(1, 2)
    assert w.ivp is not None and w.ivp.tolist() == [0.2, 0.3]
    assert w.atr_pct is not None and w.atr_pct.tolist() == [0.6, 0.7]
    assert w.event_open is not None and w.event_open.tolist() == [False, False]
    assert w.ivr is None and w.vix is None and w.pre_event is None
    # a record shows the computed features in field order, booleans as 0.0 / 1.0
    assert f.values_at(3) == {"ivp": 0.4, "atr_pct": 0.8, "event_open": 1.0}
    assert list(f.present()) == ["ivp", "atr_pct", "event_open"]
    assert BarFeatures().values_at(0) == {}


def test_metrics_by_name_and_replace() -> None:
    f = BarFeatures(ivr=np.array([0.9]))
    assert METRICS == ("ivp", "ivr", "atr_pct")
    assert f.metric("ivp") is None
    ivr = f.metric("ivr")
    assert ivr is not None and ivr.tolist() == [0.9]
    with pytest.raises(KeyError, match="'vix' is not a daily metric"):
        f.metric("vix")
    g = f.replace(vix=np.array([14.5]))
    assert g.vix is not None and g.vix.tolist() == [14.5] and f.vix is None  # f is unchanged
    with pytest.raises(AttributeError):
        f.ivp = np.array([0.1])  # type: ignore[misc]  # frozen
