"""Expiry and strike selection (strategy stage): from the listed expiries and the chain at the
entry time to concrete contracts. Pure functions over plain values; the chain is a column dict.

Conventions (REFERENCE.md): DTE counts calendar days to the expiry date; "by DTE" picks the listed
expiry nearest the target (ties to the later) unless ``at_or_beyond``. "Listed" is what the
exchange lists on the decision day (``MarketView.listed_expiries(on)``); a target more
than ``NEAREST_REACH_DAYS`` past the farthest listed expiry is not listed: the entry is
skipped. ATM is the listed strike
nearest the reference price (spot at entry), ties to the lower strike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.domain.expiries import NEAREST_REACH_DAYS
from engine.domain.structures import Right
from engine.market.chain import ChainSlice as ChainSlice  # re-exported: its old home
from engine.strategy.choices import ExpiryMethod, ExpiryRule, StrikeMethod, StrikeRule


class SelectionError(Exception):
    """No contract satisfies a rule; the message is the reason recorded for the skipped entry."""


def select_expiry(listed: Sequence[tuple[dt.date, str]], on: dt.date, rule: ExpiryRule) -> dt.date:
    """Pick an expiry from ``listed`` (date, kind: what is listed on ``on``) on or after ``on``
    by ``rule``; raises ``SelectionError`` naming what is listed when none fits."""
    future = sorted((e, k) for e, k in listed if e >= on)
    if not future:
        raise SelectionError(f"no listed expiry on or after {on}")
    last = future[-1][0]
    if rule.method is ExpiryMethod.DTE:
        target = on + dt.timedelta(days=rule.value)
        if rule.at_or_beyond:
            beyond = [e for e, _ in future if e >= target]
            if not beyond:
                raise SelectionError(f"no listed expiry at or beyond {rule.value:g} DTE on {on} "
                                     f"(the farthest listed is {last}, {(last - on).days} DTE)")
            return beyond[0]
        if (target - last).days > NEAREST_REACH_DAYS:
            raise SelectionError(f"no listed expiry near {rule.value:g} DTE on {on} (the "
                                 f"farthest listed is {last}, {(last - on).days} DTE)")
        # nearest; ties to the later expiry
        return min(future, key=lambda ek: (abs((ek[0] - target).days), -ek[0].toordinal()))[0]
    index = int(rule.value)
    if rule.method is ExpiryMethod.WEEKLY_INDEX:
        dates = [e for e, _ in future]
    else:
        dates = [e for e, k in future if k == "MONTHLY"]
    if index >= len(dates):
        kind = "expiries" if rule.method is ExpiryMethod.WEEKLY_INDEX else "monthlies"
        raise SelectionError(f"{rule.method.value} {index} is not listed on {on} ({len(dates)} "
                             f"{kind} listed, counted from 0)")
    return dates[index]


def atm_strike(strikes: np.ndarray, ref_price: float) -> float:
    """The listed strike nearest ``ref_price`` (ties to the lower strike)."""
    uniq = np.unique(strikes)
    if uniq.size == 0:
        raise SelectionError("the chain is empty")
    dist = np.abs(uniq - ref_price)
    return float(uniq[int(np.argmin(dist))])


def select_strike(chain: ChainSlice, right: Right, rule: StrikeRule, spot: float,
                  strike_step: float, levels: Sequence[float] = ()) -> float:
    """Pick a strike of ``right`` from ``chain`` by ``rule``; raises ``SelectionError`` if none.

    SR_BASED: calls take the nearest resistance above spot, puts the nearest support below it,
    moved ``rule.value`` points further out of the money, then the nearest quoted strike."""
    of_right = chain.rights == right.value
    quoted = of_right & np.isfinite(chain.closes) & (chain.closes > 0)
    strikes = chain.strikes[quoted]
    if strikes.size == 0:
        raise SelectionError(f"no {right.value} quotes in the chain")
    atm = atm_strike(chain.strikes, spot)
    method = rule.method
    if method is StrikeMethod.ATM:
        return atm
    if method is StrikeMethod.ATM_OFFSET:
        return atm + round(rule.value) * strike_step
    if method is StrikeMethod.ATM_OFFSET_PTS:
        return atm + round(rule.value / strike_step) * strike_step
    if method is StrikeMethod.PERCENT_OTM:
        target = spot * (1 + rule.value) if right is Right.CE else spot * (1 - rule.value)
        return float(strikes[int(np.argmin(np.abs(strikes - target)))])
    if method is StrikeMethod.SR_BASED:
        side = [lv for lv in levels if (lv > spot if right is Right.CE else lv < spot)]
        if not side:
            kind = "resistance above" if right is Right.CE else "support below"
            raise SelectionError(f"no {kind} spot {spot:.2f} for an SR_BASED strike")
        level = min(side) if right is Right.CE else max(side)
        target = level + rule.value if right is Right.CE else level - rule.value
        return float(strikes[int(np.argmin(np.abs(strikes - target)))])
    if method is StrikeMethod.CLOSEST_PREMIUM:
        prices = chain.closes[quoted]
        return float(strikes[int(np.argmin(np.abs(prices - rule.value)))])
    deltas = np.abs(chain.deltas[quoted])
    ok = np.isfinite(deltas)
    if not ok.any():
        raise SelectionError(f"no deltas for {right.value} quotes (run `posbt data enrich`)")
    idx = np.flatnonzero(ok)[int(np.argmin(np.abs(deltas[ok] - rule.value)))]
    return float(strikes[idx])
