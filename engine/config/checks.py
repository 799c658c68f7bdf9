"""Cross-field checks on a validated ``StrategyConfig`` (config stage, after model_validate).

Each check returns findings as (field path, message, severity); the caller turns the
path into a place. Checks: min <= max pairs, calendar DTEs, iron-fly wing on the strike
grid, lookback >= period, triggers that have their thresholds, unique ids, and
risk-limit coherence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from typing import Any

from engine.config.enums import RollFrequency, StrategySubtype, TriggerKind
from engine.config.listing_check import unlisted_expiry_findings
from engine.config.models.strategy import StrategyConfig
from engine.config.problems import Severity
from engine.config.registry import Sheet, excel_name_of
from engine.config.unit_balance import calendar_unit_findings

Finding = tuple[tuple[str | int, ...], str, Severity]

# (min path, max path) pairs within StrategyConfig.
_MIN_MAX: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("volatility_filter", "ivp_min_entry"), ("volatility_filter", "ivp_max_entry")),
    (("volatility_filter", "ivp_min_exit"), ("volatility_filter", "ivp_max_exit")),
    (("volatility_filter", "ivr_min_entry"), ("volatility_filter", "ivr_max_entry")),
    (("volatility_filter", "atr_percentile_min"), ("volatility_filter", "atr_percentile_max")),
    (("volatility_filter", "iv_hv_ratio_min"), ("volatility_filter", "iv_hv_ratio_max")),
    (("entry_rules", "vix_min_entry"), ("entry_rules", "vix_max_entry")),
    (("entry_rules", "min_premium"), ("entry_rules", "max_premium")),
    (("entry_rules", "min_dte_entry"), ("entry_rules", "max_dte_entry")),
    (("entry_rules", "entry_start_time"), ("entry_rules", "entry_end_time")),
    (("volatility_limits", "min_vix"), ("volatility_limits", "max_vix")),
    (("backtest", "start_date"), ("backtest", "end_date")),
    (("greek_limits", "max_position_delta"), ("greek_limits", "max_portfolio_delta")),
    (("greek_limits", "max_position_gamma"), ("greek_limits", "max_portfolio_gamma")),
    (("greek_limits", "max_position_vega"), ("greek_limits", "max_portfolio_vega")),
    *(((("vix_config", f"band{i}_low"), ("vix_config", f"band{i}_high"))) for i in range(1, 5)),
    *(((("vix_config", f"band{i}_premium_min"), ("vix_config", f"band{i}_premium_max")))
      for i in range(1, 5)),
)
_LOOKBACKS = (  # (lookback, period, the switch that makes the lookback matter)
    (("volatility_filter", "atr_lookback"), ("volatility_filter", "atr_period"),
     ("volatility_filter", "use_atr_percentile")),
    (("volatility_filter", "hv_lookback"), ("volatility_filter", "hv_period"),
     ("volatility_filter", "use_hv")),
)
_RULE_MIN_MAX = (("allowed_start_time", "allowed_end_time"),
                 ("volatility_blackout_ivp_min", "volatility_blackout_ivp_max"))
_TRIGGER_NEEDS: dict[TriggerKind, tuple[str, ...]] = {
    TriggerKind.PRICE_MOVE: ("price_move_threshold", "price_move_threshold_pts"),
    TriggerKind.TIME_DECAY: ("time_decay_threshold",),
    TriggerKind.GREEK: ("greek_threshold_value",),
    TriggerKind.IVP_CROSS: ("ivp_trigger",),
    TriggerKind.IVR_CROSS: ("ivr_trigger",),
    TriggerKind.ATR_CROSS: ("atr_trigger",),
    TriggerKind.IV_CHANGE: ("iv_change_trigger",),
    TriggerKind.BREAKEVEN: ("be_trigger_type",),
}
# Strike steps by symbol when engine.domain.contracts is not available (REFERENCE.md).
_FALLBACK_STEP_PTS = {"NIFTY": 50.0, "BANKNIFTY": 100.0, "FINNIFTY": 50.0, "SENSEX": 100.0}


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = getattr(obj, key)
    return obj


def _fmt(value: Any) -> str:
    return value.isoformat(timespec="minutes") if hasattr(value, "hour") else f"{value}"


@cache
def _shipped_contracts() -> Any:
    """The shipped contract master, read once (validating 10,000 strategies asked for it
    10,000 times, each a parse of the CSV)."""
    from engine.domain.contracts import load_contracts

    return load_contracts()


def strike_step_pts(symbol: str, on: date | None) -> float:
    """Strike step of ``symbol`` on ``on`` (contract master when present, else REFERENCE)."""
    try:
        from engine.domain.contracts import load_contracts  # noqa: F401 - presence check
    except ImportError:
        return _FALLBACK_STEP_PTS[symbol]
    try:  # pragma: no cover - depends on the domain helper's progress
        return float(_shipped_contracts().spec(symbol, on or date.today()).strike_step)
    except Exception:  # pragma: no cover
        return _FALLBACK_STEP_PTS[symbol]


def _min_max(cfg: StrategyConfig) -> Iterator[Finding]:
    for lo_path, hi_path in _MIN_MAX:
        lo, hi = _get(cfg, lo_path), _get(cfg, hi_path)
        if lo is not None and hi is not None and lo > hi:
            hi_name = excel_name_of(Sheet.POSITIONAL, hi_path)
            yield lo_path, f"must be <= {hi_name} ({_fmt(hi)}), got {_fmt(lo)}", "error"
    for big_path, small_path, switch in _LOOKBACKS:
        big, small = _get(cfg, big_path), _get(cfg, small_path)
        if big < small and _get(cfg, switch):  # an unused lookback is not worth a message
            name = excel_name_of(Sheet.POSITIONAL, small_path)
            yield big_path, f"must be >= {name} ({small}), got {big}", "error"


def _structure(cfg: StrategyConfig) -> Iterator[Finding]:
    if cfg.strategy_subtype is StrategySubtype.CALENDAR_SPREAD:
        if cfg.long_leg_dte is None:
            yield ("long_leg_dte",), "a calendar spread needs LongLegDTE", "error"
        elif cfg.long_leg_dte <= cfg.short_leg_dte:
            yield (("long_leg_dte",), f"must be > ShortLegDTE ({cfg.short_leg_dte}) for a "
                   f"calendar spread, got {cfg.long_leg_dte}", "error")
    if cfg.wing_width_pts is not None:
        step = strike_step_pts(cfg.backtest.symbol.value, cfg.backtest.start_date)
        if cfg.wing_width_pts % step:
            yield (("wing_width_pts",), f"must be a multiple of the {cfg.backtest.symbol} "
                   f"strike step ({step:g}), got {cfg.wing_width_pts:g}", "error")
    if cfg.roll_frequency is RollFrequency.CUSTOM and not cfg.custom_dte_list:
        yield ("custom_dte_list",), "RollFrequency CUSTOM needs a CustomDTEList", "error"


def _legs(cfg: StrategyConfig) -> Iterator[Finding]:
    seen: set[str] = set()
    max_lots = cfg.position_limits.max_lots
    inherited_over = False  # reported once, at the strategy's Lots, not at every leg
    for i, leg in enumerate(cfg.legs):
        if leg.leg_id in seen:
            yield ("legs", i, "leg_id"), f"duplicate LegID {leg.leg_id!r}", "error"
        seen.add(leg.leg_id)
        lots = leg.lots or cfg.backtest.lots
        if lots > max_lots and not leg.lots:
            inherited_over = True
        elif lots > max_lots:
            yield ("legs", i, "lots"), f"{lots} lots exceed MaxLots ({max_lots})", "error"
        sizing = leg.dynamic_sizing
        if sizing.min_lots > sizing.max_lots:
            yield (("legs", i, "dynamic_sizing", "min_lots"),
                   f"must be <= SizingMaxLots ({sizing.max_lots}), got {sizing.min_lots}",
                   "error")
        scaling = leg.volatility_scaling
        if scaling.low_threshold > scaling.high_threshold:
            yield (("legs", i, "volatility_scaling", "low_threshold"),
                   f"must be <= VolScaleHigh ({scaling.high_threshold}), got "
                   f"{scaling.low_threshold}", "error")


    if inherited_over:
        yield (("backtest", "lots"), f"{cfg.backtest.lots} lots (taken by every leg without "
               f"its own LegLots) exceed MaxLots ({max_lots})", "error")


def _rules(cfg: StrategyConfig) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, rule in enumerate(cfg.adjustment_rules):
        if rule.rule_id in seen:
            yield ("adjustment_rules", i, "rule_id"), f"duplicate RuleID {rule.rule_id!r}", "error"
        seen.add(rule.rule_id)
        for lo_name, hi_name in _RULE_MIN_MAX:
            lo, hi = getattr(rule, lo_name), getattr(rule, hi_name)
            if lo is not None and hi is not None and lo > hi:
                hi_excel = excel_name_of(Sheet.ADJUSTMENT, (hi_name,))
                yield (("adjustment_rules", i, lo_name),
                       f"must be <= {hi_excel} ({_fmt(hi)}), got {_fmt(lo)}", "error")
        for kind in rule.trigger_conditions:
            needed = _TRIGGER_NEEDS.get(kind, ())
            if needed and all(getattr(rule, n) is None for n in needed):
                names = " or ".join(str(excel_name_of(Sheet.ADJUSTMENT, (n,))) for n in needed)
                yield (("adjustment_rules", i, "trigger_conditions"),
                       f"trigger {kind} needs {names}", "error")
        implied = rule.rule_type.value == "DYNAMIC_HEDGE" or (
            rule.price_move_threshold is not None or rule.price_move_threshold_pts is not None)
        if not rule.trigger_conditions and not implied:
            # the engine fires a hedge on its delta band and other rules on a price move when
            # no condition is listed; without a threshold for that, the rule never fires
            yield (("adjustment_rules", i, "trigger_conditions"),
                   "rule has no trigger conditions (and no PriceMoveThreshold); it never fires",
                   "warning")


def _risk(cfg: StrategyConfig) -> Iterator[Finding]:
    limits = cfg.position_limits
    capital = cfg.backtest.capital_inr
    per_trade, daily = limits.max_loss_per_trade_inr, limits.max_daily_loss_inr
    if per_trade is not None and per_trade > capital:
        yield (("position_limits", "max_loss_per_trade_inr"),
               f"must be <= CapitalINR ({capital:g}), got {per_trade:g}", "error")
    if daily is not None and daily > capital:
        yield (("position_limits", "max_daily_loss_inr"),
               f"must be <= CapitalINR ({capital:g}), got {daily:g}", "error")
    exits = cfg.exit_rules
    if exits.use_trailing_profit and exits.trailing_step >= exits.trailing_activation:
        yield (("exit_rules", "trailing_step"),
               f"must be < TrailingActivation ({exits.trailing_activation}), got "
               f"{exits.trailing_step}", "error")


CHECKS: tuple[Callable[[StrategyConfig], Iterator[Finding]], ...] = (
    _min_max, _structure, _legs, _rules, _risk, calendar_unit_findings,
    unlisted_expiry_findings,
)


def cross_field_findings(cfg: StrategyConfig) -> list[Finding]:
    """Every cross-field finding for ``cfg``."""
    return [finding for check in CHECKS for finding in check(cfg)]
