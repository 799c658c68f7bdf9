"""The no-trade line groups skips by reason, not by each skip's own numbers."""

from __future__ import annotations

import datetime as dt

from engine.results.records import SkipRecord
from engine.simulation.skip_summary import skipped_reason

T = dt.datetime(2025, 1, 6, 9, 30)


def skips(*reasons: str) -> list[SkipRecord]:
    return [SkipRecord(T, r) for r in reasons]


def test_premium_skips_with_their_own_numbers_are_one_reason_with_a_range() -> None:
    got = skipped_reason(skips("net debit 238.10 pts above the maximum 35",
                               "net debit 176.20 pts above the maximum 35",
                               "net debit 1,204.50 pts above the maximum 35",
                               "no strike within 50 pts: chain empty",
                               "no strike within 50 pts: chain thin"))
    # 3 premium skips (176.20 to 1,204.50) and 2 strike skips grouped by the text before ':'
    assert got == ("no trade: every one of 5 entries was skipped (3 x net debit 176.20-1,204.50 "
                   "pts above the maximum 35; 2 x no strike within 50 pts)")


def test_one_value_is_shown_as_itself_and_the_top_three_are_kept() -> None:
    got = skipped_reason(skips("net credit 12.00 pts below the minimum 25",
                               "net credit 12.00 pts below the minimum 25",
                               "a: x", "b: y", "c: z"))
    assert got.startswith("no trade: every one of 5 entries was skipped "
                          "(2 x net credit 12.00 pts below the minimum 25; 1 x a; 1 x b)")


def test_no_skips_means_no_entry_was_attempted() -> None:
    assert skipped_reason([]) == "no entry was attempted"
