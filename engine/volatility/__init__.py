"""Volatility stage: IVP, IVR, ATR and its percentile, HV estimators, IV/HV, term structure,
skew, forward vol, regimes, IV crush, the point-in-time ``volatility_snapshot`` and the
``daily_features`` table.

It reads bars and chains from the store (``engine.data``) and IVs from the chain or
``engine.pricing``; strategy filters, triggers, the CLI and Excel read its answers.
Array APIs never raise on data: they answer NaN and the ``*_reason`` helpers say why.
"""

from engine.volatility.atr import atr, atr_percentile, ohlc_reason, true_range
from engine.volatility.cache import SnapshotCache
from engine.volatility.chain import Chain, ExpiryATM, atm_by_expiry, expiry_forward, fill_iv
from engine.volatility.hv import hv, iv_hv_ratio
from engine.volatility.percentile import (
    iv_percentile,
    iv_rank,
    percentile_reason,
    rolling_ivp,
    rolling_ivr,
)
from engine.volatility.regime import iv_crush, volatility_regime
from engine.volatility.skew import moneyness_skew, risk_reversal_25d
from engine.volatility.snapshot import SnapshotParams, VolSnapshot, volatility_snapshot
from engine.volatility.term import (
    constant_maturity_iv,
    constant_maturity_ivs,
    forward_vol,
    term_structure,
)
from engine.volatility.types import HVMethod, NanReason, Regime, RegimeBands, TermClass

__all__ = [
    "Chain",
    "ExpiryATM",
    "HVMethod",
    "NanReason",
    "Regime",
    "RegimeBands",
    "SnapshotCache",
    "SnapshotParams",
    "TermClass",
    "VolSnapshot",
    "atm_by_expiry",
    "atr",
    "atr_percentile",
    "constant_maturity_iv",
    "constant_maturity_ivs",
    "expiry_forward",
    "fill_iv",
    "forward_vol",
    "hv",
    "iv_crush",
    "iv_hv_ratio",
    "iv_percentile",
    "iv_rank",
    "moneyness_skew",
    "ohlc_reason",
    "percentile_reason",
    "risk_reversal_25d",
    "rolling_ivp",
    "rolling_ivr",
    "term_structure",
    "true_range",
    "volatility_regime",
    "volatility_snapshot",
]
