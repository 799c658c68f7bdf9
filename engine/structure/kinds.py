"""Closed sets of the market-structure stage: S/R methods, pivot types and timeframes, ML
clustering models.

They live here, below config, so the kernels can name them; ``engine.config.enums`` re-exports
them for the config models.
"""

from __future__ import annotations

from enum import StrEnum


class SRMethod(StrEnum):
    PIVOT = "PIVOT"
    VOLUME = "VOLUME"
    SMC = "SMC"
    ML = "ML"
    EXTERNAL = "EXTERNAL"
    COMPOSITE = "COMPOSITE"


class PivotType(StrEnum):
    CLASSIC = "CLASSIC"
    FIBONACCI = "FIBONACCI"
    CAMARILLA = "CAMARILLA"
    WOODIE = "WOODIE"
    SWING = "SWING"


class PivotTimeframe(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class MLModel(StrEnum):
    KMEANS = "KMEANS"
    DBSCAN = "DBSCAN"
    KDE = "KDE"
