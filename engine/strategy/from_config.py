"""From a validated ``StrategyConfig`` (config stage) to the ``StrategyPlan`` the simulation runs.

This is the one place where configuration field names meet engine names; every config field path
it reads is listed in ``engine.config.acted_on.ACTED_ON`` (add a field there when it gains an
effect), so docs and ``posbt validate`` can tell which parameters act.
A config that asks for something the engine cannot do yet (S/R-based strikes, stop recovery) is
refused here with the parameter's Excel name, before any data is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from engine.config.models.adjustments import AdjustmentRule
from engine.config.models.strategy import StrategyConfig
from engine.domain.structures import PositionRole, Right, Side
from engine.errors import PosbtError
from engine.strategy.adjustments.base import adjustment_for
from engine.strategy.adjustments.rules import AdjRule, AdjustmentPolicy, Trig, TriggerSpec
from engine.strategy.breakevens import BreakevenPlan
from engine.strategy.limits import RiskLimits
from engine.strategy.plan import (
    CostSpec,
    EntryRules,
    ExitRules,
    ExpiryMethod,
    ExpiryRule,
    FillSpec,
    LegSpec,
    StrategyPlan,
    StrikeMethod,
    StrikeRule,
    VixBand,
)
from engine.strategy.sizing import Sizing
from engine.strategy.sr import SRPlan
from engine.strategy.volfilter import VolGate
from engine.volatility import Regime, RegimeBands, SnapshotParams, TermClass
from engine.volatility.types import HVMethod

BAR_MINUTES: Final[dict[str, int]] = {"1m": 1, "3m": 3, "5m": 5, "15m": 15, "30m": 30, "1h": 60,
                                      "1d": 1440}
WEEKDAYS: Final[dict[str, int]] = {"MONDAY": 0, "TUESDAY": 1, "WEDNESDAY": 2, "THURSDAY": 3,
                                   "FRIDAY": 4}



def plan_from_config(cfg: StrategyConfig, first_day: dt.date, last_day: dt.date) -> StrategyPlan:
    """The simulation plan for ``cfg``; blank dates default to the store's range [first, last]."""
    where = f"strategy {cfg.strategy_name}"
    legs = tuple(_leg(cfg, leg_index) for leg_index in range(len(cfg.legs)))
    if not legs:
        raise PosbtError("the strategy has no legs (LegParameter rows or a structure subtype)",
                         place=where)
    bt = cfg.backtest
    start = bt.start_date or first_day
    end = bt.end_date or last_day
    if end < start:
        raise PosbtError(f"EndDate {end} is before StartDate {start}", place=where)
    return StrategyPlan(
        name=cfg.strategy_name, symbol=bt.symbol.value, legs=legs, start=start, end=end,
        bar_minutes=BAR_MINUTES[bt.bar_interval.value], entry=_entry(cfg), exits=_exits(cfg),
        fill=FillSpec(cfg.costs.fill_model, cfg.costs.slippage_value, cfg.costs.slippage_kind,
                      cfg.costs.tick_size_pts),
        costs=_costs(cfg), capital_inr=bt.capital_inr, rate=cfg.costs.risk_free_rate,
        vix_symbol=cfg.vix_config.vix_symbol, risk=_risk(cfg), vol_gate=_vol_gate(cfg),
        adjustments=AdjustmentPolicy(
            rules=tuple(_rule(r) for r in cfg.adjustment_rules if r.enabled),
            max_adjustments=cfg.max_adjustments,
            cooldown_minutes=cfg.adjustment_cooldown_minutes,
            exits_first=cfg.exits_before_adjustments),
        structure=_sr(cfg), breakeven=_breakeven(cfg))


def _sr(cfg: StrategyConfig) -> SRPlan:
    """Where levels act: entries (SRUseForEntry and EntrySRProximity), SR_HIT rules
    (SRUseForAdjustment) and the S/R-break exit (SRUseForExit or ExitOnSRBreak)."""
    ms = cfg.market_structure
    return SRPlan(config=ms, entry_filter=ms.use_for_entry and cfg.entry_rules.sr_proximity_required,
                  adjustments=ms.use_for_adjustment,
                  strikes=any(leg.strike_method.value == "SR_BASED" for leg in cfg.legs)
                  or any(r.target_strike_method.value == "SR_BASED" for r in cfg.adjustment_rules),
                  exit_on_break=ms.use_for_exit or cfg.exit_rules.exit_on_sr_break,
                  break_buffer_pts=cfg.exit_rules.sr_break_buffer_pts)


def _breakeven(cfg: StrategyConfig) -> BreakevenPlan:
    be = cfg.breakeven_config
    return BreakevenPlan(
        config=be, maintain_be=be.enabled and be.maintain_be_in_adjustments,
        probability_by_rule=tuple((r.rule_id, r.be_probability_trigger)
                                  for r in cfg.adjustment_rules
                                  if r.be_probability_trigger is not None))


def _rule(r: AdjustmentRule) -> AdjRule:
    """The engine's view of one validated adjustment rule."""
    t = r.trigger_conditions
    trigger = TriggerSpec(
        kinds=frozenset(Trig(k.value) for k in t), any_of=r.trigger_logic.value == "ANY",
        price_move_frac=r.price_move_threshold, price_move_pts=r.price_move_threshold_pts,
        time_decay_frac=r.time_decay_threshold,
        greek=r.greek_threshold_greek.value.lower() if r.greek_threshold_greek else None,
        greek_inr=r.greek_threshold_value, ivp_level=r.ivp_trigger, ivr_level=r.ivr_trigger,
        atr_level=r.atr_trigger, cross_above=r.cross_direction.value == "ABOVE",
        iv_change_frac=r.iv_change_trigger,
        be_type=r.be_trigger_type.value if r.be_trigger_type else None,
        be_distance_pts=r.be_distance_trigger, sr_proximity_pts=r.sr_proximity_pts,
        ivp_drop=r.volatility_trigger.ivp_drop, ivp_rise=r.volatility_trigger.ivp_rise)
    vol_blackout = None
    if r.volatility_blackout_ivp_min is not None or r.volatility_blackout_ivp_max is not None:
        vol_blackout = (r.volatility_blackout_ivp_min or 0.0,
                        1.0 if r.volatility_blackout_ivp_max is None else r.volatility_blackout_ivp_max)
    return AdjRule(
        rule_id=r.rule_id, action=r.rule_type, trigger=trigger,
        priority=r.priority,
        target_strike=StrikeRule(StrikeMethod(r.target_strike_method.value), r.target_strike_value),
        max_debit_frac=r.max_debit_allowed, max_debit_pts=r.max_debit_pts,
        min_credit_frac=r.min_credit_required, be_improvement_pts=r.be_improvement_required_pts,
        max_times=r.max_times_per_position, cooldown_minutes=r.cooldown_minutes,
        start_time=r.allowed_start_time, end_time=r.allowed_end_time,
        blackout_weekdays=frozenset(WEEKDAYS[d.value] for d in r.blackout_days),
        vol_blackout_ivp=vol_blackout,
        params=adjustment_for(r.rule_type).params_from_config(r))


def _risk(cfg: StrategyConfig) -> RiskLimits:
    pl, gl = cfg.position_limits, cfg.greek_limits
    return RiskLimits(
        max_lots=pl.max_lots, max_capital_per_trade_frac=pl.max_capital_per_trade,
        max_loss_per_trade_inr=pl.max_loss_per_trade_inr, max_daily_loss_inr=pl.max_daily_loss_inr,
        max_drawdown_frac=pl.max_drawdown, exposure_margin_frac=pl.exposure_margin,
        naked_margin_frac=pl.naked_margin, max_delta_inr=gl.max_position_delta,
        max_gamma_inr=gl.max_position_gamma, max_theta_inr=gl.max_position_theta,
        max_vega_inr=gl.max_position_vega, term_vega_weighting=gl.term_vega_weighting,
        volatility_adjusted=gl.volatility_adjusted, high_ivp_threshold=gl.high_ivp_threshold,
        high_ivp_scale=gl.high_ivp_scale)


def _band(use: bool, lo: float, hi: float) -> tuple[float, float] | None:
    """A gate's range, or None when it is off or spans everything (0..1)."""
    return (lo, hi) if use and (lo > 0.0 or hi < 1.0) else None


def _vol_gate(cfg: StrategyConfig) -> VolGate:
    v = cfg.volatility_filter
    method = HVMethod(v.hv_estimator.value.lower())
    params = SnapshotParams(
        rate=cfg.costs.risk_free_rate, vix_symbol=cfg.vix_config.vix_symbol,
        iv_tenor_days=v.iv_tenor_days, hv_window=v.hv_period, hv_method=method,
        atr_period=v.atr_period, term_tolerance=v.term_structure_flat_tol,
        regime_bands=RegimeBands.ivp(v.regime_lookback) if v.regime_basis.value == "IVP"
        else RegimeBands(lookback=v.regime_lookback))
    term = None if v.term_structure_type.value == "ANY" else TermClass(v.term_structure_type.value)
    regime = None if v.volatility_regime.value == "ANY" else Regime(v.volatility_regime.value)
    return VolGate(
        ivp=_band(v.use_ivp, v.ivp_min_entry, v.ivp_max_entry),
        ivr=_band(v.use_ivr, v.ivr_min_entry, v.ivr_max_entry),
        atr_pct=_band(v.use_atr_percentile, v.atr_percentile_min, v.atr_percentile_max),
        iv_hv=(v.iv_hv_ratio_min, v.iv_hv_ratio_max) if v.use_iv_hv_ratio else None,
        term=term, regime=regime, lookback=v.ivp_lookback, hv_method=method, params=params)


def _leg(cfg: StrategyConfig, i: int) -> LegSpec:
    leg = cfg.legs[i]
    method = ExpiryMethod(leg.expiry_method.value)
    override = leg.timeframe_override
    if override.position_type is not None and override.position_type.value != "CUSTOM":
        method = ExpiryMethod.MONTHLY_INDEX if override.position_type.value == "MONTHLY" \
            else ExpiryMethod.WEEKLY_INDEX
    if override.dte is not None:
        method, value = ExpiryMethod.DTE, float(override.dte)
    elif override.position_type is not None and override.position_type.value != "CUSTOM":
        value = float(leg.expiry_value or 0)
    elif leg.expiry_value is not None:
        value = float(leg.expiry_value)
    elif method is ExpiryMethod.DTE:
        long_dte = cfg.long_leg_dte if cfg.long_leg_dte is not None else cfg.short_leg_dte
        value = float(long_dte if leg.side.value == "BUY" and cfg.strategy_subtype.value ==
                      "CALENDAR_SPREAD" else cfg.short_leg_dte)
    else:
        value = 0.0
    return LegSpec(
        leg_id=leg.leg_id, right=Right(leg.right.value), side=Side(leg.side.value),
        strike=StrikeRule(StrikeMethod(leg.strike_method.value), leg.strike_value),
        expiry=ExpiryRule(method, value, at_or_beyond=cfg.entry_rules.expiry_at_or_beyond),
        lots=leg.lots or cfg.backtest.lots, role=PositionRole(leg.position_role.value),
        sizing=Sizing(
            mode=leg.dynamic_sizing.mode.value,
            min_lots=leg.dynamic_sizing.min_lots, max_lots=leg.dynamic_sizing.max_lots,
            capital_frac=leg.dynamic_sizing.capital_fraction,
            metric=leg.volatility_scaling.metric.value,
            low_threshold=leg.volatility_scaling.low_threshold,
            high_threshold=leg.volatility_scaling.high_threshold,
            low_factor=leg.volatility_scaling.low_factor,
            high_factor=leg.volatility_scaling.high_factor,
            condition=leg.conditional_activation.condition.value,
            condition_threshold=leg.conditional_activation.threshold))


def _entry(cfg: StrategyConfig) -> EntryRules:
    e = cfg.entry_rules
    vix_range = None
    lo_vix = _highest(e.vix_min_entry, cfg.volatility_limits.min_vix)
    hi_vix = _lowest(e.vix_max_entry, cfg.volatility_limits.max_vix)
    if lo_vix is not None or hi_vix is not None:
        vix_range = (lo_vix if lo_vix is not None else 0.0, hi_vix if hi_vix is not None else 1e9)
    bands: list[VixBand] = []
    v = cfg.vix_config
    if v.use_vix_bands:
        for i in range(1, 5):
            lo, hi = getattr(v, f"band{i}_low"), getattr(v, f"band{i}_high")
            if lo is not None and hi is not None:
                bands.append(VixBand(lo, hi, getattr(v, f"band{i}_premium_min"),
                                     getattr(v, f"band{i}_premium_max")))
    return EntryRules(
        weekdays=frozenset(WEEKDAYS[d.value] for d in e.entry_weekdays),
        window_start=e.entry_start_time, window_end=e.entry_end_time, vix_range=vix_range,
        vix_bands=tuple(bands), min_premium_pts=e.min_premium, max_premium_pts=e.max_premium,
        reentry_same_day=e.allow_reentry, max_reentries=e.max_reentries,
        reentry_cooldown_minutes=e.reentry_cooldown_minutes, skip_expiry_day=e.skip_expiry_day,
        min_dte=e.min_dte_entry, max_dte=e.max_dte_entry, max_gap_frac=e.max_gap_frac,
        min_oi=e.min_oi, min_volume=e.min_volume,
        max_spread_frac=e.max_bid_ask_spread if e.max_bid_ask_spread < 1.0 else None,
        event_blackout=e.use_event_blackout, event_days_before=e.event_days_before,
        event_days_after=e.event_days_after, nearest_strike_fallback=e.nearest_strike_fallback,
        weeklies_required=cfg.position_type.value == "WEEKLY" and not cfg.fallback_to_monthly,
        roll_period=None if cfg.roll_frequency.value == "CUSTOM"
        else cfg.roll_frequency.value,  # type: ignore[arg-type]
        custom_dtes=tuple(cfg.custom_dte_list) if cfg.roll_frequency.value == "CUSTOM" else (),
        max_open_positions=cfg.position_limits.max_open_positions)


def _exits(cfg: StrategyConfig) -> ExitRules:
    x, be = cfg.exit_rules, cfg.breakeven_config
    scheduled = not x.hold_to_expiry
    return ExitRules(
        profit_target_frac=x.profit_target,
        trailing_activation_frac=x.trailing_activation if x.use_trailing_profit else None,
        trailing_stop_frac=x.trailing_step if x.use_trailing_profit else None,
        stop_loss_frac=x.stop_loss,
        exit_time=x.exit_time if scheduled else None,
        days_before_expiry=x.exit_days_before_expiry if scheduled else None,
        max_abs_delta=x.exit_delta_breach, max_abs_gamma=x.exit_gamma_breach,
        max_loss_inr=cfg.position_limits.max_loss_per_trade_inr,
        exit_on_sr_break=cfg.market_structure.use_for_exit or x.exit_on_sr_break,
        be_close_on_approach=be.enabled and be.be_approach_action.value == "CLOSE",
        be_close_on_breach=be.enabled and be.be_breach_action.value == "CLOSE",
        vol_expansion_frac=x.exit_vol_expansion, vol_contraction_frac=x.exit_vol_contraction,
        ivp_above=_lowest(x.exit_ivp_above, cfg.volatility_filter.ivp_max_exit),
        ivp_below=_highest(x.exit_ivp_below, cfg.volatility_filter.ivp_min_exit),
        profit_target_pts=x.profit_target_pts, stop_loss_pts=x.stop_loss_pts,
        max_holding_days=x.max_holding_days, max_vix=cfg.volatility_limits.max_vix,
        max_atm_iv=cfg.volatility_limits.max_atm_iv, exit_on_event_day=x.exit_on_event_day,
        iv_crush_protection=cfg.volatility_limits.iv_crush_protection,
        iv_crush_drop_frac=cfg.volatility_limits.iv_crush_threshold,
        stop_recovery=x.stop_recovery.value,
        recovery_wait_minutes=x.recovery_wait_minutes,
        max_recovery_attempts=x.max_recovery_attempts,
        max_quote_age_minutes=x.max_quote_age_minutes)


def _lowest(*values: float | None) -> float | None:
    given = [v for v in values if v is not None]
    return min(given) if given else None


def _highest(*values: float | None) -> float | None:
    given = [v for v in values if v is not None]
    return max(given) if given else None


def _costs(cfg: StrategyConfig) -> CostSpec:
    c = cfg.costs
    return CostSpec(preset=c.cost_preset, brokerage_per_order_inr=c.brokerage_per_order_inr,
                    turnover_frac=c.exchange_txn_rate, stt_sell_frac=c.stt_sell_rate,
                    gst_frac=c.gst_rate, stamp_buy_frac=c.stamp_duty_buy_rate,
                    exchange=_exchange_of(cfg.backtest.symbol.value))


def _exchange_of(symbol: str) -> str:
    """The exchange listing ``symbol`` (the contract master's), NSE when it has no row."""
    from engine.domain.contracts import load_contracts

    try:
        return load_contracts().exchange(symbol)
    except PosbtError:
        return "NSE"
