"""Market structure (support/resistance) configuration and its per-method configs.

Config stage: every field of the plan's MarketStructureConfig, PivotConfig,
VolumeProfileConfig, SmartMoneyConfig and MLConfig. Distances are index points.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, TypeVar

from engine.config.enums import MLModel, PivotTimeframe, PivotType, SRMethod
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel
from engine.structure.params import MLParams, PivotParams, SmcParams, StructureParams, VolumeParams

P = TypeVar("P", PivotParams, VolumeParams, SmcParams, MLParams)


def _kernel_params(cfg: ConfigModel, cls: type[P]) -> P:
    """``cls`` filled from the same-named fields of ``cfg``."""
    return cls(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(cls)})


class PivotConfig(ConfigModel):
    """Pivot-point and swing-pivot levels."""

    group: ClassVar[Group] = Group.STRUCTURE

    pivot_type: PivotType = param(PivotType.CLASSIC, excel="PivotType", desc="Pivot formula")
    timeframe: PivotTimeframe = param(PivotTimeframe.DAILY, excel="PivotTimeframe",
                                      desc="Bars the pivots are computed from")
    left_bars: int = param(5, excel="PivotLeftBars", unit="bars", ge=1, le=100,
                           desc="Bars left of a swing pivot")
    right_bars: int = param(5, excel="PivotRightBars", unit="bars", ge=1, le=100,
                            desc="Bars right of a swing pivot")
    lookback_days: int = param(60, excel="PivotLookback", unit="trading days", ge=1, le=2520,
                               desc="History searched for swing pivots")

    def params(self) -> PivotParams:
        """The kernel parameters of this config (``engine.structure.params``)."""
        return _kernel_params(self, PivotParams)



class VolumeProfileConfig(ConfigModel):
    """Volume-profile nodes (HVN/LVN, value area)."""

    group: ClassVar[Group] = Group.STRUCTURE

    lookback_days: int = param(20, excel="VolumeLookback", unit="trading days", ge=1, le=2520,
                               desc="History the profile is built from")
    bin_size_pts: float = param(25.0, excel="VolumeBinSizePts", unit="points", gt=0,
                                desc="Price bucket width")
    value_area_frac: float = param(0.7, excel="ValueAreaFrac", unit="fraction", ge=0.1, le=1,
                                   desc="Share of volume in the value area")
    hvn_threshold: float = param(1.5, excel="HVNThreshold", unit="x mean volume", gt=0,
                                 desc="Bucket volume that makes a high-volume node")
    lvn_threshold: float = param(0.5, excel="LVNThreshold", unit="x mean volume", gt=0,
                                 desc="Bucket volume that makes a low-volume node")

    def params(self) -> VolumeParams:
        """The kernel parameters of this config (``engine.structure.params``)."""
        return _kernel_params(self, VolumeParams)



class SmartMoneyConfig(ConfigModel):
    """Smart-money concepts: order blocks, fair-value gaps, structure breaks."""

    group: ClassVar[Group] = Group.STRUCTURE

    swing_length: int = param(10, excel="SMCSwingLength", unit="bars", ge=2, le=200,
                              desc="Bars that define a swing")
    order_block_lookback: int = param(50, excel="SMCOrderBlockLookback", unit="bars", ge=1,
                                      le=2000, desc="Bars searched for order blocks")
    fvg_min_size_pts: float = param(10.0, excel="SMCFVGMinSizePts", unit="points", ge=0,
                                    desc="Smallest fair-value gap kept")
    use_liquidity_sweeps: bool = param(True, excel="SMCLiquiditySweeps",
                                       desc="Mark swept highs/lows as levels")
    bos_confirmation_bars: int = param(2, excel="SMCBOSConfirmBars", unit="bars", ge=0, le=50,
                                       desc="Closes beyond a level that confirm a break")

    def params(self) -> SmcParams:
        """The kernel parameters of this config (``engine.structure.params``)."""
        return _kernel_params(self, SmcParams)



class MLConfig(ConfigModel):
    """Clustering-based levels."""

    group: ClassVar[Group] = Group.STRUCTURE

    model: MLModel = param(MLModel.KMEANS, excel="MLModel", desc="Clustering method")
    n_clusters: int = param(8, excel="MLClusters", unit="count", ge=2, le=50,
                            desc="Clusters (levels) for KMEANS")
    lookback_days: int = param(120, excel="MLLookback", unit="trading days", ge=5, le=2520,
                               desc="History clustered")
    min_samples: int = param(5, excel="MLMinSamples", unit="count", ge=1, le=1000,
                             desc="DBSCAN minimum samples")
    bandwidth_pts: float = param(30.0, excel="MLBandwidthPts", unit="points", gt=0,
                                 desc="KDE bandwidth / DBSCAN radius")

    def params(self) -> MLParams:
        """The kernel parameters of this config (``engine.structure.params``)."""
        return _kernel_params(self, MLParams)



class MarketStructureConfig(ConfigModel):
    """Which S/R method, how levels are filtered, and where they are used."""

    group: ClassVar[Group] = Group.STRUCTURE

    primary_method: SRMethod = param(SRMethod.PIVOT, excel="SRPrimaryMethod",
                                     desc="Main level detector")
    secondary_method: SRMethod | None = param(None, excel="SRSecondaryMethod",
                                              desc="Second detector whose levels are merged")
    pivot_config: PivotConfig = param(default_factory=PivotConfig, excel="PivotConfig",
                                      desc="Pivot settings")
    volume_config: VolumeProfileConfig = param(default_factory=VolumeProfileConfig,
                                               excel="VolumeConfig", desc="Volume settings")
    smc_config: SmartMoneyConfig = param(default_factory=SmartMoneyConfig, excel="SMCConfig",
                                         desc="SMC settings")
    ml_config: MLConfig = param(default_factory=MLConfig, excel="MLConfig",
                                desc="ML settings")
    volatility_weighted_levels: bool = param(True, excel="VolWeightedLevels",
                                             desc="Widen/tighten level bands with volatility")
    high_vol_level_expansion: float = param(1.5, excel="HighVolLevelExpansion", unit="x",
                                            ge=1, le=5, desc="Band multiplier in high vol")
    low_vol_level_tightening: float = param(0.75, excel="LowVolLevelTightening", unit="x",
                                            gt=0, le=1, desc="Band multiplier in low vol")
    use_for_entry: bool = param(False, excel="SRUseForEntry", desc="Levels gate entries")
    use_for_adjustment: bool = param(False, excel="SRUseForAdjustment",
                                     desc="Levels feed SR_HIT triggers")
    use_for_exit: bool = param(False, excel="SRUseForExit", desc="Level breaks exit")
    min_distance_between_levels_pts: float = param(
        20.0, excel="SRMinLevelDistancePts", unit="points", ge=0,
        aliases=("min_distance_between_levels",), desc="Merge levels closer than this")
    level_strength_threshold: float = param(0.5, excel="SRStrengthThreshold",
                                            unit="fraction 0-1", ge=0, le=1,
                                            desc="Drop levels weaker than this")
    recent_test_weight: float = param(0.5, excel="SRRecentTestWeight", unit="fraction 0-1",
                                      ge=0, le=1, desc="Weight of recent touches in strength")
    proximity_pts: float = param(50.0, excel="SRProximityPts", unit="points", ge=0,
                                 desc="Spot within this of a level counts as 'at' it")
    max_levels: int = param(10, excel="SRMaxLevels", unit="count", ge=1, le=100,
                            desc="Levels kept on each side of spot")

    def params(self) -> StructureParams:
        """The kernel parameters of this config (``engine.structure.params``)."""
        return StructureParams(
            primary_method=self.primary_method,
            secondary_method=self.secondary_method,
            volatility_weighted_levels=self.volatility_weighted_levels,
            high_vol_level_expansion=self.high_vol_level_expansion,
            low_vol_level_tightening=self.low_vol_level_tightening,
            min_distance_between_levels_pts=self.min_distance_between_levels_pts,
            level_strength_threshold=self.level_strength_threshold,
            recent_test_weight=self.recent_test_weight,
            proximity_pts=self.proximity_pts,
            max_levels=self.max_levels,
            pivot_config=self.pivot_config.params(),
            volume_config=self.volume_config.params(),
            smc_config=self.smc_config.params(),
            ml_config=self.ml_config.params(),
        )

