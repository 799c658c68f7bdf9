"""Strike and expiry selection choices (strategy stage): the closed sets and their values.

Shared by the strategy plan (legs at entry) and adjustment rules (target strikes, new expiries).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StrikeMethod(StrEnum):
    """How a leg's strike is chosen from the chain at entry."""

    ATM = "ATM"
    ATM_OFFSET = "ATM_OFFSET"          # value: strike steps from ATM, + is up
    ATM_OFFSET_PTS = "ATM_OFFSET_PTS"  # value: index points from ATM, + is up
    CLOSEST_PREMIUM = "CLOSEST_PREMIUM"  # value: premium in points
    DELTA = "DELTA"                    # value: absolute delta in (0, 1)
    PERCENT_OTM = "PERCENT_OTM"        # value: fraction of spot, on the OTM side of the right
    SR_BASED = "SR_BASED"              # value: points beyond the nearest S/R level on the OTM side


class ExpiryMethod(StrEnum):
    """How a leg's expiry is chosen from the listed expiries at entry."""

    DTE = "DTE"                        # value: target calendar days; nearest, ties to the later
    WEEKLY_INDEX = "WEEKLY_INDEX"      # value: 0 = nearest expiry, 1 = the next, ...
    MONTHLY_INDEX = "MONTHLY_INDEX"    # value: 0 = current month's monthly expiry, ...


@dataclass(frozen=True)
class StrikeRule:
    """A strike-selection method with its value."""

    method: StrikeMethod = StrikeMethod.ATM
    value: float = 0.0


@dataclass(frozen=True)
class ExpiryRule:
    """An expiry-selection method with its value."""

    method: ExpiryMethod = ExpiryMethod.DTE
    value: float = 7.0
    at_or_beyond: bool = False  # DTE: first expiry at or beyond the target instead of nearest
