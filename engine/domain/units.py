"""Equal units across series of different lot sizes (domain: pure arithmetic on lots).

A leg's quantity is lots x its series' lot size. Legs of one right that span several series
(a calendar) must keep the ratio of their configured lots in units: units_i = c x lots_i for
the smallest common c that every series can trade (c x lots_i a whole number of lots of leg
i: c a multiple of lot_i / gcd(lots_i, lot_i)) and that is at least ``asked_units``. Used by
the strategy stage at entry (``engine.strategy.units``) and by the config checks, which warn
before a run when a calendar cannot be balanced within MaxLots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def balanced_lot_counts(lots: Sequence[int], lot_sizes: Sequence[int], asked_units: int
                        ) -> list[int]:
    """Lots of each leg so that lots_out_i x lot_sizes_i = c x lots_i (module docstring).

    Weekly 75 vs monthly 25, 1 lot each, asked 75 units: c = 75 -> [1, 3] (75 units each);
    weekly 75 vs monthly 35: c = lcm(75, 35) = 525 -> [7, 15]."""
    step = 1
    for n, size in zip(lots, lot_sizes, strict=True):
        need = size // math.gcd(n, size)
        step = step * need // math.gcd(step, need)
    c = step * max(1, math.ceil(asked_units / step))
    return [c * n // size for n, size in zip(lots, lot_sizes, strict=True)]
