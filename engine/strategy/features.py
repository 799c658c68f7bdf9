"""Per-bar features a run's rules read besides the legs' paths (strategy stage): ``BarFeatures``.

One typed record replaces the string-keyed ``daily`` dict the loop used to pass around. Each
field is an array over the run's timeline bars (or over one segment's bars, ``window``), or
None when the run does not need it:

* ``ivp``, ``ivr``, ``atr_pct``: the previous trading day's IVP, IVR and ATR percentile from
  daily_features (fractions 0-1; a bar on day d never sees day d's close; NaN where the table
  has no row);
* ``vix``: the VIX close at or before the bar (the MaxVIX exit);
* ``event_open``: True on the first bar of an event day (ExitOnEventDay);
* ``pre_event``: True on the last bar of a day whose next day carries an event (IV crush
  protection).

The simulation builds it once per run; exits, adjustment triggers and sizing read it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray
BoolArray = np.ndarray

METRICS: tuple[str, ...] = ("ivp", "ivr", "atr_pct")  # the daily_features metrics, in this order


@dataclass(frozen=True)
class BarFeatures:
    """Feature arrays per bar; None where the run does not compute that feature."""

    ivp: FloatArray | None = None
    ivr: FloatArray | None = None
    atr_pct: FloatArray | None = None
    vix: FloatArray | None = None
    event_open: BoolArray | None = None
    pre_event: BoolArray | None = None

    def present(self) -> dict[str, np.ndarray]:
        """The computed features by field name, in field order (what a record shows)."""
        out: dict[str, np.ndarray] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        return out

    def metric(self, name: str) -> FloatArray | None:
        """One of ``METRICS`` by name (``ivp``, ``ivr``, ``atr_pct``), or None when absent."""
        if name not in METRICS:
            raise KeyError(f"{name!r} is not a daily metric (one of {', '.join(METRICS)})")
        value: FloatArray | None = getattr(self, name)
        return value

    def window(self, c: int, n: int) -> BarFeatures:
        """The features of bars ``c .. c + n - 1`` (a segment's rows)."""
        return BarFeatures(**{name: v[c:c + n] for name, v in self.present().items()})

    def values_at(self, row: int) -> dict[str, float]:
        """Every computed feature at ``row`` as a float (booleans 0.0 / 1.0)."""
        return {name: float(v[row]) for name, v in self.present().items()}

    def replace(self, **changes: np.ndarray | None) -> BarFeatures:
        """A copy with the given features set (the record is frozen)."""
        return dataclasses.replace(self, **changes)
