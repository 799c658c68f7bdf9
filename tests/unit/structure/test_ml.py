"""Clustering swing points: a series bouncing between 100 and 110 gives levels at 100 and 110."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.enums import MLModel
from engine.config.models.structure import MLConfig
from engine.structure.ml import dbscan_levels, kde_peaks, kmeans_levels, ml_levels
from engine.structure.types import SRKind, StructureInputError
from tests.unit.structure._series import bars_from_closes, bounce


@pytest.mark.parametrize("model", list(MLModel))
def test_bounce_gives_support_100_and_resistance_110(model: MLModel) -> None:
    # swing highs sit at 110 (+ a 0.5 wick) and swing lows at 100 (- 0.5): two clusters
    bars = bars_from_closes(bounce(8), wick=0.5)
    cfg = MLConfig(model=model, n_clusters=2, bandwidth_pts=2.0, min_samples=3).params()
    levels = ml_levels(bars, cfg, 2, 2, reference_pts=105.0)
    support = [lv for lv in levels if lv.kind is SRKind.SUPPORT]
    resistance = [lv for lv in levels if lv.kind is SRKind.RESISTANCE]
    assert len(support) == 1 and len(resistance) == 1
    assert support[0].level == pytest.approx(99.5, abs=0.25)
    assert resistance[0].level == pytest.approx(110.5, abs=0.25)
    assert all(lv.method == "ML" for lv in levels)


def test_kmeans_is_seeded_and_weights_by_cluster_size() -> None:
    pts = np.array([100.0, 100.5, 99.5, 100.2, 110.0, 110.4])
    a = kmeans_levels(pts, 2)
    assert a == kmeans_levels(pts, 2)  # same seed, same answer
    # clusters: 4 points near 100 (mean 100.05), 2 near 110 (mean 110.2)
    assert sorted(a) == [pytest.approx((100.05, 1.0)), pytest.approx((110.2, 0.5))]
    assert kmeans_levels(np.array([105.0, 105.0]), 3) == [(105.0, 1.0)]


def test_kde_peaks_strength_and_degenerate_input() -> None:
    pts = np.array([100.0] * 6 + [120.0] * 3)
    peaks = kde_peaks(pts, 2.0)
    # two modes; the 100 mode holds twice the points, so it is the highest (strength 1) and the
    # 120 mode is about half as dense
    assert [round(p) for p, _ in peaks] == [100, 120]
    assert peaks[0][1] == pytest.approx(1.0)
    assert peaks[1][1] == pytest.approx(0.5, abs=0.02)
    assert kde_peaks(np.array([101.0, 101.0]), 2.0) == [(101.0, 1.0)]


def test_dbscan_core_border_and_noise() -> None:
    # eps 1, min_samples 3: 100, 100.5, 101 are core (3 within 1 of each), 101.9 is a border
    # point (within 1 of core 101, but only 2 points near it); 150 is noise
    found = dbscan_levels(np.array([100.0, 100.5, 101.0, 101.9, 150.0]), 1.0, 3)
    assert found == [pytest.approx((100.85, 1.0))]  # (100+100.5+101+101.9)/4
    assert dbscan_levels(np.array([100.0, 150.0]), 1.0, 2) == []


def test_too_few_swings_is_an_error() -> None:
    bars = bars_from_closes(np.linspace(100, 120, 15))  # a straight line has no swings
    with pytest.raises(StructureInputError, match="at least 2 swing points"):
        ml_levels(bars, MLConfig().params(), 2, 2, 110.0)
