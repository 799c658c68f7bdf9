"""The effect table: the proof that the engine acts on a parameter (config stage, data only).

Each :class:`Effect` row names a parameter (its dotted field path, as in docs/parameters.md), a
scenario (a small constructed market and a base strategy, built by tests/effects), two values and
the observable of the backtest that must differ between them (the trades, an exit reason, the
fills, a breakeven, a skipped entry's reason...). ``tests/effects/test_effects.py`` runs every
row: both values on the scenario, and fails unless the observable differs.

A parameter is *acted on* exactly when it has a row here (:data:`ACTED_ON` is derived from the
table), so the parameter reference, the template and ``posbt validate`` (which warns when a
parameter without a row is set) only claim what a passing row shows. A parameter whose effect
cannot be shown stays "accepted, not yet acted on" until a row for it passes.

Values are written as in a YAML config (strings for enums and times). ``item`` picks the leg or
the adjustment rule a ``legs.*`` / ``adjustment_rules.*`` path refers to; ``setup`` holds other
settings both runs share (so the parameter's code path is reached), as ``(path, value)`` pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class Scenario(StrEnum):
    """The constructed markets and base strategies of tests/effects (see its scenarios)."""

    IRON_FLY = "iron_fly"                  # weekly iron fly, 15-minute NIFTY, no gates
    CALENDAR = "calendar"                  # weekly/monthly call calendar, 15-minute NIFTY
    IRON_FLY_ADJUSTED = "iron_fly_adjusted"  # iron fly with one adjustment rule
    CALENDAR_ADJUSTED = "calendar_adjusted"  # calendar with one adjustment rule
    LEGS = "legs"                          # CUSTOM strategy with LegParameter rows
    GATED = "gated"                        # iron fly with the volatility gates on
    STRUCTURE = "structure"                # iron fly using S/R levels


SCENARIOS: Final[dict[Scenario, str]] = {
    Scenario.IRON_FLY: "Demo_Weekly_IronFly: weekly NIFTY iron fly, 300-point wings, entries "
                       "09:30-11:00, no volatility gates",
    Scenario.CALENDAR: "Demo_Weekly_Calendar: 7-day short / 30-day long ATM call calendar",
    Scenario.IRON_FLY_ADJUSTED: "the iron fly with rule R: ROLL_UP on a 0.4% move, twice at most",
    Scenario.CALENDAR_ADJUSTED: "the calendar with rule R: ROLL_UP on a 0.4% move, twice at most",
    Scenario.LEGS: "the iron fly written as four LegParameter rows (CUSTOM)",
    Scenario.GATED: "the iron fly with the IVP gate on (0..1, so it computes and passes)",
    Scenario.STRUCTURE: "the iron fly entering only within 50 points of a pivot S/R level",
}


class Observable(StrEnum):
    """What of a backtest a row compares (tests/effects/observe.py computes each)."""

    RUNS = "runs"                  # which strategies `posbt run` runs
    STRATEGY = "strategy"          # the strategy name on the results
    SYMBOL = "symbol"              # the traded index on the results
    TRADE_COUNT = "trade_count"
    ENTRIES = "entries"            # entry time of each trade
    EXITS = "exits"                # exit time and reason of each trade
    FILLS = "fills"                # every fill: time, contract, quantity, price
    COSTS = "costs"                # costs of every fill
    PNL = "pnl"                    # gross P&L of each trade
    MARGIN = "margin"              # margin blocked by each trade
    LOTS = "lots"                  # lots of each trade
    SKIPS = "skips"                # skipped entries with their reasons
    ADJUSTMENTS = "adjustments"    # adjustments applied or blocked, with reasons
    BREAKEVENS = "breakevens"      # the per-bar breakeven series and adjustments' breakevens
    GREEKS = "greeks"              # the per-bar greeks of open positions
    LOG = "log"                    # breakeven alerts and S/R notes
    BE_STATS = "be_stats"          # breakeven success tracking per trade
    EQUITY = "equity"              # the daily equity curve


Setup = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Effect:
    """One parameter's proof: on ``scenario`` values ``a`` and ``b`` change ``observable``."""

    path: str
    scenario: Scenario
    a: Any
    b: Any
    observable: Observable
    item: int = 0
    setup: Setup = ()
    note: str = ""


S, O, E = Scenario, Observable, Effect  # noqa: E741 (short names keep the rows one line)

_R = "adjustment_rules."


def _rule(**fields: Any) -> tuple[str, Any]:
    """A setup pair replacing the scenario's first adjustment rule by one with ``fields``."""
    return ("adjustment_rules", [{"rule_id": "R", **fields}])


def _adj(name: str, scenario: Scenario, a: Any, b: Any, observable: Observable,
         *setup: tuple[str, Any], note: str = "") -> Effect:
    return Effect(_R + name, scenario, a, b, observable, setup=tuple(setup), note=note)


_BAND_OPEN: Final = {"low": 0, "high": 100, "premium_min": 0, "premium_max": 100000}


def _band(i: int, name: str, a: Any, b: Any) -> Effect:
    """VIX band ``i`` on and wide open except ``name``: narrowing it skips the entries."""
    setup = (("vix_config.use_vix_bands", True),
             *((f"vix_config.band{i}_{k}", v) for k, v in _BAND_OPEN.items() if k != name))
    return Effect(f"vix_config.band{i}_{name}", Scenario.IRON_FLY, a, b, Observable.ENTRIES,
                  setup=setup)


_BANKNIFTY: Final = (("backtest.symbol", "BANKNIFTY"), ("wing_width_pts", 600))
_REENTRY: Final = (("entry_rules.allow_reentry", True), ("entry_rules.max_reentries", 3),
                   ("entry_rules.reentry_cooldown_minutes", 15), ("exit_rules.stop_loss_pts", 1),
                   ("roll_frequency", "CUSTOM"), ("custom_dte_list", list(range(1, 11))))
_CAPITAL_PCT: Final = (("legs.dynamic_sizing.mode", "CAPITAL_PCT"),
                       ("legs.dynamic_sizing.max_lots", 5),
                       ("legs.dynamic_sizing.capital_fraction", 0.5))
_ROLL: Final = {"rule_id": "R", "rule_type": "ROLL_UP", "trigger_conditions": ["PRICE_MOVE"],
                "price_move_threshold": 0.004}
_HEDGE = _rule(rule_type="DYNAMIC_HEDGE", target_delta=0, delta_band=40, rebalance_minutes=120,
               max_times_per_position=3)
_REVERSE = _rule(rule_type="REVERSE_BUY", trigger_conditions=["PRICE_MOVE"],
                 price_move_threshold=0.004, max_debit_allowed=2.0,
                 target_strike_method="PERCENT_OTM", target_strike_value=0.005,
                 scalping_threshold=0.7, reverse_parts=4, max_times_per_position=4)

EFFECTS: Final[tuple[Effect, ...]] = (
    # ---- identity, window, timeframe
    E("strategy_name", S.IRON_FLY, "Fly_A", "Fly_B", O.STRATEGY),
    E("enabled", S.IRON_FLY, True, False, O.RUNS),
    E("position_type", S.IRON_FLY, "MONTHLY", "WEEKLY", O.TRADE_COUNT, setup=_BANKNIFTY,
      note="BANKNIFTY lists monthlies only in 2025: WEEKLY finds no weekly to trade"),
    E("strategy_subtype", S.IRON_FLY, "IRON_FLY", "CALENDAR_SPREAD", O.FILLS,
      setup=(("long_leg_dte", 30),)),
    E("short_leg_dte", S.IRON_FLY, 7, 14, O.FILLS),
    E("long_leg_dte", S.CALENDAR, 30, 45, O.FILLS),
    E("roll_frequency", S.IRON_FLY, "WEEKLY", "BIWEEKLY", O.ENTRIES),
    E("custom_dte_list", S.IRON_FLY, [7], [6], O.SKIPS, setup=(("roll_frequency", "CUSTOM"),)),
    E("fallback_to_monthly", S.IRON_FLY, False, True, O.TRADE_COUNT,
      setup=(*_BANKNIFTY, ("position_type", "WEEKLY"))),
    E("wing_width_pts", S.IRON_FLY, 300, 200, O.FILLS),
    E("wing_steps", S.IRON_FLY, 4, 8, O.FILLS, setup=(("wing_width_pts", None),)),
    E("calendar_right", S.CALENDAR, "CE", "PE", O.FILLS),
    E("backtest.symbol", S.IRON_FLY, "NIFTY", "BANKNIFTY", O.SYMBOL,
      setup=(("wing_width_pts", 600),)),
    E("backtest.start_date", S.IRON_FLY, None, "2025-01-20", O.ENTRIES),
    E("backtest.end_date", S.IRON_FLY, None, "2025-01-24", O.ENTRIES),
    E("backtest.bar_interval", S.IRON_FLY, "15m", "1d", O.FILLS,
      setup=(("entry_rules.entry_end_time", "15:30"),)),
    E("backtest.capital_inr", S.IRON_FLY, 1000000, 2000000, O.EQUITY),
    E("backtest.lots", S.IRON_FLY, 1, 2, O.LOTS),
    # ---- VIX bands and VIX limits
    E("vix_config.use_vix_bands", S.IRON_FLY, False, True, O.SKIPS,
      setup=(("vix_config.band1_low", 0), ("vix_config.band1_high", 100),
             ("vix_config.band1_premium_min", 1000))),
    E("vix_config.vix_symbol", S.IRON_FLY, "INDIAVIX", "NOSUCHVIX", O.ENTRIES,
      setup=(("entry_rules.vix_min_entry", 1),)),
    *(_band(i, field, a, b) for i in range(1, 5) for field, a, b in (
        ("low", 0, 90), ("high", 100, 1), ("premium_min", 0, 100000), ("premium_max", 100000, 1))),
    E("entry_rules.vix_min_entry", S.IRON_FLY, None, 60, O.ENTRIES),
    E("entry_rules.vix_max_entry", S.IRON_FLY, None, 1, O.ENTRIES),
    E("volatility_limits.min_vix", S.IRON_FLY, None, 60, O.ENTRIES),
    E("volatility_limits.max_vix", S.IRON_FLY, None, 1, O.ENTRIES),
    E("volatility_limits.max_atm_iv", S.IRON_FLY, None, 0.01, O.EXITS),
    E("volatility_limits.iv_crush_protection", S.IRON_FLY, False, True, O.EXITS,
      setup=(("volatility_limits.iv_crush_threshold", 0.01),)),
    E("volatility_limits.iv_crush_threshold", S.IRON_FLY, 0.5, 0.01, O.EXITS,
      setup=(("volatility_limits.iv_crush_protection", True),)),
    # ---- entry rules
    E("entry_rules.entry_start_time", S.IRON_FLY, "09:30", "10:30", O.ENTRIES),
    E("entry_rules.entry_end_time", S.IRON_FLY, "15:00", "11:00", O.ENTRIES, setup=_REENTRY),
    E("entry_rules.entry_weekdays", S.IRON_FLY, ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY",
                                                  "FRIDAY"], ["WEDNESDAY"], O.ENTRIES),
    E("entry_rules.min_dte_entry", S.IRON_FLY, 0, 10, O.ENTRIES),
    E("entry_rules.max_dte_entry", S.IRON_FLY, 400, 3, O.ENTRIES),
    E("entry_rules.skip_expiry_day", S.IRON_FLY, True, False, O.ENTRIES,
      setup=(("short_leg_dte", 0), ("entry_rules.entry_weekdays", ["THURSDAY"])),
      note="0-DTE entries on Thursdays, the day their short legs expire"),
    E("entry_rules.min_premium", S.IRON_FLY, None, 100000, O.SKIPS),
    E("entry_rules.max_premium", S.IRON_FLY, None, 1, O.SKIPS),
    E("entry_rules.expiry_at_or_beyond", S.IRON_FLY, False, True, O.FILLS),
    E("entry_rules.min_oi", S.IRON_FLY, 0, 10**9, O.SKIPS),
    E("entry_rules.min_volume", S.IRON_FLY, 0, 10**9, O.SKIPS),
    E("entry_rules.max_bid_ask_spread", S.IRON_FLY, 1.0, 0.0001, O.SKIPS),
    E("entry_rules.use_event_blackout", S.IRON_FLY, False, True, O.ENTRIES),
    E("entry_rules.event_days_before", S.IRON_FLY, 1, 5, O.ENTRIES,
      setup=(("entry_rules.use_event_blackout", True),)),
    E("entry_rules.event_days_after", S.IRON_FLY, 0, 5, O.ENTRIES,
      setup=(("entry_rules.use_event_blackout", True),)),
    E("entry_rules.nearest_strike_fallback", S.LEGS, False, True, O.FILLS,
      setup=(("legs.strike_method", "ATM_OFFSET_PTS"), ("legs.strike_value", 5000))),
    E("entry_rules.allow_reentry", S.IRON_FLY, False, True, O.ENTRIES,
      setup=(("entry_rules.max_reentries", 3), ("exit_rules.stop_loss", 0.05),
             ("entry_rules.reentry_cooldown_minutes", 15))),
    E("entry_rules.max_reentries", S.IRON_FLY, 0, 3, O.ENTRIES, setup=_REENTRY),
    E("entry_rules.reentry_cooldown_minutes", S.IRON_FLY, 15, 240, O.ENTRIES,
      setup=(("entry_rules.allow_reentry", True), ("entry_rules.max_reentries", 3),
             ("exit_rules.stop_loss", 0.05))),
    E("entry_rules.max_gap_frac", S.IRON_FLY, None, 0.00001, O.ENTRIES),
    E("entry_rules.sr_proximity_required", S.STRUCTURE, False, True, O.SKIPS,
      setup=(("market_structure.use_for_entry", True), ("market_structure.proximity_pts", 1))),
    # ---- volatility gates
    E("volatility_filter.use_ivp", S.GATED, False, True, O.SKIPS,
      setup=(("volatility_filter.ivp_min_entry", 0.99),)),
    E("volatility_filter.ivp_lookback", S.IRON_FLY, 252, 20, O.EXITS,
      setup=(("exit_rules.exit_ivp_above", 0.5),),
      note="the IVP exit reads the strategy's lookback, as the entry filter does (issue 15 "
           "item 6; tests/unit/simulation/test_strategy_vol_metrics.py)"),
    E("volatility_filter.ivp_min_entry", S.GATED, 0.0, 0.99, O.SKIPS),
    E("volatility_filter.ivp_max_entry", S.GATED, 1.0, 0.01, O.SKIPS),
    E("volatility_filter.ivp_min_exit", S.IRON_FLY, None, 0.99, O.EXITS),
    E("volatility_filter.ivp_max_exit", S.IRON_FLY, None, 0.01, O.EXITS),
    E("volatility_filter.use_ivr", S.GATED, False, True, O.SKIPS,
      setup=(("volatility_filter.ivr_min_entry", 0.99),)),
    E("volatility_filter.ivr_min_entry", S.GATED, 0.0, 0.99, O.SKIPS,
      setup=(("volatility_filter.use_ivr", True),)),
    E("volatility_filter.ivr_max_entry", S.GATED, 1.0, 0.01, O.SKIPS,
      setup=(("volatility_filter.use_ivr", True),)),
    E("volatility_filter.use_atr_percentile", S.GATED, False, True, O.SKIPS,
      setup=(("volatility_filter.atr_percentile_min", 0.99),)),
    E("volatility_filter.atr_period", S.GATED, 14, 3, O.SKIPS,
      setup=(("volatility_filter.use_atr_percentile", True),
             ("volatility_filter.atr_percentile_min", 0.5))),
    E("volatility_filter.atr_percentile_min", S.GATED, 0.0, 0.99, O.SKIPS,
      setup=(("volatility_filter.use_atr_percentile", True),)),
    E("volatility_filter.atr_percentile_max", S.GATED, 1.0, 0.01, O.SKIPS,
      setup=(("volatility_filter.use_atr_percentile", True),)),
    E("volatility_filter.hv_period", S.GATED, 20, 5, O.SKIPS,
      setup=(("volatility_filter.use_iv_hv_ratio", True),
             ("volatility_filter.iv_hv_ratio_min", 1.2))),
    E("volatility_filter.hv_estimator", S.GATED, "CLOSE_TO_CLOSE", "PARKINSON", O.SKIPS,
      setup=(("volatility_filter.use_iv_hv_ratio", True),
             ("volatility_filter.iv_hv_ratio_min", 1.2))),
    E("volatility_filter.use_iv_hv_ratio", S.GATED, False, True, O.SKIPS,
      setup=(("volatility_filter.iv_hv_ratio_min", 5.0), ("volatility_filter.iv_hv_ratio_max",
                                                          10.0))),
    E("volatility_filter.iv_hv_ratio_min", S.GATED, 0.1, 5.0, O.SKIPS,
      setup=(("volatility_filter.use_iv_hv_ratio", True),
             ("volatility_filter.iv_hv_ratio_max", 10.0))),
    E("volatility_filter.iv_hv_ratio_max", S.GATED, 10.0, 0.2, O.SKIPS,
      setup=(("volatility_filter.use_iv_hv_ratio", True),
             ("volatility_filter.iv_hv_ratio_min", 0.1))),
    E("volatility_filter.iv_tenor_days", S.IRON_FLY, 30, 7, O.EXITS,
      setup=(("exit_rules.exit_ivp_above", 0.8),),
      note="the IVP exit ranks the strategy's tenor of ATM IV, as the entry filter does"),
    E("volatility_filter.term_structure_type", S.GATED, "ANY", "BACKWARDATION", O.SKIPS),
    E("volatility_filter.term_structure_flat_tol", S.GATED, 0.0, 1.0, O.SKIPS,
      setup=(("volatility_filter.term_structure_type", "FLAT"),)),
    E("volatility_filter.volatility_regime", S.GATED, "ANY", "EXTREME", O.SKIPS),
    E("volatility_filter.regime_basis", S.GATED, "VIX", "IVP", O.ENTRIES,
      setup=(("volatility_filter.volatility_regime", "EXTREME"),),
      note="the market's VIX never reaches 30; its 30-day IV often ranks above 0.8"),
    E("volatility_filter.regime_lookback", S.GATED, 60, 20, O.ENTRIES,
      setup=(("volatility_filter.volatility_regime", "EXTREME"),
             ("volatility_filter.regime_basis", "IVP"))),
    # ---- S/R structure
    *(E(f"market_structure.{path}", S.STRUCTURE, a, b, O.SKIPS, setup=setup)
      for path, a, b, setup in (
        ("primary_method", "PIVOT", "VOLUME", ()),
        ("secondary_method", None, "VOLUME", ()),
        ("pivot_config.pivot_type", "CLASSIC", "CAMARILLA", ()),
        ("pivot_config.timeframe", "DAILY", "WEEKLY", ()),
        ("pivot_config.left_bars", 5, 1, (("market_structure.pivot_config.pivot_type",
                                           "SWING"), ("market_structure.proximity_pts", 100))),
        ("pivot_config.right_bars", 5, 2, (("market_structure.pivot_config.pivot_type",
                                            "SWING"),)),
        ("pivot_config.lookback_days", 60, 5, (("market_structure.pivot_config.pivot_type",
                                                "SWING"),)),
        ("volume_config.lookback_days", 20, 3, (("market_structure.primary_method", "VOLUME"),)),
        ("volume_config.bin_size_pts", 25, 100, (("market_structure.primary_method",
                                                  "VOLUME"),)),
        ("volume_config.value_area_frac", 0.7, 0.3, (("market_structure.primary_method",
                                                      "VOLUME"),)),
        ("volume_config.hvn_threshold", 1.5, 3.0, (("market_structure.primary_method",
                                                    "VOLUME"),)),
        ("volume_config.lvn_threshold", 0.5, 0.9, (("market_structure.primary_method",
                                                    "VOLUME"),)),
        ("smc_config.swing_length", 10, 3, (("market_structure.primary_method", "SMC"),)),
        ("smc_config.order_block_lookback", 50, 5, (("market_structure.primary_method",
                                                     "SMC"),)),
        ("smc_config.fvg_min_size_pts", 0, 1000, (("market_structure.primary_method", "SMC"),
                                                  ("market_structure.proximity_pts", 30))),
        ("smc_config.use_liquidity_sweeps", True, False, (("market_structure.primary_method",
                                                           "SMC"),)),
        ("smc_config.bos_confirmation_bars", 2, 8, (("market_structure.primary_method",
                                                     "SMC"),)),
        ("ml_config.model", "KMEANS", "KDE", (("market_structure.primary_method", "ML"),)),
        ("ml_config.n_clusters", 8, 3, (("market_structure.primary_method", "ML"),)),
        ("ml_config.lookback_days", 120, 10, (("market_structure.primary_method", "ML"),)),
        ("ml_config.min_samples", 2, 20, (("market_structure.primary_method", "ML"),
                                          ("market_structure.ml_config.model", "DBSCAN"),
                                          ("market_structure.proximity_pts", 150))),
        ("ml_config.bandwidth_pts", 30, 200, (("market_structure.primary_method", "ML"),
                                              ("market_structure.ml_config.model", "KDE"))),
        ("use_for_entry", False, True, ()),
        ("min_distance_between_levels_pts", 20, 300, ()),
        ("level_strength_threshold", 0.5, 0.95, ()),
        ("recent_test_weight", 0.5, 0.0, ()),
        ("proximity_pts", 50, 1, ()),
        ("max_levels", 10, 1, ()),
    )),
    E("market_structure.use_for_adjustment", S.STRUCTURE, False, True, O.ADJUSTMENTS,
      setup=(("adjustment_rules", [{"rule_id": "SR", "rule_type": "ROLL_UP",
                                    "trigger_conditions": ["SR_HIT"],
                                    "sr_proximity_pts": 100}]),)),
    E("market_structure.use_for_exit", S.STRUCTURE, False, True, O.EXITS),
    E("exit_rules.exit_on_sr_break", S.STRUCTURE, False, True, O.EXITS),
    E("exit_rules.sr_break_buffer_pts", S.STRUCTURE, 10, 300, O.EXITS,
      setup=(("exit_rules.exit_on_sr_break", True),)),
    # ---- exits
    E("exit_rules.exit_time", S.IRON_FLY, "15:15", "10:00", O.EXITS,
      setup=(("exit_rules.exit_days_before_expiry", 1),)),
    E("exit_rules.exit_days_before_expiry", S.IRON_FLY, 0, 2, O.EXITS),
    E("exit_rules.hold_to_expiry", S.IRON_FLY, False, True, O.EXITS,
      setup=(("exit_rules.exit_days_before_expiry", 2),)),
    E("exit_rules.max_holding_days", S.IRON_FLY, None, 1, O.EXITS),
    E("exit_rules.profit_target", S.IRON_FLY, 0.5, 0.05, O.EXITS),
    E("exit_rules.profit_target_pts", S.IRON_FLY, None, 5, O.EXITS),
    E("exit_rules.max_quote_age_minutes", S.IRON_FLY, None, 10080, O.EXITS,
      setup=(("wing_width_pts", 900),),
      note="the 900-point wings leave the chain's strike band: with the default 30 minutes "
           "their carried prices fire no exit; allowed a week old, they do"),
    E("exit_rules.use_trailing_profit", S.IRON_FLY, False, True, O.EXITS,
      setup=(("exit_rules.trailing_activation", 0.05), ("exit_rules.trailing_step", 0.02))),
    E("exit_rules.trailing_activation", S.IRON_FLY, 0.25, 0.05, O.EXITS,
      setup=(("exit_rules.trailing_step", 0.02),)),
    E("exit_rules.trailing_step", S.IRON_FLY, 0.2, 0.02, O.EXITS,
      setup=(("exit_rules.trailing_activation", 0.3),)),
    E("exit_rules.stop_loss", S.IRON_FLY, 0.5, 0.05, O.EXITS),
    E("exit_rules.stop_loss_pts", S.IRON_FLY, None, 5, O.EXITS),
    E("exit_rules.stop_recovery", S.IRON_FLY, "NONE", "REENTER", O.ENTRIES,
      setup=(("exit_rules.stop_loss", 0.05), ("exit_rules.max_recovery_attempts", 2),
             ("exit_rules.recovery_wait_minutes", 15))),
    E("exit_rules.recovery_wait_minutes", S.IRON_FLY, 15, 600, O.ENTRIES,
      setup=(("exit_rules.stop_loss", 0.05), ("exit_rules.max_recovery_attempts", 2),
             ("exit_rules.stop_recovery", "REENTER"))),
    E("exit_rules.max_recovery_attempts", S.IRON_FLY, 0, 2, O.ENTRIES,
      setup=(("exit_rules.stop_loss", 0.05), ("exit_rules.recovery_wait_minutes", 15),
             ("exit_rules.stop_recovery", "REENTER"))),
    E("exit_rules.exit_delta_breach", S.IRON_FLY, None, 1, O.EXITS),
    E("exit_rules.exit_gamma_breach", S.IRON_FLY, None, 0.001, O.EXITS),
    E("exit_rules.exit_vol_expansion", S.IRON_FLY, None, 0.01, O.EXITS),
    E("exit_rules.exit_vol_contraction", S.IRON_FLY, None, 0.01, O.EXITS),
    E("exit_rules.exit_ivp_above", S.IRON_FLY, None, 0.01, O.EXITS),
    E("exit_rules.exit_ivp_below", S.IRON_FLY, None, 0.99, O.EXITS),
    E("exit_rules.exit_on_event_day", S.IRON_FLY, False, True, O.EXITS),
    # ---- position and greek limits
    E("position_limits.max_lots", S.LEGS, 10, 2, O.FILLS, setup=_CAPITAL_PCT),
    E("position_limits.max_open_positions", S.IRON_FLY, 1, 2, O.TRADE_COUNT,
      setup=(("short_leg_dte", 14), ("roll_frequency", "CUSTOM"), ("custom_dte_list", [14])),
      note="entries at 14 DTE (every Thursday) overlap the cycle entered a week before: "
           "3 trades with 1, 5 with 2"),
    E("position_limits.max_capital_per_trade", S.IRON_FLY, 1.0, 0.0001, O.SKIPS),
    E("position_limits.max_loss_per_trade_inr", S.IRON_FLY, None, 100, O.EXITS),
    E("position_limits.max_daily_loss_inr", S.IRON_FLY, None, 1, O.ENTRIES, setup=_REENTRY),
    E("position_limits.max_drawdown", S.IRON_FLY, None, 0.0001, O.ENTRIES),
    E("position_limits.exposure_margin", S.IRON_FLY, 0.02, 0.2, O.MARGIN),
    E("position_limits.naked_margin", S.LEGS, 0.12, 0.3, O.MARGIN,
      setup=(("legs", [{"leg_id": "SC", "right": "CE", "side": "SELL"}]),)),
    E("greek_limits.max_position_delta", S.IRON_FLY, None, 1, O.SKIPS),
    E("greek_limits.max_position_gamma", S.IRON_FLY, None, 0.0001, O.SKIPS),
    E("greek_limits.max_position_theta", S.IRON_FLY, None, 1, O.SKIPS),
    E("greek_limits.max_position_vega", S.IRON_FLY, None, 1, O.SKIPS),
    E("greek_limits.volatility_adjusted", S.GATED, False, True, O.SKIPS,
      setup=(("greek_limits.max_position_vega", 3000), ("greek_limits.high_ivp_threshold", 0.0),
             ("greek_limits.high_ivp_scale", 0.01)),
      note="shown at entry; the scaled caps also govern adjustments and the per-bar breach "
           "checks (tests/unit/risk/test_vega_and_scaled_caps.py)"),
    E("greek_limits.term_vega_weighting", S.IRON_FLY, False, True, O.ENTRIES,
      setup=(("greek_limits.max_position_vega", 250),),
      note="a weekly fly's vega x sqrt(30 / DTE) is about twice its plain vega: most entries "
           "under the 250 cap are blocked"),
    E("greek_limits.high_ivp_threshold", S.GATED, 1.0, 0.0, O.SKIPS,
      setup=(("greek_limits.max_position_vega", 3000), ("greek_limits.volatility_adjusted", True),
             ("greek_limits.high_ivp_scale", 0.01))),
    E("greek_limits.high_ivp_scale", S.GATED, 1.0, 0.01, O.SKIPS,
      setup=(("greek_limits.max_position_vega", 3000), ("greek_limits.volatility_adjusted", True),
             ("greek_limits.high_ivp_threshold", 0.0))),
    # ---- breakevens
    E("breakeven_config.enabled", S.IRON_FLY, True, False, O.BREAKEVENS),
    E("breakeven_config.include_commissions", S.IRON_FLY, True, False, O.BREAKEVENS),
    E("breakeven_config.include_slippage", S.IRON_FLY, True, False, O.BREAKEVENS,
      setup=(("costs.slippage_value", 2),)),
    E("breakeven_config.volatility_smile_adjustment", S.LEGS, True, False, O.BREAKEVENS,
      setup=(("legs", [{"leg_id": "SC", "right": "CE", "side": "SELL"},
                       {"leg_id": "LC", "right": "CE", "side": "BUY",
                        "strike_method": "ATM_OFFSET_PTS", "strike_value": 300}]),),
      note="a call spread: without the smile both strikes get the expiry's mean IV"),
    E("breakeven_config.recalc_frequency", S.CALENDAR, "HOURLY", "DAILY", O.BREAKEVENS),
    E("breakeven_config.be_distance_alert", S.IRON_FLY, 50, 500, O.LOG),
    E("breakeven_config.be_approach_action", S.IRON_FLY, "ALERT", "CLOSE", O.EXITS,
      setup=(("breakeven_config.be_distance_alert", 500),)),
    E("breakeven_config.be_breach_action", S.IRON_FLY, "HOLD", "CLOSE", O.EXITS,
      setup=(("exit_rules.stop_loss", 5.0),)),
    E("breakeven_config.probability_threshold", S.IRON_FLY_ADJUSTED, 0.99, 1.0, O.ADJUSTMENTS,
      setup=((_R + "trigger_conditions", ["BREAKEVEN"]), (_R + "be_trigger_type", "PROBABILITY"))),
    E("breakeven_config.calendar_be_method", S.CALENDAR, "T+0", "WEIGHTED", O.BREAKEVENS),
    E("breakeven_config.iron_fly_be_wings", S.IRON_FLY, "INCLUDE", "EXCLUDE", O.BREAKEVENS),
    E("breakeven_config.maintain_be_in_adjustments", S.IRON_FLY_ADJUSTED, False, True,
      O.ADJUSTMENTS, setup=(("adjustment_rules.be_improvement_required_pts", 1),
                            (_R + "roll_long_leg", True)),
      note="the wings roll with the shorts, so the rolled fly has a band on both sides"),
    E("breakeven_config.be_success_tracking", S.IRON_FLY, True, False, O.BE_STATS),
    # ---- costs and fills
    E("costs.fill_model", S.IRON_FLY, "CLOSE", "NEXT_OPEN", O.FILLS),
    E("costs.slippage_kind", S.IRON_FLY, "POINTS", "PERCENT", O.FILLS,
      setup=(("costs.slippage_value", 1),)),
    E("costs.slippage_value", S.IRON_FLY, 0, 2, O.FILLS),
    E("costs.cost_preset", S.IRON_FLY, "INDIA", "NONE", O.COSTS),
    E("costs.brokerage_per_order_inr", S.IRON_FLY, 20, 100, O.COSTS),
    E("costs.exchange_txn_rate", S.IRON_FLY, 0.00035, 0.01, O.COSTS,
      setup=(("costs.cost_preset", "CUSTOM"),)),
    E("costs.stt_sell_rate", S.IRON_FLY, 0.001, 0.01, O.COSTS,
      setup=(("costs.cost_preset", "CUSTOM"),)),
    E("costs.gst_rate", S.IRON_FLY, 0.18, 0.5, O.COSTS, setup=(("costs.cost_preset", "CUSTOM"),)),
    E("costs.stamp_duty_buy_rate", S.IRON_FLY, 0.00003, 0.01, O.COSTS,
      setup=(("costs.cost_preset", "CUSTOM"),)),
    E("costs.tick_size_pts", S.IRON_FLY, 0.05, 5, O.FILLS, setup=(("costs.slippage_value", 1),)),
    E("costs.risk_free_rate", S.IRON_FLY, 0.065, 0.2, O.GREEKS),
    # ---- adjustments (strategy level)
    E("max_adjustments", S.IRON_FLY_ADJUSTED, 5, 0, O.ADJUSTMENTS),
    E("adjustment_cooldown_minutes", S.IRON_FLY_ADJUSTED, 0, 600, O.ADJUSTMENTS),
    E("exits_before_adjustments", S.IRON_FLY_ADJUSTED, True, False, O.EXITS,
      setup=(("exit_rules.stop_loss_pts", 1), (_R + "price_move_threshold", 0.0005))),
    # ---- legs (LegParameter; item = the leg's row)
    E("legs.leg_id", S.LEGS, "SC", "SHORT_CALL", O.FILLS),
    E("legs.right", S.LEGS, "CE", "PE", O.FILLS),
    E("legs.side", S.LEGS, "SELL", "BUY", O.FILLS),
    E("legs.lots", S.LEGS, None, 2, O.FILLS),
    E("legs.strike_method", S.LEGS, "ATM", "PERCENT_OTM", O.FILLS,
      setup=(("legs.strike_value", 0.01),)),
    E("legs.strike_value", S.LEGS, 0, 2, O.FILLS, setup=(("legs.strike_method", "ATM_OFFSET"),)),
    E("legs.expiry_method", S.LEGS, "DTE", "MONTHLY_INDEX", O.FILLS,
      setup=(("legs.expiry_value", 0),)),
    E("legs.expiry_value", S.LEGS, None, 14, O.FILLS),
    E("legs.position_role", S.LEGS, "PRIMARY", "SCALP", O.FILLS,
      setup=(("adjustment_rules", [_ROLL]),)),
    E("legs.timeframe_override.dte", S.LEGS, None, 14, O.FILLS),
    E("legs.timeframe_override.position_type", S.LEGS, None, "MONTHLY", O.FILLS),
    E("legs.conditional_activation.condition", S.LEGS, "ALWAYS", "VIX_ABOVE", O.FILLS,
      setup=(("legs.conditional_activation.threshold", 90),)),
    E("legs.conditional_activation.threshold", S.LEGS, 1, 90, O.FILLS,
      setup=(("legs.conditional_activation.condition", "VIX_ABOVE"),)),
    E("legs.dynamic_sizing.mode", S.LEGS, "FIXED", "CAPITAL_PCT", O.FILLS,
      setup=(("legs.dynamic_sizing.max_lots", 5), ("legs.dynamic_sizing.capital_fraction",
                                                   0.5))),
    E("legs.dynamic_sizing.min_lots", S.LEGS, 1, 3, O.FILLS,
      setup=(("legs.dynamic_sizing.mode", "CAPITAL_PCT"), ("legs.dynamic_sizing.max_lots", 5),
             ("legs.dynamic_sizing.capital_fraction", 0.0001))),
    E("legs.dynamic_sizing.max_lots", S.LEGS, 1, 5, O.FILLS,
      setup=(("legs.dynamic_sizing.mode", "CAPITAL_PCT"),
             ("legs.dynamic_sizing.capital_fraction", 0.5))),
    E("legs.dynamic_sizing.capital_fraction", S.LEGS, 0.0001, 0.5, O.FILLS,
      setup=(("legs.dynamic_sizing.mode", "CAPITAL_PCT"), ("legs.dynamic_sizing.max_lots", 5))),
    E("legs.volatility_scaling.metric", S.LEGS, "NONE", "IVP", O.FILLS,
      setup=(("legs.lots", 4), ("legs.volatility_scaling.high_threshold", 1.0),
             ("legs.volatility_scaling.low_threshold", 1.0),
             ("legs.volatility_scaling.low_factor", 0.5))),
    E("legs.volatility_scaling.low_threshold", S.LEGS, 0.0, 1.0, O.FILLS,
      setup=(("legs.lots", 4), ("legs.volatility_scaling.metric", "IVP"),
             ("legs.volatility_scaling.high_threshold", 1.0),
             ("legs.volatility_scaling.low_factor", 0.5))),
    E("legs.volatility_scaling.high_threshold", S.LEGS, 1.0, 0.0, O.FILLS,
      setup=(("legs.lots", 4), ("legs.volatility_scaling.metric", "IVP"),
             ("legs.volatility_scaling.low_threshold", 0.0),
             ("legs.volatility_scaling.high_factor", 0.5))),
    E("legs.volatility_scaling.low_factor", S.LEGS, 1.0, 0.5, O.FILLS,
      setup=(("legs.lots", 4), ("legs.volatility_scaling.metric", "IVP"),
             ("legs.volatility_scaling.high_threshold", 1.0),
             ("legs.volatility_scaling.low_threshold", 1.0))),
    E("legs.volatility_scaling.high_factor", S.LEGS, 1.0, 0.5, O.FILLS,
      setup=(("legs.lots", 4), ("legs.volatility_scaling.metric", "IVP"),
             ("legs.volatility_scaling.low_threshold", 0.0),
             ("legs.volatility_scaling.high_threshold", 0.0))),
    # ---- adjustment rules (AdjustmentRules; the scenario's rule R: ROLL_UP on a 0.4% move)
    _adj("rule_id", S.IRON_FLY_ADJUSTED, "R", "UP1", O.ADJUSTMENTS),
    _adj("rule_type", S.IRON_FLY_ADJUSTED, "ROLL_UP", "ROLL_DOWN", O.ADJUSTMENTS),
    _adj("enabled", S.IRON_FLY_ADJUSTED, True, False, O.ADJUSTMENTS),
    _adj("priority", S.IRON_FLY_ADJUSTED, 100, 10, O.ADJUSTMENTS,
         ("adjustment_rules", [
             {"rule_id": "R", "rule_type": "ROLL_UP", "trigger_conditions": ["PRICE_MOVE"],
              "price_move_threshold": 0.004, "priority": 100},
             {"rule_id": "R2", "rule_type": "ROLL_DOWN", "trigger_conditions": ["PRICE_MOVE"],
              "price_move_threshold": 0.004, "priority": 50}])),
    _adj("trigger_conditions", S.IRON_FLY_ADJUSTED, ["PRICE_MOVE"], ["TIME_DECAY"],
         O.ADJUSTMENTS, (_R + "time_decay_threshold", 0.2)),
    _adj("trigger_logic", S.IRON_FLY_ADJUSTED, "ALL", "ANY", O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["PRICE_MOVE", "TIME_DECAY"]),
         (_R + "time_decay_threshold", 0.2)),
    _adj("price_move_threshold", S.IRON_FLY_ADJUSTED, 0.004, 0.02, O.ADJUSTMENTS),
    _adj("price_move_threshold_pts", S.IRON_FLY_ADJUSTED, 50, 500, O.ADJUSTMENTS,
         (_R + "price_move_threshold", None)),
    _adj("time_decay_threshold", S.IRON_FLY_ADJUSTED, 0.1, 0.9, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["TIME_DECAY"])),
    _adj("greek_threshold_greek", S.IRON_FLY_ADJUSTED, "DELTA", "VEGA", O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["GREEK"]), (_R + "greek_threshold_value", 1)),
    _adj("greek_threshold_value", S.IRON_FLY_ADJUSTED, 1, 10**9, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["GREEK"]), (_R + "greek_threshold_greek", "DELTA")),
    _adj("sr_proximity_pts", S.STRUCTURE, 100, 1, O.ADJUSTMENTS,
         ("market_structure.use_for_adjustment", True),
         _rule(rule_type="ROLL_UP", trigger_conditions=["SR_HIT"], sr_proximity_pts=100)),
    _adj("volatility_trigger.ivp_drop", S.IRON_FLY_ADJUSTED, 0.01, 0.99, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["VOLATILITY"])),
    _adj("volatility_trigger.ivp_rise", S.IRON_FLY_ADJUSTED, 0.01, 0.99, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["VOLATILITY"])),
    _adj("ivp_trigger", S.IRON_FLY_ADJUSTED, 0.85, 0.99, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["IVP_CROSS"])),
    _adj("ivr_trigger", S.IRON_FLY_ADJUSTED, 0.6, 0.99, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["IVR_CROSS"])),
    _adj("atr_trigger", S.IRON_FLY_ADJUSTED, 0.8, 0.99, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["ATR_CROSS"])),
    _adj("cross_direction", S.IRON_FLY_ADJUSTED, "ABOVE", "BELOW", O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["IVP_CROSS"]), (_R + "ivp_trigger", 0.85)),
    _adj("iv_change_trigger", S.IRON_FLY_ADJUSTED, 0.01, 0.9, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["IV_CHANGE"])),
    _adj("be_trigger_type", S.IRON_FLY_ADJUSTED, "APPROACH", "BREACH", O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["BREAKEVEN"]), (_R + "be_distance_trigger", 100)),
    _adj("be_distance_trigger", S.IRON_FLY_ADJUSTED, 10, 300, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["BREAKEVEN"]), (_R + "be_trigger_type", "APPROACH")),
    _adj("be_probability_trigger", S.IRON_FLY_ADJUSTED, 0.99, 1.0, O.ADJUSTMENTS,
         (_R + "trigger_conditions", ["BREAKEVEN"]), (_R + "be_trigger_type", "PROBABILITY"),
         note="a weekly fly's band is touched with probability > 0.99 at entry"),
    _adj("target_strike_method", S.IRON_FLY_ADJUSTED, "ATM", "PERCENT_OTM", O.FILLS,
         (_R + "target_strike_value", 0.01)),
    _adj("target_strike_value", S.IRON_FLY_ADJUSTED, 0, 3, O.FILLS,
         (_R + "target_strike_method", "ATM_OFFSET")),
    _adj("max_debit_allowed", S.IRON_FLY_ADJUSTED, None, 0.0001, O.ADJUSTMENTS),
    _adj("max_debit_pts", S.IRON_FLY_ADJUSTED, None, 0.01, O.ADJUSTMENTS),
    _adj("min_credit_required", S.IRON_FLY_ADJUSTED, None, 0.99, O.ADJUSTMENTS),
    _adj("be_improvement_required_pts", S.IRON_FLY_ADJUSTED, None, 10000, O.ADJUSTMENTS,
         ("breakeven_config.maintain_be_in_adjustments", True)),
    _adj("max_times_per_position", S.IRON_FLY_ADJUSTED, 1, 3, O.ADJUSTMENTS),
    _adj("cooldown_minutes", S.IRON_FLY_ADJUSTED, 0, 600, O.ADJUSTMENTS,
         (_R + "max_times_per_position", 3)),
    _adj("allowed_start_time", S.IRON_FLY_ADJUSTED, "09:15", "15:00", O.ADJUSTMENTS),
    _adj("allowed_end_time", S.IRON_FLY_ADJUSTED, "15:30", "09:30", O.ADJUSTMENTS),
    _adj("blackout_days", S.IRON_FLY_ADJUSTED, [], ["MONDAY", "TUESDAY", "WEDNESDAY",
                                                    "THURSDAY", "FRIDAY"], O.ADJUSTMENTS),
    _adj("volatility_blackout_ivp_min", S.IRON_FLY_ADJUSTED, None, 0.0, O.ADJUSTMENTS),
    _adj("volatility_blackout_ivp_max", S.IRON_FLY_ADJUSTED, None, 1.0, O.ADJUSTMENTS),
    _adj("roll_strike_steps", S.IRON_FLY_ADJUSTED, 1, 4, O.FILLS,
         (_R + "target_strike_method", "ATM_OFFSET"), (_R + "target_strike_value", -2),
         note="the target strike below the shorts makes ROLL_UP fall back to the steps"),
    _adj("roll_long_leg", S.CALENDAR_ADJUSTED, False, True, O.FILLS),
    _adj("new_dte", S.CALENDAR_ADJUSTED, 7, 21, O.FILLS,
         _rule(rule_type="ROLL_DIAGONAL", trigger_conditions=["PRICE_MOVE"],
               price_move_threshold=0.004, new_dte=7)),
    _adj("scalping_threshold", S.IRON_FLY_ADJUSTED, 0.7, 0.01, O.ADJUSTMENTS, _REVERSE),
    _adj("reverse_parts", S.IRON_FLY_ADJUSTED, 4, 1, O.ADJUSTMENTS, _REVERSE),
    _adj("reverse_lots", S.IRON_FLY_ADJUSTED, 1, 2, O.ADJUSTMENTS, _REVERSE),
    _adj("second_offset_steps", S.CALENDAR_ADJUSTED, 2, 5, O.FILLS,
         _rule(rule_type="DOUBLE_CALENDAR", trigger_conditions=["TIME_DECAY"],
               time_decay_threshold=0.01, second_offset_steps=2),
         note="fires before spot moves, so the target (ATM) is the first calendar's strike "
              "and the second one is offset by the steps"),
    _adj("second_right", S.CALENDAR_ADJUSTED, "CE", "PE", O.FILLS,
         _rule(rule_type="DOUBLE_CALENDAR", trigger_conditions=["PRICE_MOVE"],
               price_move_threshold=0.004, second_offset_steps=2)),
    _adj("hedge_instrument", S.IRON_FLY_ADJUSTED, "OPTION", "FUTURE", O.ADJUSTMENTS, _HEDGE,
         note="the market has no futures bars: FUTURE falls back to the synthetic future and "
              "the adjustment record says so; the fills are the same"),
    _adj("target_delta", S.IRON_FLY_ADJUSTED, 0, 500, O.FILLS, _HEDGE),
    _adj("delta_band", S.IRON_FLY_ADJUSTED, 40, 10**7, O.ADJUSTMENTS, _HEDGE),
    _adj("rebalance_minutes", S.IRON_FLY_ADJUSTED, 600, 15, O.ADJUSTMENTS, _HEDGE,
         ("backtest.lots", 4)),
)


ACTED_ON: Final[frozenset[str]] = frozenset(e.path for e in EFFECTS)
"""Field paths the engine is shown to act on: every path with a row in :data:`EFFECTS`."""
