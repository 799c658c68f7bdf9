"""Wing optimiser: the iron fly wings whose breakeven width is nearest a target (breakeven stage).

Before: a chain snapshot ``strike -> (call premium, put premium)`` in points at entry, the
chosen centre strike and ``target_be_width`` (``BreakevenConfig``). After: strike selection
(the lead wires ``optimize_for_be``).

For each wing distance ``w`` with both ``K - w`` (put) and ``K + w`` (call) quoted, the net
credit is ``c(w) = C(K) + P(K) - C(K + w) - P(K - w)`` and the INCLUDE breakeven width is
``2 (c(w) - costs)`` (``ironfly.py``). The choice is the wing with the smallest
``|width - target|``; ties go to the narrower wing (less capital at risk). Wider wings cost
less, so the width grows with ``w``; if even the widest wing cannot reach the target the
widest is chosen, and ``WingChoice.reason`` says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from engine.breakeven.ironfly import IronFlyBreakevens, iron_fly_breakevens
from engine.errors import PosbtError

Chain = Mapping[float, tuple[float, float]]


@dataclass(frozen=True)
class WingCandidate:
    """One wing distance and the fly it makes."""

    wing_pts: float
    credit_pts: float
    width_pts: float
    breakevens: IronFlyBreakevens


@dataclass(frozen=True)
class WingChoice:
    """The chosen wing, every candidate evaluated, and why the choice may miss the target."""

    best: WingCandidate
    candidates: tuple[WingCandidate, ...]
    reason: str = ""


def optimise_wings(chain: Chain, centre: float, target_width_pts: float, *,
                   costs_pts: float = 0.0, max_wing_pts: float | None = None) -> WingChoice:
    """Choose the wing width whose breakeven width is nearest ``target_width_pts``."""
    if not chain:
        raise PosbtError("the chain is empty: no strikes to choose wings from", place="chain")
    if not (math.isfinite(target_width_pts) and target_width_pts > 0):
        raise PosbtError(f"target breakeven width must be > 0 points, got {target_width_pts}",
                         place="target_be_width")
    if centre not in chain:
        raise PosbtError(f"centre strike {centre} is not in the chain", place="chain")
    call_k, put_k = _quote(chain, centre)
    candidates = []
    for strike in sorted(chain):
        wing = strike - centre
        if wing <= 0 or (max_wing_pts is not None and wing > max_wing_pts):
            continue
        if centre - wing not in chain:
            continue
        call_w = _quote(chain, strike)[0]
        put_w = _quote(chain, centre - wing)[1]
        credit = call_k + put_k - call_w - put_w
        if not (0 < credit < wing):
            continue  # no credit, or a quote error making the fly riskless: skip it
        be = iron_fly_breakevens(centre, wing, credit, costs_pts=costs_pts)
        if math.isfinite(be.width_pts):
            candidates.append(WingCandidate(wing, credit, be.width_pts, be))
    if not candidates:
        raise PosbtError(f"no symmetric wing around {centre} gives a usable credit after costs "
                         f"{costs_pts}", place="chain")
    best = min(candidates, key=lambda c: (abs(c.width_pts - target_width_pts), c.wing_pts))
    reason = ""
    if best is candidates[-1] and best.width_pts < target_width_pts:
        reason = (f"widest wing {best.wing_pts} gives width {best.width_pts:.1f} < target "
                  f"{target_width_pts}")
    return WingChoice(best, tuple(candidates), reason)


def _quote(chain: Chain, strike: float) -> tuple[float, float]:
    call, put = chain[strike]
    if not (math.isfinite(call) and math.isfinite(put) and call >= 0 and put >= 0):
        raise PosbtError(f"prices must be finite and >= 0, got CE {call} PE {put}",
                         place=f"chain[{strike}]")
    return float(call), float(put)
