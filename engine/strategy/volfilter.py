"""The volatility filter at entry (strategy stage): IVP, IVR, ATR percentile, IV/HV, term
structure, regime and skew gates evaluated on the point-in-time volatility snapshot.

Input: a ``VolGate`` built from the strategy's volatility filter and the ``VolSnapshot`` as of the
candidate entry bar (``engine.volatility.volatility_snapshot``: history = the N previous daily
closes, current = the chain at the bar; no lookahead). Output: None when the entry may go ahead, or
the reason it may not. A gate whose metric is missing blocks the entry and says why (a filter the
user asked for is never silently skipped). A gate set to its full range (e.g. IVP 0..1) is off and
costs nothing. Skew: the entry is allowed while |25-delta risk reversal| <= the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.volatility import Regime, SnapshotParams, TermClass, VolSnapshot
from engine.volatility.types import HVMethod


@dataclass(frozen=True)
class VolGate:
    """Which volatility conditions an entry must meet; None = that gate is off."""

    ivp: tuple[float, float] | None = None
    ivr: tuple[float, float] | None = None
    atr_pct: tuple[float, float] | None = None
    iv_hv: tuple[float, float] | None = None
    term: TermClass | None = None
    regime: Regime | None = None
    max_abs_rr25: float | None = None
    lookback: int = 252
    hv_method: HVMethod = HVMethod.CLOSE_TO_CLOSE
    params: SnapshotParams = field(default_factory=SnapshotParams)

    @property
    def active(self) -> bool:
        """True when at least one gate is on."""
        return any(g is not None for g in (self.ivp, self.ivr, self.atr_pct, self.iv_hv,
                                           self.term, self.regime, self.max_abs_rr25))


def _range(name: str, value: float, bounds: tuple[float, float] | None, missing: str | None
           ) -> str | None:
    if bounds is None:
        return None
    if value != value:  # NaN
        return f"{name} unavailable ({missing or 'not computed'})"
    lo, hi = bounds
    if not lo <= value <= hi:
        return f"{name} {value:.3f} outside [{lo:g}, {hi:g}]"
    return None


def gate_reason(snap: VolSnapshot, gate: VolGate) -> str | None:
    """Why ``snap`` fails ``gate`` (the first failing condition), or None when it passes."""
    miss = snap.missing
    hv_value = snap.hv.get(gate.hv_method, float("nan"))
    checks = (
        _range("IVP", snap.ivp, gate.ivp, miss.get("ivp")),
        _range("IVR", snap.ivr, gate.ivr, miss.get("ivr")),
        _range("ATR percentile", snap.atr_pct, gate.atr_pct, miss.get("atr_pct")),
        _range("IV/HV", snap.iv_hv_ratio if hv_value == hv_value else float("nan"), gate.iv_hv,
               miss.get("iv_hv_ratio")),
    )
    for reason in checks:
        if reason is not None:
            return reason
    if gate.term is not None:
        if snap.term_class is None:
            return f"term structure unavailable ({miss.get('term_class', 'not computed')})"
        if snap.term_class is not gate.term:
            return f"term structure {snap.term_class.value}, wanted {gate.term.value}"
    if gate.regime is not None:
        if snap.regime is None:
            return f"volatility regime unavailable ({miss.get('regime', 'not computed')})"
        if snap.regime is not gate.regime:
            return f"volatility regime {snap.regime.value}, wanted {gate.regime.value}"
    if gate.max_abs_rr25 is not None:
        if snap.rr25 != snap.rr25:
            return f"25-delta risk reversal unavailable ({miss.get('rr25', 'not computed')})"
        if abs(snap.rr25) > gate.max_abs_rr25:
            return f"|25-delta risk reversal| {abs(snap.rr25):.3f} above {gate.max_abs_rr25:g}"
    return None
