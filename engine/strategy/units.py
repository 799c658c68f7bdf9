"""Legs balanced in units (strategy stage): a leg's quantity is lots x its own series' lot size.

The weekly and the monthly series of an index can trade at different lot sizes (NIFTY, Nov-Dec
2024: new weeklies at 75 while the listed monthlies kept 25), so a calendar of "1 lot short, 1
lot long" would sell 75 units against 25 bought: 50 naked short options. For every right whose
legs span more than one expiry, the legs are re-lotted so that their units keep the ratio of
their configured lots: units_i = c x lots_i for the smallest common c that every series can
trade (c x lots_i a whole number of lots of leg i) and that is at least the units the first
short leg asked for. An entry that cannot be balanced within MaxLots is skipped, saying why.

Adjustments size in units with the same rule: a leg group an adjustment opens (a second
calendar) carries at least the units it asks for (``sized_in_units``), and a leg that replaces
a held one (a roll) carries exactly the replaced leg's units (``lots_carrying``); one that
cannot, within MaxLots or in whole lots, is blocked, saying why.
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
            _within(max_lots, lots, right, [legs[j] for j in idx], [lot_sizes[j] for j in idx],
                    legs[i])
            if lots != legs[i].lots:
                changed.append(i)
            out[i] = legs[i].with_lots(lots)
        if changed:
            notes.append(f"{right.value} legs balanced in units: " + ", ".join(
                f"{out[i].leg_id or out[i].strike} {out[i].lots} x {lot_sizes[i]} = "
                f"{out[i].lots * lot_sizes[i]}" for i in idx))
    return out, ("; ".join(notes) if notes else None)


def sized_in_units(legs: Sequence[Leg], lot_sizes: Sequence[int], units: int,
                   max_lots: int | None = None) -> list[Leg]:
    """``legs`` (one right; their lots are the configured ratio, 1:1 for a calendar) re-lotted
    to carry c x lots_i units each, for the smallest tradeable common c of at least ``units``
    (the entry rule, ``balanced_lot_counts``), whatever their lot sizes. Raises
    ``SelectionError`` when a leg would need more than ``max_lots`` lots.

    A second calendar asked for 75 units on weekly 75 / monthly 25: 1 x 75 and 3 x 25."""
    counts = balanced_lot_counts([leg.lots for leg in legs], lot_sizes, units)
    for leg, lots in zip(legs, counts, strict=True):
        _within(max_lots, lots, leg.right, legs, lot_sizes, leg)
    return [leg.with_lots(lots) for leg, lots in zip(legs, counts, strict=True)]


def lots_carrying(units: int, lot_size: int, leg: Leg, max_lots: int | None = None) -> int:
    """Lots of ``lot_size`` that carry exactly ``units`` (a rolled leg keeps the units of the
    leg it replaces: 75 units moved to a monthly of 25 are 3 lots). Raises ``SelectionError``
    when ``units`` is not a whole number of lots or needs more than ``max_lots``."""
    what = leg.leg_id or f"{leg.strike:g} {leg.right.value}"
    if units % lot_size:
        raise SelectionError(f"{what}: {units} units are not a whole number of lots of "
                             f"{lot_size} ({leg.expiry}), so the roll cannot keep its units")
    lots = units // lot_size
    if max_lots is not None and lots > max_lots:
        raise SelectionError(f"{what}: keeping {units} units needs {lots} lots of {lot_size} "
                             f"({leg.expiry}), more than MaxLots {max_lots}")
    return lots


def _within(max_lots: int | None, lots: int, right: Right, group: Sequence[Leg],
            sizes: Sequence[int], leg: Leg) -> None:
    """Raise when balancing ``group`` needs more than ``max_lots`` lots of ``leg``."""
    if max_lots is not None and lots > max_lots:
        raise SelectionError(
            f"{right.value} legs cannot carry equal units within MaxLots {max_lots}: "
            f"lot sizes " + " and ".join(f"{n} ({g.expiry})" for g, n in zip(group, sizes, strict=True))
            + f" need {lots} lots of {leg.leg_id or leg.strike}")
