"""Option legs and structures as checked values (domain stage).

A ``Structure`` is built by a function that checks its inputs (``iron_fly``, ``calendar``,
``double_calendar``) rather than filled field by field. Strikes are index points, quantities
are lots; the lot size is applied by the simulation from the contract master at fill time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from engine.errors import PosbtError


class Right(StrEnum):
    """Option right: call (CE) or put (PE)."""

    CE = "CE"
    PE = "PE"


class Side(StrEnum):
    """Direction of a leg."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a long leg, -1 for a short one."""
        return 1 if self is Side.BUY else -1


class PositionRole(StrEnum):
    """Why a leg is in the position."""

    PRIMARY = "PRIMARY"
    HEDGE = "HEDGE"
    ADJUSTMENT = "ADJUSTMENT"
    SCALP = "SCALP"


@dataclass(frozen=True)
class Leg:
    """One option leg: right, side, strike (points), expiry, quantity in lots."""

    right: Right
    side: Side
    strike: float
    expiry: dt.date
    lots: int = 1
    role: PositionRole = PositionRole.PRIMARY
    leg_id: str = ""

    def __post_init__(self) -> None:
        if self.strike <= 0:
            raise PosbtError(f"strike must be positive, got {self.strike}", place=self.leg_id or None)
        if self.lots <= 0:
            raise PosbtError(f"lots must be positive, got {self.lots}", place=self.leg_id or None)

    @property
    def signed_lots(self) -> int:
        """Lots with the side's sign (+ long, - short)."""
        return self.side.sign * self.lots

    @property
    def key(self) -> tuple[dt.date, float, str]:
        """(expiry, strike, right): the contract this leg trades."""
        return (self.expiry, self.strike, self.right.value)

    def intrinsic_pts(self, spot: float) -> float:
        """Value per unit at expiry for settlement price ``spot``."""
        if self.right is Right.CE:
            return max(spot - self.strike, 0.0)
        return max(self.strike - spot, 0.0)

    def with_lots(self, lots: int) -> Leg:
        """The same leg with another quantity."""
        return replace(self, lots=lots)


@dataclass(frozen=True)
class Structure:
    """A multi-leg position template: legs plus a name for records."""

    name: str
    legs: tuple[Leg, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.legs:
            raise PosbtError("a structure needs at least one leg", place=self.name)
        ids = [leg.leg_id for leg in self.legs if leg.leg_id]
        if len(ids) != len(set(ids)):
            raise PosbtError(f"duplicate leg ids {ids}", place=self.name)

    def payoff_pts(self, spot: float) -> float:
        """Value at a common expiry per lot-unit (sum of signed intrinsic values x lots)."""
        return sum(leg.signed_lots * leg.intrinsic_pts(spot) for leg in self.legs)

    @property
    def expiries(self) -> tuple[dt.date, ...]:
        """Distinct expiries, earliest first."""
        return tuple(sorted({leg.expiry for leg in self.legs}))


def _check_strike_step(value: float, step: float, what: str) -> None:
    if step <= 0:
        raise PosbtError(f"strike step must be positive, got {step}")
    if abs(value / step - round(value / step)) > 1e-9:
        raise PosbtError(f"{what} {value} is not a multiple of the strike step {step}")


def iron_fly(centre: float, wing_pts: float, expiry: dt.date, lots: int = 1,
             strike_step: float = 50.0) -> Structure:
    """Short straddle at ``centre`` with long wings ``wing_pts`` away (a short iron fly)."""
    if wing_pts <= 0:
        raise PosbtError(f"wing width must be positive, got {wing_pts}", place="wing_pts")
    _check_strike_step(centre, strike_step, "centre strike")
    _check_strike_step(wing_pts, strike_step, "wing width")
    return Structure("IRON_FLY", (
        Leg(Right.CE, Side.SELL, centre, expiry, lots, leg_id="short_call"),
        Leg(Right.PE, Side.SELL, centre, expiry, lots, leg_id="short_put"),
        Leg(Right.CE, Side.BUY, centre + wing_pts, expiry, lots, role=PositionRole.HEDGE,
            leg_id="long_call_wing"),
        Leg(Right.PE, Side.BUY, centre - wing_pts, expiry, lots, role=PositionRole.HEDGE,
            leg_id="long_put_wing"),
    ))


def calendar(strike: float, right: Right, short_expiry: dt.date, long_expiry: dt.date,
             lots: int = 1) -> Structure:
    """Sell the front expiry, buy the back expiry, same strike and right (a long calendar)."""
    if long_expiry <= short_expiry:
        raise PosbtError(
            f"long-leg expiry {long_expiry} must be after the short-leg expiry {short_expiry}",
            place="LongLegDTE")
    return Structure(f"{right.value}_CALENDAR", (
        Leg(right, Side.SELL, strike, short_expiry, lots, leg_id=f"short_{right.value.lower()}"),
        Leg(right, Side.BUY, strike, long_expiry, lots, leg_id=f"long_{right.value.lower()}"),
    ))


def double_calendar(put_strike: float, call_strike: float, short_expiry: dt.date,
                    long_expiry: dt.date, lots: int = 1) -> Structure:
    """A put calendar at ``put_strike`` plus a call calendar at ``call_strike``."""
    if put_strike > call_strike:
        raise PosbtError(f"put strike {put_strike} above call strike {call_strike}")
    puts = calendar(put_strike, Right.PE, short_expiry, long_expiry, lots).legs
    calls = calendar(call_strike, Right.CE, short_expiry, long_expiry, lots).legs
    return Structure("DOUBLE_CALENDAR", puts + calls)
