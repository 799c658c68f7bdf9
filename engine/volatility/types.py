"""Closed sets and small value types of the volatility stage.

The volatility stage sits after ``data`` and ``pricing`` (it reads bars and chains from the
store, IVs from the chain or from ``engine.pricing``) and before ``strategy`` (entry filters,
triggers) and ``analytics`` (regime attribution). This module holds only the vocabulary:
estimator names, term-structure and regime classes, reasons a metric is NaN, regime bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class HVMethod(StrEnum):
    """Historical-volatility estimators (all annualised with sqrt(bars per year))."""

    CLOSE_TO_CLOSE = "close_to_close"
    PARKINSON = "parkinson"
    GARMAN_KLASS = "garman_klass"
    ROGERS_SATCHELL = "rogers_satchell"
    YANG_ZHANG = "yang_zhang"


class TermClass(StrEnum):
    """Shape of the ATM IV term structure between a front and a back tenor."""

    CONTANGO = "CONTANGO"  # back IV above front IV (the usual, calm shape)
    BACKWARDATION = "BACKWARDATION"  # back IV below front IV (stress, event in the front)
    FLAT = "FLAT"  # |slope| within the tolerance


class Regime(StrEnum):
    """Volatility regime from configurable bands."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    EXTREME = "EXTREME"


class NanReason(StrEnum):
    """Why a volatility metric came out NaN (array APIs never raise; they answer NaN)."""

    EMPTY = "no values given"
    NAN_INPUT = "the current value is NaN"
    SHORT_HISTORY = "history is shorter than the lookback"
    SHAPE_MISMATCH = "input arrays have different lengths"
    BAD_PRICES = "prices are NaN, zero or negative"
    NO_CHAIN = "no option chain at this time"
    NO_IV = "no implied volatility could be found"
    BAD_TIME = "times are not increasing or not positive"


RegimeBasis = Literal["VIX", "IVP"]


@dataclass(frozen=True)
class RegimeBands:
    """Upper edges of the LOW, MEDIUM and HIGH bands; anything at or above ``high_below``
    is EXTREME.

    ``basis="VIX"`` compares the VIX close (index points, 13.5 = 13.5%) with the edges;
    ``basis="IVP"`` compares the percentile (fraction in [0, 1]) of the current value
    among the ``lookback`` previous daily closes (the plan's ``regime_lookback``).
    Defaults follow the plan's scenarios: VIX < 12 low, 12-20 normal, > 20 high, with
    30 as the edge of EXTREME; IVP < 0.20 low, 0.20-0.50 normal, 0.50-0.80 high.
    """

    low_below: float = 12.0
    medium_below: float = 20.0
    high_below: float = 30.0
    basis: RegimeBasis = "VIX"
    lookback: int = 60

    def __post_init__(self) -> None:
        edges = (self.low_below, self.medium_below, self.high_below)
        if not all(math.isfinite(e) for e in edges) or not (
            self.low_below <= self.medium_below <= self.high_below
        ):
            raise ValueError(
                "RegimeBands: edges must be finite and low_below <= medium_below <= high_below, "
                f"got {edges}"
            )
        if self.lookback < 1:
            raise ValueError(f"RegimeBands.lookback: must be >= 1, got {self.lookback}")

    @classmethod
    def ivp(cls, lookback: int = 60) -> RegimeBands:
        """Percentile bands 0.20 / 0.50 / 0.80 over ``lookback`` previous closes."""
        return cls(0.20, 0.50, 0.80, basis="IVP", lookback=lookback)
