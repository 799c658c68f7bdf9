"""Legs balanced in units (strategy stage): a leg's quantity is lots x its own series' lot size.

The weekly and the monthly series of an index can trade at different lot sizes (NIFTY, Nov-Dec
2024: new weeklies at 75 while the listed monthlies kept 25), so a calendar of "1 lot short, 1
lot long" would sell 75 units against 25 bought: 50 naked short options. For every right whose
legs span more than one expiry, the legs are re-lotted so that their units keep the ratio of
their configured lots: units_i = c x lots_i for the smallest common c that every series can
trade (c x lots_i a whole number of lots of leg i) and that is at least the units the first
short leg asked for. An entry that cannot be balanced within MaxLots is skipped, saying why.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.domain.structures import Leg, Right
from engine.domain.units import balanced_lot_counts
from engine.strategy.selection import SelectionError


def balanced_lots(legs: Sequence[Leg], lot_sizes: Sequence[int], max_lots: int | None = None
                  ) -> tuple[list[Leg], str | None]:
    """The legs with lots that carry equal units per configured lot (module docstring), and a
    note saying what changed (None when nothing did). Raises ``SelectionError`` when a leg would
    need more than ``max_lots`` lots."""
    out = list(legs)
    notes: list[str] = []
    for right in (Right.CE, Right.PE):
        idx = [i for i, leg in enumerate(legs) if leg.right is right]
        if len({legs[i].expiry for i in idx}) < 2 or len({lot_sizes[i] for i in idx}) < 2:
            continue
        first = next((i for i in idx if legs[i].signed_lots < 0), idx[0])
        asked = lot_sizes[first]  # units per configured lot the first short leg asked for
        counts = balanced_lot_counts([legs[i].lots for i in idx], [lot_sizes[i] for i in idx],
                                     asked)
        changed = []
        for i, lots in zip(idx, counts, strict=True):
            if max_lots is not None and lots > max_lots:
                raise SelectionError(
                    f"{right.value} legs cannot carry equal units within MaxLots {max_lots}: "
                    f"lot sizes " + " and ".join(f"{lot_sizes[j]} ({legs[j].expiry})" for j in idx)
                    + f" need {lots} lots of {legs[i].leg_id or legs[i].strike}")
            if lots != legs[i].lots:
                changed.append(i)
            out[i] = legs[i].with_lots(lots)
        if changed:
            notes.append(f"{right.value} legs balanced in units: " + ", ".join(
                f"{out[i].leg_id or out[i].strike} {out[i].lots} x {lot_sizes[i]} = "
                f"{out[i].lots * lot_sizes[i]}" for i in idx))
    return out, ("; ".join(notes) if notes else None)
