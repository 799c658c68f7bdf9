"""Vocabulary of the structure stage: level kinds, the ``SRLevel`` value, and checked OHLCV bars.

Structure sits after ``data`` (it reads index bars through the Store) and ``volatility``
(Wilder ATR), and before ``strategy`` (the proximity entry filter, the SR_HIT trigger, the
S/R-break exit) and ``analytics`` (regime attribution). Every detector takes a ``Bars``
value; ``Bars.before(at)`` keeps only bars stamped strictly before ``at``, which is how the
no-lookahead rule is enforced in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from engine.errors import PosbtError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TimeArray = npt.NDArray[np.datetime64]


class StructureInputError(PosbtError):
    """Bars or parameters given to a structure detector are unusable (empty, NaN, too short)."""


class SRKind(StrEnum):
    """What a level is. SUPPORT / RESISTANCE are relative to the reference price."""

    SUPPORT = "SUPPORT"
    RESISTANCE = "RESISTANCE"
    PIVOT = "PIVOT"  # the floor pivot P itself
    POC = "POC"  # volume profile point of control
    VAH = "VAH"  # value-area high
    VAL = "VAL"  # value-area low
    HVN = "HVN"  # high-volume node
    LVN = "LVN"  # low-volume node (price moves fast through it; weak as S/R)
    OB = "OB"  # order block (SMC)
    FVG = "FVG"  # fair value gap (SMC)
    BOS = "BOS"  # broken swing level (SMC break of structure; polarity flipped)
    SWEEP = "SWEEP"  # swing level swept by a wick and rejected (SMC liquidity sweep)
    EXTERNAL = "EXTERNAL"  # user-supplied level without a kind


class VolumeSource(StrEnum):
    """Where a volume profile's weights came from."""

    SPOT = "SPOT"  # index bar volume
    OPTIONS = "OPTIONS"  # summed option volume of the same timestamps
    TPO = "TPO"  # time at price: every bar weighs 1 (no volume available)


@dataclass(frozen=True)
class SRLevel:
    """One support/resistance level.

    ``level`` is in index points; ``strength`` in [0, 1]; ``touches`` counts separate visits
    of price to the level (consecutive touching bars count once); ``last_tested`` is the date
    of the last such visit; ``band_pts`` is the half-width of the level's band (0 until
    ``composite.with_bands`` sets it); ``zone`` is the (low, high) price zone a level stands
    for (order blocks, fair value gaps, value-area bins); ``label`` says which line it is
    (``R1``, ``POC``, ``bullish OB``, ...).
    """

    level: float
    kind: SRKind
    strength: float
    method: str
    last_tested: date | None = None
    touches: int = 0
    label: str = ""
    band_pts: float = 0.0
    zone: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.level):
            raise StructureInputError(f"level must be finite, got {self.level}", place=self.method)
        if not 0.0 <= self.strength <= 1.0:
            raise StructureInputError(f"strength must be in [0, 1], got {self.strength}",
                                      place=f"{self.method} {self.label}".strip())

    def with_(self, **changes: object) -> SRLevel:
        """A copy with ``changes`` applied (dataclasses.replace)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _float(name: str, values: npt.ArrayLike, n: int | None, place: str) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if n is not None and arr.size != n:
        raise StructureInputError(f"{name} has {arr.size} values, expected {n}", place=place)
    return arr


@dataclass(frozen=True)
class Bars:
    """OHLC(V) bars stamped at their close, oldest first. ``volume`` is None when absent."""

    ts: TimeArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray | None = None

    @classmethod
    def from_arrays(cls, ts: npt.ArrayLike, open_: npt.ArrayLike, high: npt.ArrayLike,
                    low: npt.ArrayLike, close: npt.ArrayLike,
                    volume: npt.ArrayLike | None = None, *, place: str = "bars") -> Bars:
        """Checked bars: equal lengths, finite positive prices, low <= open/close <= high,
        increasing stamps. Volume may hold NaN (missing); it becomes None when all missing."""
        stamps = np.asarray(ts, dtype="datetime64[us]").ravel()
        n = stamps.size
        o, h, lo, c = (_float(k, v, n, place) for k, v in
                       (("open", open_), ("high", high), ("low", low), ("close", close)))
        for name, arr in (("open", o), ("high", h), ("low", lo), ("close", c)):
            bad = ~(np.isfinite(arr) & (arr > 0))
            if bad.any():
                i = int(np.argmax(bad))
                raise StructureInputError(f"{name} is NaN, zero or negative at bar {i} ({stamps[i]})",
                                          place=place)
        tol = 1e-9 * np.maximum(np.abs(h), 1.0)
        inverted = (lo > np.minimum(o, c) + tol) | (h < np.maximum(o, c) - tol)
        if inverted.any():
            i = int(np.argmax(inverted))
            raise StructureInputError(f"low/high do not enclose open/close at bar {i} ({stamps[i]})",
                                      place=place)
        if n > 1 and not (np.diff(stamps) > np.timedelta64(0, "us")).all():
            raise StructureInputError("bar stamps are not strictly increasing", place=place)
        vol = None if volume is None else _float("volume", volume, n, place)
        if vol is not None and not np.isfinite(vol).any():
            vol = None
        return cls(stamps, o, h, lo, c, vol)

    def __len__(self) -> int:
        return int(self.close.size)

    def take(self, mask_or_slice: BoolArray | slice) -> Bars:
        """The bars selected by a boolean mask or a slice."""
        vol = None if self.volume is None else self.volume[mask_or_slice]
        return Bars(self.ts[mask_or_slice], self.open[mask_or_slice], self.high[mask_or_slice],
                    self.low[mask_or_slice], self.close[mask_or_slice], vol)

    def before(self, at: datetime | np.datetime64) -> Bars:
        """Only the bars stamped strictly before ``at`` (the no-lookahead cut)."""
        cut = np.asarray(at, dtype="datetime64[us]")
        return self.take(slice(0, int(np.searchsorted(self.ts, cut, side="left"))))

    def dates(self) -> npt.NDArray[np.datetime64]:
        """Calendar day of each bar (datetime64[D])."""
        return self.ts.astype("datetime64[D]")

    def require(self, n_min: int, what: str) -> None:
        """Raise ``StructureInputError`` when fewer than ``n_min`` bars are present."""
        if len(self) < n_min:
            raise StructureInputError(f"{what} needs at least {n_min} bars, got {len(self)}",
                                      place=what)


def to_date(stamp: np.datetime64) -> date:
    """A numpy stamp as a ``datetime.date``."""
    return date.fromisoformat(str(stamp.astype("datetime64[D]")))
