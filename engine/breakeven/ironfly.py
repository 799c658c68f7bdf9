"""Short iron fly breakevens in closed form, and the cost per unit that moves them (breakeven stage).

Before: the entry fill (credit, wing premiums) and the cost model. After: the report, the
wing optimiser (``wings.py``), the monitor (``monitor.py``) and the CLI.

Short iron fly: sell the call and put at centre ``K``, buy wings at ``K - w`` and ``K + w``;
``straddle`` is the premium of the two shorts, ``wing_cost`` the premium of the two wings,
net credit ``c = straddle - wing_cost``, costs ``k`` points per unit. At expiry:

* max profit ``c - k`` (spot at K), max loss ``w - c + k`` (spot beyond a wing);
* breakevens by ``IronFlyBEWings`` (costs always reduce the credit, so they move both
  breakevens INWARDS, ``K +/- (credit - k)``; the plan's sketch adding them outwards is wrong):
  - ``INCLUDE``: the wings' cost counts in full: ``K -/+ (c - k)`` (the true expiry P&L zeros);
  - ``EXCLUDE``: the wings are treated as a separate hedge bought apart from the trade:
    ``K -/+ (straddle - k)`` (the short straddle's breakevens);
  - ``WEIGHTED``: the wings' cost counts with the probability that the wing on that side is
    reached before expiry (``p_put_wing`` for the lower, ``p_call_wing`` for the upper
    breakeven): ``lower = K - (straddle - p_put_wing * wing_cost - k)``,
    ``upper = K + (straddle - p_call_wing * wing_cost - k)``. A wing never reached (p = 0)
    was pure insurance (EXCLUDE); a wing surely reached (p = 1) is part of the trade
    (INCLUDE). ``wing_touch_probabilities`` gives the p's under GBM.

A breakeven band that closes (credit left after costs <= 0) is NaN with a reason; a net
credit above the wing width (a riskless profit) or a non-positive credit is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.breakeven.kinds import IronFlyBEWings
from engine.breakeven.probability import touch_probability
from engine.errors import PosbtError


@dataclass(frozen=True)
class IronFlyBreakevens:
    """Expiry breakevens and extremes of a short iron fly, points per unit."""

    lower: float
    upper: float
    max_profit_pts: float
    max_loss_pts: float
    credit_after_costs_pts: float
    wings: IronFlyBEWings
    reason: str = ""

    @property
    def width_pts(self) -> float:
        """upper - lower (NaN when there is no band)."""
        return self.upper - self.lower


def costs_per_unit_pts(commission_pts: float, slippage_pts: float, *,
                       include_commissions: bool = True, include_slippage: bool = True) -> float:
    """Costs that enter the breakevens: commissions and slippage, each when included."""
    for name, value in (("commission_pts", commission_pts), ("slippage_pts", slippage_pts)):
        if not (math.isfinite(value) and value >= 0):
            raise PosbtError(f"must be >= 0 points per unit, got {value}", place=name)
    return (commission_pts if include_commissions else 0.0) + (
        slippage_pts if include_slippage else 0.0)


def iron_fly_breakevens(centre: float, wing_pts: float, credit_pts: float, *,
                        costs_pts: float = 0.0,
                        wings: IronFlyBEWings = IronFlyBEWings.INCLUDE,
                        wing_cost_pts: float | None = None,
                        p_put_wing: float | None = None,
                        p_call_wing: float | None = None) -> IronFlyBreakevens:
    """Breakevens, max profit and max loss of a short iron fly at expiry (module docstring).

    Args:
        centre: short strike K, points.
        wing_pts: distance w from centre to each wing, points.
        credit_pts: net credit c per unit (shorts minus wings), points.
        costs_pts: commissions + slippage per unit for the round trip, points.
        wings: how the wings' cost enters the breakevens.
        wing_cost_pts: premium of both wings per unit (EXCLUDE, WEIGHTED).
        p_put_wing, p_call_wing: probabilities of reaching each wing (WEIGHTED).
    """
    _check_fly(centre, wing_pts, credit_pts, costs_pts)
    max_profit = credit_pts - costs_pts
    max_loss = wing_pts - credit_pts + costs_pts
    lower_credit = upper_credit = credit_pts - costs_pts
    if wings is not IronFlyBEWings.INCLUDE:
        if wing_cost_pts is None or not (math.isfinite(wing_cost_pts) and wing_cost_pts >= 0):
            raise PosbtError(f"{wings.value} needs the wings' premium (>= 0), got {wing_cost_pts}",
                             place="wing_cost_pts")
        straddle = credit_pts + wing_cost_pts
        p_put, p_call = 0.0, 0.0
        if wings is IronFlyBEWings.WEIGHTED:
            p_put = _probability("p_put_wing", p_put_wing)
            p_call = _probability("p_call_wing", p_call_wing)
        lower_credit = straddle - p_put * wing_cost_pts - costs_pts
        upper_credit = straddle - p_call * wing_cost_pts - costs_pts
    if lower_credit <= 0 or upper_credit <= 0:
        return IronFlyBreakevens(math.nan, math.nan, max_profit, max_loss, max_profit, wings,
                                 f"costs {costs_pts} leave no credit: no profitable range")
    return IronFlyBreakevens(centre - lower_credit, centre + upper_credit, max_profit, max_loss,
                             max_profit, wings)


def wing_touch_probabilities(spot: float, centre: float, wing_pts: float, sigma: float,
                             t_years: float, r: float = 0.0, q: float = 0.0
                             ) -> tuple[float, float]:
    """(P(touch K - w), P(touch K + w)) before expiry under GBM, for the WEIGHTED mode."""
    return (touch_probability(spot, centre - wing_pts, sigma, t_years, r, q),
            touch_probability(spot, centre + wing_pts, sigma, t_years, r, q))


def _probability(name: str, value: float | None) -> float:
    if value is None or not (0.0 <= value <= 1.0):
        raise PosbtError(f"WEIGHTED needs a probability in [0, 1], got {value}", place=name)
    return value


def _check_fly(centre: float, wing_pts: float, credit_pts: float, costs_pts: float) -> None:
    if not (math.isfinite(centre) and centre > 0):
        raise PosbtError(f"centre strike must be positive, got {centre}", place="centre")
    if not (math.isfinite(wing_pts) and 0 < wing_pts < centre):
        raise PosbtError(f"wing width must be in (0, centre), got {wing_pts}", place="wing_pts")
    if not (math.isfinite(credit_pts) and credit_pts > 0):
        raise PosbtError(f"a short iron fly takes a credit > 0, got {credit_pts}",
                         place="credit_pts")
    if credit_pts >= wing_pts:
        raise PosbtError(f"credit {credit_pts} is not below the wing width {wing_pts}: the "
                         "fly could never lose (check the prices or the wing)", place="credit_pts")
    if not (math.isfinite(costs_pts) and costs_pts >= 0):
        raise PosbtError(f"costs must be >= 0 points per unit, got {costs_pts}", place="costs_pts")
