"""Volatility filter (every field of the plan's VolatilityFilterConfig) and VIX bands.

Config stage. IVP, IVR and ATR percentile are fractions in [0, 1]; lookbacks and
periods are trading days.
"""

from __future__ import annotations

from typing import ClassVar

from engine.config.enums import HvEstimator, RegimeBasis, TermStructureType, VolRegime
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel

_FRAC = "fraction 0-1"


class VolatilityFilterConfig(ConfigModel):
    """Entry/exit gates on IVP, IVR, ATR percentile, HV, IV/HV, term structure, skew."""

    group: ClassVar[Group] = Group.VOLATILITY

    use_ivp: bool = param(True, excel="UseIVP", desc="Gate entries on IV percentile")
    ivp_lookback: int = param(252, excel="IVPLookback", unit="trading days", ge=20, le=2520,
                              desc="Daily closes IVP compares the current IV with")
    ivp_min_entry: float = param(0.0, excel="IVPMinEntry", unit=_FRAC, ge=0, le=1,
                                 desc="Enter only when IVP >= this")
    ivp_max_entry: float = param(1.0, excel="IVPMaxEntry", unit=_FRAC, ge=0, le=1,
                                 desc="Enter only when IVP <= this")
    ivp_min_exit: float | None = param(None, excel="IVPMinExit", unit=_FRAC, ge=0, le=1,
                                       desc="Exit when IVP falls below this (blank: off)")
    ivp_max_exit: float | None = param(None, excel="IVPMaxExit", unit=_FRAC, ge=0, le=1,
                                       desc="Exit when IVP rises above this (blank: off)")
    use_ivr: bool = param(True, excel="UseIVR", desc="Gate entries on IV rank")
    ivr_lookback: int = param(252, excel="IVRLookback", unit="trading days", ge=20, le=2520,
                              desc="Daily closes the IV rank's min and max come from")
    ivr_min_entry: float = param(0.0, excel="IVRMinEntry", unit=_FRAC, ge=0, le=1,
                                 desc="Enter only when IVR >= this")
    ivr_max_entry: float = param(1.0, excel="IVRMaxEntry", unit=_FRAC, ge=0, le=1,
                                 desc="Enter only when IVR <= this")
    use_atr_percentile: bool = param(True, excel="UseATRPercentile",
                                     desc="Gate entries on ATR percentile")
    atr_period: int = param(14, excel="ATRPeriod", unit="trading days", ge=2, le=250,
                            desc="Wilder ATR period")
    atr_lookback: int = param(252, excel="ATRLookback", unit="trading days", ge=20, le=2520,
                              desc="ATR history the percentile compares with")
    atr_percentile_min: float = param(0.0, excel="ATRPercentileMin", unit=_FRAC, ge=0, le=1,
                                      desc="Enter only when ATR percentile >= this")
    atr_percentile_max: float = param(1.0, excel="ATRPercentileMax", unit=_FRAC, ge=0, le=1,
                                      desc="Enter only when ATR percentile <= this")
    use_hv: bool = param(True, excel="UseHV", desc="Compute historical volatility")
    hv_period: int = param(20, excel="HVPeriod", unit="trading days", ge=2, le=250,
                           desc="Window of the historical-volatility estimator")
    hv_lookback: int = param(252, excel="HVLookback", unit="trading days", ge=20, le=2520,
                             desc="History kept for HV percentiles")
    hv_estimator: HvEstimator = param(HvEstimator.CLOSE_TO_CLOSE, excel="HVEstimator",
                                      desc="Historical volatility estimator")
    use_iv_hv_ratio: bool = param(True, excel="UseIVHVRatio", desc="Gate entries on IV/HV")
    iv_hv_ratio_min: float = param(0.5, excel="IVHVRatioMin", unit="ratio", ge=0, le=10,
                                   desc="Enter only when ATM IV / HV >= this")
    iv_hv_ratio_max: float = param(2.0, excel="IVHVRatioMax", unit="ratio", ge=0, le=10,
                                   desc="Enter only when ATM IV / HV <= this")
    iv_tenor_days: int = param(30, excel="IVTenorDays", unit="calendar days", ge=1, le=365,
                               desc="Constant-maturity tenor of the ATM IV used by filters")
    analyze_term_structure: bool = param(True, excel="AnalyzeTermStructure",
                                         aliases=("use_term_structure",),
                                         desc="Gate entries on the IV term structure")
    term_structure_type: TermStructureType = param(
        TermStructureType.ANY, excel="TermStructureType",
        desc="Required term-structure shape (back vs front ATM IV)")
    term_structure_flat_tol: float = param(0.02, excel="TermStructureFlatTol", unit="fraction",
                                           ge=0, le=1,
                                           desc="|slope| below this counts as FLAT")
    volatility_regime: VolRegime = param(VolRegime.ANY, excel="VolatilityRegime",
                                         desc="Enter only in this volatility regime")
    regime_basis: RegimeBasis = param(
        RegimeBasis.VIX, excel="RegimeBasis",
        desc="Regime bands on the VIX close (LOW < 12 <= MEDIUM < 20 <= HIGH < 30 <= EXTREME) "
             "or on the ATM IV percentile over RegimeLookback days (0.2 / 0.5 / 0.8)")
    regime_lookback: int = param(60, excel="RegimeLookback", unit="trading days", ge=5,
                                 le=2520, desc="History the IVP regime bands rank the ATM IV "
                                               "against (RegimeBasis IVP)")
    analyze_iv_skew: bool = param(True, excel="AnalyzeIVSkew", desc="Gate entries on skew")
    skew_threshold: float = param(0.05, excel="SkewThreshold", unit="vol (0.05 = 5 vol pts)",
                                  ge=0, le=1, desc="Max |25-delta risk reversal| to enter")
    use_forward_vol: bool = param(True, excel="UseForwardVol",
                                  desc="Compute forward vol between the legs' expiries")
    forward_vol_period: int = param(30, excel="ForwardVolPeriod", unit="calendar days", ge=1,
                                    le=365, desc="Forward-vol horizon")


class VixConfig(ConfigModel):
    """Up to four VIX bands, each setting the premium window used by strike selection."""

    group: ClassVar[Group] = Group.VIX

    use_vix_bands: bool = param(False, excel="UseVIXBands",
                                desc="Pick the premium window from the band holding VIX")
    vix_symbol: str = param("INDIAVIX", excel="VIXSymbol", desc="Vol index symbol in the store")
    band1_low: float | None = param(None, excel="VixLow1", unit="VIX", ge=0, desc="Band 1 low")
    band1_high: float | None = param(None, excel="VixHigh1", unit="VIX", ge=0,
                                     desc="Band 1 high")
    band1_premium_min: float | None = param(None, excel="PremiumMin1", unit="points", ge=0,
                                            desc="Band 1 minimum premium")
    band1_premium_max: float | None = param(None, excel="PremiumMax1", unit="points", ge=0,
                                            desc="Band 1 maximum premium")
    band2_low: float | None = param(None, excel="VixLow2", unit="VIX", ge=0, desc="Band 2 low")
    band2_high: float | None = param(None, excel="VixHigh2", unit="VIX", ge=0,
                                     desc="Band 2 high")
    band2_premium_min: float | None = param(None, excel="PremiumMin2", unit="points", ge=0,
                                            desc="Band 2 minimum premium")
    band2_premium_max: float | None = param(None, excel="PremiumMax2", unit="points", ge=0,
                                            desc="Band 2 maximum premium")
    band3_low: float | None = param(None, excel="VixLow3", unit="VIX", ge=0, desc="Band 3 low")
    band3_high: float | None = param(None, excel="VixHigh3", unit="VIX", ge=0,
                                     desc="Band 3 high")
    band3_premium_min: float | None = param(None, excel="PremiumMin3", unit="points", ge=0,
                                            desc="Band 3 minimum premium")
    band3_premium_max: float | None = param(None, excel="PremiumMax3", unit="points", ge=0,
                                            desc="Band 3 maximum premium")
    band4_low: float | None = param(None, excel="VixLow4", unit="VIX", ge=0, desc="Band 4 low")
    band4_high: float | None = param(None, excel="VixHigh4", unit="VIX", ge=0,
                                     desc="Band 4 high")
    band4_premium_min: float | None = param(None, excel="PremiumMin4", unit="points", ge=0,
                                            desc="Band 4 minimum premium")
    band4_premium_max: float | None = param(None, excel="PremiumMax4", unit="points", ge=0,
                                            desc="Band 4 maximum premium")
