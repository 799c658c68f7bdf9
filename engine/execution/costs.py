"""Transaction costs (execution stage): the India preset with date-ranged rates, and a custom model.

A cost model is a small object with one method, ``for_fill(fill_side, premium_pts, qty_units, on)``,
returning a ``Costs`` breakdown in rupees. Rates live in ``data/india_option_costs.csv`` (keep them in
data, not logic: they change by budget and circular). Settlement of an option held to expiry goes
through ``for_exercise``: STT on the intrinsic value of an exercised in-the-money long option.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import ClassVar, Protocol

from engine.config.enums import CostPreset
from engine.errors import PosbtError

_RATES_FILE = "india_option_costs.csv"


@dataclass(frozen=True)
class Costs:
    """Cost breakdown of one fill, in rupees."""

    brokerage_inr: float = 0.0
    stt_inr: float = 0.0
    exchange_inr: float = 0.0
    sebi_inr: float = 0.0
    gst_inr: float = 0.0
    stamp_inr: float = 0.0

    @property
    def total_inr(self) -> float:
        """Sum of every component."""
        return (self.brokerage_inr + self.stt_inr + self.exchange_inr + self.sebi_inr
                + self.gst_inr + self.stamp_inr)

    def __add__(self, other: Costs) -> Costs:
        return Costs(
            self.brokerage_inr + other.brokerage_inr, self.stt_inr + other.stt_inr,
            self.exchange_inr + other.exchange_inr, self.sebi_inr + other.sebi_inr,
            self.gst_inr + other.gst_inr, self.stamp_inr + other.stamp_inr,
        )


ZERO_COSTS = Costs()


class CostModel(Protocol):
    """What the simulation asks of a cost model."""

    kind: ClassVar[CostPreset]

    def for_fill(self, is_buy: bool, premium_pts: float, qty_units: int, on: dt.date) -> Costs:
        """Costs of one executed order of ``qty_units`` at ``premium_pts``."""
        ...

    def for_exercise(self, is_long: bool, intrinsic_pts: float, qty_units: int,
                     on: dt.date) -> Costs:
        """Costs of settling an option at expiry (cash settlement)."""
        ...


@dataclass(frozen=True)
class IndiaRates:
    """One date range of India option cost rates (fractions of turnover unless named _inr)."""

    valid_from: dt.date
    valid_to: dt.date | None
    brokerage_per_order_inr: float
    stt_sell_premium_frac: float
    stt_exercise_intrinsic_frac: float
    exchange_txn_frac: float
    sebi_fee_frac: float
    gst_frac: float
    stamp_buy_frac: float
    exchange: str = "NSE"          # NSE or BSE (SENSEX, BANKEX): their own charges


def load_india_rates(path: Path | None = None) -> tuple[IndiaRates, ...]:
    """Read the date-ranged rate table (the shipped one unless ``path`` is given)."""
    return _shipped_rates() if path is None else _read_rates(path)


@functools.cache
def _shipped_rates() -> tuple[IndiaRates, ...]:
    return _read_rates(None)


def _read_rates(path: Path | None) -> tuple[IndiaRates, ...]:
    if path is None:
        text = resources.files("engine.execution").joinpath("data", _RATES_FILE).read_text(
            encoding="utf-8")
        where = f"engine/execution/data/{_RATES_FILE}"
    else:
        text = path.read_text(encoding="utf-8")
        where = str(path)
    rows: list[IndiaRates] = []
    for line_no, rec in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            rows.append(IndiaRates(
                valid_from=dt.date.fromisoformat(rec["valid_from"]),
                valid_to=dt.date.fromisoformat(rec["valid_to"]) if rec["valid_to"] else None,
                brokerage_per_order_inr=float(rec["brokerage_per_order_inr"]),
                stt_sell_premium_frac=float(rec["stt_sell_premium_frac"]),
                stt_exercise_intrinsic_frac=float(rec["stt_exercise_intrinsic_frac"]),
                exchange_txn_frac=float(rec["exchange_txn_frac"]),
                sebi_fee_frac=float(rec["sebi_fee_frac"]),
                gst_frac=float(rec["gst_frac"]),
                stamp_buy_frac=float(rec["stamp_buy_frac"]),
                exchange=(rec.get("exchange") or "NSE").strip().upper(),
            ))
        except (KeyError, ValueError) as exc:
            raise PosbtError(f"bad cost-rate row: {exc}", place=f"{where}:{line_no}") from None
    return tuple(sorted(rows, key=lambda r: r.valid_from))


class IndiaOptionsCosts:
    """India index-option costs: brokerage, STT, exchange charge, SEBI fee, GST, stamp duty."""

    kind: ClassVar[CostPreset] = CostPreset.INDIA

    def __init__(self, rates: tuple[IndiaRates, ...] | None = None,
                 brokerage_per_order_inr: float | None = None, exchange: str = "NSE") -> None:
        self.rates = rates if rates is not None else load_india_rates()
        self.brokerage_override = brokerage_per_order_inr
        self.exchange = exchange.upper()

    def rates_on(self, on: dt.date) -> IndiaRates:
        """The rate row of the exchange in force on ``on``."""
        for r in reversed(self.rates):
            if r.exchange == self.exchange and r.valid_from <= on and (
                    r.valid_to is None or on <= r.valid_to):
                return r
        raise PosbtError(f"no {self.exchange} cost rates for {on.isoformat()}",
                         place=f"engine/execution/data/{_RATES_FILE}")

    def for_fill(self, is_buy: bool, premium_pts: float, qty_units: int, on: dt.date) -> Costs:
        """Costs of one order: turnover = premium x units."""
        r = self.rates_on(on)
        turnover = abs(premium_pts) * abs(qty_units)
        brokerage = (self.brokerage_override if self.brokerage_override is not None
                     else r.brokerage_per_order_inr)
        exchange = turnover * r.exchange_txn_frac
        sebi = turnover * r.sebi_fee_frac
        return Costs(
            brokerage_inr=brokerage,
            stt_inr=0.0 if is_buy else turnover * r.stt_sell_premium_frac,
            exchange_inr=exchange,
            sebi_inr=sebi,
            gst_inr=(brokerage + exchange + sebi) * r.gst_frac,
            stamp_inr=turnover * r.stamp_buy_frac if is_buy else 0.0,
        )

    def for_exercise(self, is_long: bool, intrinsic_pts: float, qty_units: int,
                     on: dt.date) -> Costs:
        """STT on the intrinsic value of an exercised in-the-money long option; else nothing."""
        if not is_long or intrinsic_pts <= 0:
            return ZERO_COSTS
        r = self.rates_on(on)
        return Costs(stt_inr=intrinsic_pts * abs(qty_units) * r.stt_exercise_intrinsic_frac)


@dataclass(frozen=True)
class CustomCosts:
    """A user cost model: fixed rupees per order plus a fraction of turnover, both sides."""

    kind: ClassVar[CostPreset] = CostPreset.CUSTOM

    per_order_inr: float = 0.0
    turnover_frac: float = 0.0     # exchange transaction charge, both sides
    stt_sell_frac: float = 0.0     # STT on the sell-side premium
    gst_frac: float = 0.0          # GST on brokerage and the exchange charge
    stamp_buy_frac: float = 0.0    # stamp duty on the buy-side premium

    def for_fill(self, is_buy: bool, premium_pts: float, qty_units: int, on: dt.date) -> Costs:
        """Flat fee and exchange charge, STT on sells, GST on both, stamp duty on buys."""
        turnover = abs(premium_pts) * abs(qty_units)
        exchange = turnover * self.turnover_frac
        return Costs(brokerage_inr=self.per_order_inr, exchange_inr=exchange,
                     stt_inr=0.0 if is_buy else turnover * self.stt_sell_frac,
                     gst_inr=(self.per_order_inr + exchange) * self.gst_frac,
                     stamp_inr=turnover * self.stamp_buy_frac if is_buy else 0.0)

    def for_exercise(self, is_long: bool, intrinsic_pts: float, qty_units: int,
                     on: dt.date) -> Costs:
        """No settlement costs in the custom model."""
        return ZERO_COSTS


class NoCosts:
    """Frictionless: every cost is zero (for tests and theoretical comparisons)."""

    kind: ClassVar[CostPreset] = CostPreset.NONE

    def for_fill(self, is_buy: bool, premium_pts: float, qty_units: int, on: dt.date) -> Costs:
        """Zero."""
        return ZERO_COSTS

    def for_exercise(self, is_long: bool, intrinsic_pts: float, qty_units: int,
                     on: dt.date) -> Costs:
        """Zero."""
        return ZERO_COSTS
