"""Why a run whose entries were all skipped made no trade, in one line a trader can read.

Skip reasons carry their own numbers ("net debit 238.10 pts above the maximum 35"), so
counting the texts as they are would list each skip as a reason of its own. A reason with
a colon is grouped by what comes before it ("no strike within 50 pts: ..."); one without is
grouped with its first number masked, and the group shows that number's range
("42 x net debit 150.20-238.10 pts above the maximum 35").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.results.records import SkipRecord

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass
class _Group:
    count: int = 0
    values: list[tuple[float, str]] = field(default_factory=list)


def _key(reason: str) -> tuple[str, tuple[float, str] | None]:
    """The grouping key of one reason and the number masked in it, if any."""
    if ":" in reason:
        return reason.split(":")[0], None
    m = _NUMBER.search(reason)
    if m is None:
        return reason, None
    value = (float(m.group().replace(",", "")), m.group())
    return reason[:m.start()] + "\0" + reason[m.end():], value


def _label(key: str, group: _Group) -> str:
    if "\0" not in key:
        return key
    lo, hi = min(group.values), max(group.values)
    shown = lo[1] if lo[0] == hi[0] else f"{lo[1]}-{hi[1]}"
    return key.replace("\0", shown)


def skipped_reason(skips: Sequence[SkipRecord], top: int = 3) -> str:
    """The commonest ``top`` reasons among ``skips``, counted, for a run that made no trade."""
    if not skips:
        return "no entry was attempted"
    groups: dict[str, _Group] = {}
    for s in skips:
        key, value = _key(s.reason)
        g = groups.setdefault(key, _Group())
        g.count += 1
        if value is not None:
            g.values.append(value)
    ranked = sorted(groups.items(), key=lambda kv: -kv[1].count)[:top]
    parts = "; ".join(f"{g.count} x {_label(k, g)}" for k, g in ranked)
    return f"no trade: every one of {len(skips)} entries was skipped ({parts})"
