"""Leg builders for the common structures (config stage, inside the single validation).

When a strategy of subtype IRON_FLY or CALENDAR_SPREAD comes with no legs (no
LegParameter rows, no ``legs:`` in YAML), its legs are expanded from strategy-level
parameters: an iron fly sells the ATM call and put and buys wings ``WingWidthPts``
away (or ``WingSteps`` strike steps when no width in points is given); a calendar
sells ATM at ``ShortLegDTE`` and buys ATM at ``LongLegDTE`` on ``CalendarRight``.
The builders work on plain dicts, before ``model_validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _norm(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def iron_fly_legs(wing_width_pts: Any, wing_steps: Any) -> list[dict[str, Any]]:
    """Four legs: short ATM CE and PE, long CE above and PE below by the wing."""
    if wing_width_pts is not None:
        method, up, down = "ATM_OFFSET_PTS", wing_width_pts, _neg(wing_width_pts)
    else:
        steps = 4 if wing_steps is None else wing_steps
        method, up, down = "ATM_OFFSET", steps, _neg(steps)
    return [
        {"leg_id": "SC", "right": "CE", "side": "SELL", "strike_method": "ATM"},
        {"leg_id": "SP", "right": "PE", "side": "SELL", "strike_method": "ATM"},
        {"leg_id": "LC", "right": "CE", "side": "BUY", "strike_method": method,
         "strike_value": up, "position_role": "HEDGE"},
        {"leg_id": "LP", "right": "PE", "side": "BUY", "strike_method": method,
         "strike_value": down, "position_role": "HEDGE"},
    ]


def _neg(value: Any) -> Any:
    """Negate a number given as a number or numeric text; leave anything else for validation."""
    try:
        return -float(value)
    except (TypeError, ValueError):
        return value


def calendar_legs(right: Any, short_dte: Any, long_dte: Any) -> list[dict[str, Any]]:
    """Two legs at the ATM strike: sell at the short DTE, buy at the long DTE."""
    r = _norm(right) or "CE"
    short: dict[str, Any] = {"leg_id": "SHORT", "right": r, "side": "SELL",
                             "strike_method": "ATM", "expiry_method": "DTE"}
    long: dict[str, Any] = {"leg_id": "LONG", "right": r, "side": "BUY",
                            "strike_method": "ATM", "expiry_method": "DTE"}
    if short_dte is not None:
        short["expiry_value"] = short_dte
    if long_dte is not None:
        long["expiry_value"] = long_dte
    return [short, long]


def expand_legs(data: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The built legs for ``data`` (a strategy dict), or None when nothing is to be built."""
    if data.get("legs"):
        return None
    subtype = _norm(data.get("strategy_subtype"))
    if subtype == "IRON_FLY":
        return iron_fly_legs(data.get("wing_width_pts"), data.get("wing_steps"))
    if subtype == "CALENDAR_SPREAD":
        return calendar_legs(data.get("calendar_right"), data.get("short_leg_dte", 7),
                             data.get("long_leg_dte"))
    return None
