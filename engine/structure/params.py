"""Parameters of the market-structure kernels (structure stage), as plain frozen dataclasses.

The config stage builds them (``MarketStructureConfig.params()`` and its parts), so the
detectors, the composite and ``levels_at`` never see a pydantic model. Field names follow the
config's; every field is required here (the defaults live once, in the config models).
Frozen and hashable, so a parameter set is also a cache key.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.structure.kinds import MLModel, PivotTimeframe, PivotType, SRMethod


@dataclass(frozen=True)
class PivotParams:
    """Pivot formula, timeframe, swing window (bars each side) and lookback (trading days)."""

    pivot_type: PivotType
    timeframe: PivotTimeframe
    left_bars: int
    right_bars: int
    lookback_days: int


@dataclass(frozen=True)
class VolumeParams:
    """Volume profile: lookback, price bin, value-area share, HVN / LVN thresholds (x mean)."""

    lookback_days: int
    bin_size_pts: float
    value_area_frac: float
    hvn_threshold: float
    lvn_threshold: float


@dataclass(frozen=True)
class SmcParams:
    """Smart-money concepts: swing length, order-block lookback, FVG size, sweeps, BOS bars."""

    swing_length: int
    order_block_lookback: int
    fvg_min_size_pts: float
    use_liquidity_sweeps: bool
    bos_confirmation_bars: int


@dataclass(frozen=True)
class MLParams:
    """Clustering of swing prices: model, clusters, lookback, DBSCAN samples, bandwidth."""

    model: MLModel
    n_clusters: int
    lookback_days: int
    min_samples: int
    bandwidth_pts: float


@dataclass(frozen=True)
class StructureParams:
    """Everything ``levels_at`` needs: methods, their parameters, banding, merging, selection."""

    primary_method: SRMethod
    secondary_method: SRMethod | None
    pivot_config: PivotParams
    volume_config: VolumeParams
    smc_config: SmcParams
    ml_config: MLParams
    volatility_weighted_levels: bool
    high_vol_level_expansion: float
    low_vol_level_tightening: float
    min_distance_between_levels_pts: float
    level_strength_threshold: float
    recent_test_weight: float
    proximity_pts: float
    max_levels: int
