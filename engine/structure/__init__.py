"""structure stage of the posbt engine: support/resistance levels and the market regime.

Detectors (``pivots``, ``volume``, ``smc``, ``ml``, ``external``) turn bars cut strictly
before the decision day into raw levels; ``composite`` merges, scores and bands them;
``levels`` reads the store and caches; ``use`` answers the engine's questions (nearest
levels, proximity, breaks); ``regime`` classifies trend / range / choppy.
"""

from engine.structure.levels import LevelReport, LevelsCache, levels_at, levels_report_at
from engine.structure.regime import MarketRegime, RegimeReading, VolState, market_regime
from engine.structure.types import Bars, SRKind, SRLevel, StructureInputError, VolumeSource
from engine.structure.use import nearest_levels, proximity, sr_break

__all__ = [
    "Bars",
    "LevelReport",
    "LevelsCache",
    "MarketRegime",
    "RegimeReading",
    "SRKind",
    "SRLevel",
    "StructureInputError",
    "VolState",
    "VolumeSource",
    "levels_at",
    "levels_report_at",
    "market_regime",
    "nearest_levels",
    "proximity",
    "sr_break",
]
