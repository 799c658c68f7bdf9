"""Entry rules: time windows, weekdays, VIX range, premium, strikes, liquidity, events, re-entry.

Config stage. Accepts the plan's shorthands ``vix_range: [low, high]`` and
``time_window: ["HH:MM", "HH:MM"]``.
"""

from __future__ import annotations

from datetime import time
from typing import Any, ClassVar

from pydantic import model_validator

from engine.config.enums import StrikeMethod, Weekday
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel, CsvTuple, pair_alias

_ALL_DAYS = tuple(Weekday)


class EntryRules(ConfigModel):
    """When and how a new position may be opened."""

    group: ClassVar[Group] = Group.ENTRY

    vix_min_entry: float | None = param(None, excel="VIXMinEntry", unit="VIX", ge=0, le=200,
                                        desc="Enter only when VIX >= this (blank: off)",
                                        aliases=())
    vix_max_entry: float | None = param(None, excel="VIXMaxEntry", unit="VIX", ge=0, le=200,
                                        desc="Enter only when VIX <= this (blank: off)")
    entry_start_time: time = param(time(9, 20), excel="EntryStartTime", unit="HH:MM IST",
                                   desc="Earliest entry time of day")
    entry_end_time: time = param(time(15, 0), excel="EntryEndTime", unit="HH:MM IST",
                                 desc="Latest entry time of day")
    entry_weekdays: CsvTuple[Weekday] = param(_ALL_DAYS, excel="EntryWeekdays",
                                              unit="weekday list",
                                              desc="Weekdays on which entries are allowed")
    min_dte_entry: int = param(0, excel="MinDTEEntry", unit="calendar days", ge=0, le=400,
                               desc="Skip entry when the short leg has fewer DTE")
    max_dte_entry: int = param(400, excel="MaxDTEEntry", unit="calendar days", ge=0, le=400,
                               desc="Skip entry when the short leg has more DTE")
    skip_expiry_day: bool = param(True, excel="SkipExpiryDayEntry",
                                  desc="No entries on the short leg's expiry day")
    min_premium: float | None = param(None, excel="MinPremium", unit="points", ge=0,
                                      desc="Minimum premium of the sold leg(s)")
    max_premium: float | None = param(None, excel="MaxPremium", unit="points", ge=0,
                                      desc="Maximum premium of the sold leg(s)")
    strike_method: StrikeMethod = param(StrikeMethod.ATM, excel="StrikeMethod",
                                        desc="Default strike selection of the centre strike")
    strike_value: float = param(0.0, excel="StrikeValue", unit="depends on StrikeMethod",
                                desc="Steps, points, premium, delta or fraction OTM")
    expiry_at_or_beyond: bool = param(False, excel="ExpiryAtOrBeyond",
                                      desc="Pick the first expiry at or beyond the target DTE")
    min_oi: int = param(0, excel="MinOI", unit="contracts", ge=0,
                        desc="Minimum open interest of every leg")
    min_volume: int = param(0, excel="MinVolume", unit="contracts", ge=0,
                            desc="Minimum traded volume of every leg on the entry bar")
    max_bid_ask_spread: float = param(1.0, excel="MaxBidAskSpread", unit="fraction of mid",
                                      ge=0, le=10, desc="Widest bid-ask spread allowed")
    use_event_blackout: bool = param(True, excel="UseEventBlackout",
                                     desc="No entries around events of the Events sheet")
    event_days_before: int = param(1, excel="EventDaysBefore", unit="trading days", ge=0,
                                   le=30, desc="Blackout starts this many days before an event")
    event_days_after: int = param(0, excel="EventDaysAfter", unit="trading days", ge=0, le=30,
                                  desc="Blackout ends this many days after an event")
    nearest_strike_fallback: bool = param(
        False, excel="NearestStrikeFallback",
        desc="No quote at the chosen strike: use the nearest quoted strike instead of skipping")
    allow_reentry: bool = param(False, excel="AllowReentry",
                                desc="Open a new position after an exit in the same cycle")
    max_reentries: int = param(0, excel="MaxReentries", unit="count", ge=0, le=50,
                               desc="Re-entries allowed per cycle")
    reentry_cooldown_minutes: int = param(30, excel="ReentryCooldown", unit="minutes", ge=0,
                                          desc="Wait after an exit before re-entering")
    sr_proximity_required: bool = param(False, excel="EntrySRProximity",
                                        desc="Enter only near a support/resistance level")
    max_gap_frac: float | None = param(None, excel="MaxOpeningGap", unit="fraction of spot",
                                       ge=0, le=1, desc="Skip days opening with a larger gap")

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        data = pair_alias(data, "vix_range", "vix_min_entry", "vix_max_entry")
        return pair_alias(data, "time_window", "entry_start_time", "entry_end_time")
