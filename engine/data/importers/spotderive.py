"""Spot estimates from a day's derivatives, for stores that have option bars but no index.

Stage: data ingestion (the bhavcopy importer collects each day's evidence while it reads
the file; the spot rows it derives are offered after the file's own rows, and the store's
anti-join keeps any spot bar already stored). An old-layout bhavcopy has no index price,
so a year of them runs a backtest only with an estimate:

1. ``DERIVED_FUTURES``: the traded index future with the nearest expiry on or after the
   day, its OPEN/HIGH/LOW/CLOSE carried back to spot: S = F * exp(-carry * T), with
   T = minutes from the day's 15:30 to the expiry's 15:30 / 525,600 (on its expiry day
   T = 0 and the future's close is the spot's);
2. ``DERIVED_PARITY`` when no future traded: put-call parity on the nearest expiry with
   a strike where both the call and the put traded, at the (up to) ``PARITY_STRIKES``
   strikes with the most contracts traded on their thinner side:
   F_K = K + exp(rate * T) * (C - P), F = median of the F_K, S = F * exp(-carry * T);
   open = high = low = close.

``carry`` is the net cost of carry r - q (``CARRY_PER_YEAR``, 5% a year: a 6.5% rate
less NIFTY's ~1.3% dividend yield); ``rate`` is ``RATE_PER_YEAR`` (6.5%, posbt's
default RiskFreeRate). The error of either is a fraction of a percent on a monthly
series and vanishes at expiry. Rows are marked in ``spot_bars.source``.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

CARRY_PER_YEAR = 0.05
RATE_PER_YEAR = 0.065
PARITY_STRIKES = 3
MINUTES_PER_YEAR = 365 * 24 * 60
CLOSE_TIME = dt.time(15, 30)


def t_years(day: dt.date, expiry: dt.date) -> float:
    """Years from ``day`` 15:30 to ``expiry`` 15:30 (calendar minutes / 525,600)."""
    return (expiry - day).days * 24 * 60 / MINUTES_PER_YEAR


@dataclass
class DayEvidence:
    """What one (symbol, day) of a file shows about the index level: traded bars only."""

    futures: dict[dt.date, tuple[float, float, float, float]] = field(default_factory=dict)
    # (expiry, strike) -> right -> (close, contracts)
    pairs: dict[tuple[dt.date, float], dict[str, tuple[float, int]]] = field(
        default_factory=dict)

    def add_future(self, expiry: dt.date, ohlc: tuple[float, float, float, float]) -> None:
        """A traded future bar."""
        self.futures.setdefault(expiry, ohlc)

    def add_option(self, expiry: dt.date, strike: float, right: str, close: float,
                   contracts: int) -> None:
        """A traded option bar."""
        self.pairs.setdefault((expiry, strike), {}).setdefault(right, (close, contracts))


@dataclass(frozen=True)
class SpotEstimate:
    """A derived daily spot bar and how it was found."""

    ohlc: tuple[float, float, float, float]
    source: str


def _from_futures(day: dt.date, ev: DayEvidence, carry: float) -> SpotEstimate | None:
    live = sorted(e for e in ev.futures if e >= day)
    if not live:
        return None
    expiry = live[0]
    scale = math.exp(-carry * t_years(day, expiry))
    o, h, lo, c = (round(v * scale, 2) for v in ev.futures[expiry])
    return SpotEstimate((o, h, lo, c), "DERIVED_FUTURES")


def _from_parity(day: dt.date, ev: DayEvidence, carry: float, rate: float) -> SpotEstimate | None:
    by_expiry: dict[dt.date, list[tuple[int, float, float]]] = {}
    for (expiry, strike), sides in ev.pairs.items():
        if expiry < day or "CE" not in sides or "PE" not in sides:
            continue
        (call, n_call), (put, n_put) = sides["CE"], sides["PE"]
        by_expiry.setdefault(expiry, []).append((min(n_call, n_put), strike, call - put))
    if not by_expiry:
        return None
    expiry = min(by_expiry)
    t = t_years(day, expiry)
    best = sorted(by_expiry[expiry], key=lambda x: (-x[0], x[1]))[:PARITY_STRIKES]
    forward = statistics.median(k + math.exp(rate * t) * diff for _, k, diff in best)
    spot = round(forward * math.exp(-carry * t), 2)
    if spot <= 0:
        return None
    return SpotEstimate((spot, spot, spot, spot), "DERIVED_PARITY")


def estimate_spot(day: dt.date, ev: DayEvidence, *, carry: float = CARRY_PER_YEAR,
                  rate: float = RATE_PER_YEAR) -> SpotEstimate | None:
    """The day's spot from its nearest traded future, else from put-call parity."""
    return _from_futures(day, ev, carry) or _from_parity(day, ev, carry, rate)


def spot_row(symbol: str, day: dt.date, est: SpotEstimate) -> dict[str, object]:
    """A ``spot_bars`` row (daily, stamped at the 15:30 close) for ``est``."""
    o, h, lo, c = est.ohlc
    return {"symbol": symbol, "bar_minutes": 1440, "ts": dt.datetime.combine(day, CLOSE_TIME),
            "open": o, "high": max(o, h, lo, c), "low": min(o, h, lo, c), "close": c,
            "volume": None, "source": est.source}
