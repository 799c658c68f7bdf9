"""What the synthetic market generator is asked to build (data stage, before generation).

``SymbolSpec`` holds one index's model parameters (level, stochastic volatility, jumps,
variance risk premium, SSVI smile); ``MarketSpec`` the window, bar interval, seed and
chain coverage. ``generate.py`` turns a ``MarketSpec`` into store rows and answers with
a ``GenerationReport``. Defaults are NIFTY- and BANKNIFTY-like (levels about 22000 and
48000, volatility about 13% and 16%, r = 6.5%).

Model time: volatility and returns run on a trading clock of 252 trading days a year
(see ``clock.py``); option prices use calendar time, minutes to 15:30 IST on expiry day
over 365 * 24 * 60.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from engine.domain.expiries import NSE_MONTHLIES_LISTED, NSE_WEEKLIES_LISTED
from engine.errors import PosbtError

IntervalMinutes = Literal[1, 5, 15, 1440]
INTERVALS: Final[dict[str, IntervalMinutes]] = {"1m": 1, "5m": 5, "15m": 15, "1d": 1440}
DAILY_MINUTES: Final = 1440

DEFAULT_START: Final = dt.date(2025, 1, 1)
VIX_SYMBOL: Final = "INDIAVIX"
VIX_SOURCE_SYMBOL: Final = "NIFTY"


@dataclass(frozen=True)
class SymbolSpec:
    """Model parameters of one synthetic index (``spot0``: the level the intraday window
    opens from; the daily history before it is scaled to end there).

    Volatility: ``x = ln(v)`` (``v`` the instantaneous variance per trading year) follows an
    Ornstein-Uhlenbeck process ``dx = kappa (ln(vol_median^2) - x) dt + vol_of_logvar dW_v``
    with ``corr(dW_s, dW_v) = leverage_rho`` (negative: the leverage effect). Jumps:
    compound Poisson, ``jump_per_year`` a year, log sizes N(jump_mean, jump_std) times
    ``jump_scale``; a down jump lifts ``x`` by ``jump_vol_feedback * |J|``. Options see
    variance times ``vrp_variance_mult`` (the variance risk premium) through an SSVI smile
    (``ssvi_rho`` < 0: put skew; ``ssvi_eta``, ``ssvi_gamma``: power-law curvature).
    """

    symbol: str
    spot0: float
    vol_median: float
    kappa_per_year: float = 5.0
    vol_of_logvar: float = 1.8
    leverage_rho: float = -0.6
    market_corr: float = 0.85
    jump_per_year: float = 4.0
    jump_mean: float = -0.01
    jump_std: float = 0.015
    jump_scale: float = 1.0
    jump_vol_feedback: float = 12.0
    vrp_variance_mult: float = 1.3
    dividend_yield: float = 0.012
    ssvi_rho: float = -0.55
    ssvi_eta: float = 0.7
    ssvi_gamma: float = 0.5
    oi_base_lots: float = 40000.0
    volume_base_lots: float = 120.0

    def __post_init__(self) -> None:
        place = f"SymbolSpec({self.symbol})"
        checks = (
            (self.spot0 > 0, "spot0 must be > 0"),
            (0 < self.vol_median < 2, "vol_median must be in (0, 2)"),
            (self.kappa_per_year > 0, "kappa_per_year must be > 0"),
            (self.vol_of_logvar >= 0, "vol_of_logvar must be >= 0"),
            (-1 < self.leverage_rho < 1, "leverage_rho must be in (-1, 1)"),
            (0 <= self.market_corr <= 1, "market_corr must be in [0, 1]"),
            (self.jump_per_year >= 0 and self.jump_std >= 0, "jump rates/sizes must be >= 0"),
            (self.vrp_variance_mult >= 1, "vrp_variance_mult must be >= 1"),
            (-1 < self.ssvi_rho < 1, "ssvi_rho must be in (-1, 1)"),
            (0 < self.ssvi_gamma <= 0.5, "ssvi_gamma must be in (0, 0.5] (no calendar arbitrage)"),
            (self.ssvi_eta > 0 and self.ssvi_eta * (1 + abs(self.ssvi_rho)) <= 2,
             "ssvi_eta * (1 + |ssvi_rho|) must be <= 2 (no butterfly arbitrage)"),
        )
        for ok, message in checks:
            if not ok:
                raise PosbtError(message, place=place)

    @property
    def theta_logvar(self) -> float:
        """Long-run mean of ``ln(v)``: the median variance's log."""
        return math.log(self.vol_median**2)

    @property
    def jump_variance_per_year(self) -> float:
        """Variance per trading year contributed by jumps: ``lambda * E[J^2]``."""
        return self.jump_per_year * self.jump_scale**2 * (self.jump_mean**2 + self.jump_std**2)


DEFAULT_SYMBOLS: Final[Mapping[str, SymbolSpec]] = {
    "NIFTY": SymbolSpec("NIFTY", spot0=22000.0, vol_median=0.12),
    "BANKNIFTY": SymbolSpec(
        "BANKNIFTY", spot0=48000.0, vol_median=0.14, vol_of_logvar=1.9, leverage_rho=-0.55,
        jump_scale=1.25, ssvi_rho=-0.5, ssvi_eta=0.8, oi_base_lots=30000.0,
        volume_base_lots=90.0,
    ),
}


def default_symbol_spec(symbol: str) -> SymbolSpec:
    """The NIFTY- or BANKNIFTY-like defaults; other symbols get NIFTY's dynamics."""
    name = symbol.strip().upper()
    spec = DEFAULT_SYMBOLS.get(name)
    if spec is not None:
        return spec
    base = DEFAULT_SYMBOLS["NIFTY"]
    return SymbolSpec(name, spot0=base.spot0, vol_median=base.vol_median)


@dataclass(frozen=True)
class MarketSpec:
    """The market to generate.

    The intraday window starts on ``start`` and runs ``days`` trading days or, when
    ``days`` is None, ``years`` calendar years. Daily bars (``bar_minutes`` 1440, stamped
    15:30) cover ``history_days`` trading days before the window and every window day;
    intraday bars at ``interval_minutes`` cover the window (none when it is 1440).
    Chains: ATM +/- ``strikes_each_side`` strikes (ATM fixed per day from the day's open)
    for every listed expiry within ``horizon_days`` calendar days, both rights.

    Listing: each day lists only the next ``weeklies_listed`` weeklies and
    ``monthlies_listed`` monthlies, today's included until 15:30, as NSE does (4 weekly
    expiries besides the monthly ones, and 3 serial monthlies: the defaults); None lists
    every generated expiry of that kind in the horizon (``horizon_days``: 100 by default,
    as the third serial monthly can be 97 days out, the day after a monthly expiry). Each
    expiry's first listed day is stored (``expiries.listed_from``) and the engine picks
    only expiries listed on the decision day: a leg whose nearest expiry by DTE would be a
    weekly not yet listed takes the nearest listed one (often the monthly).
    With ``keep_listed_strikes`` (default) a contract keeps every
    strike it was listed with for its whole life (the union of each day's ATM +/- n since
    its first listed day), so far wings keep quoting as the index moves away; without it
    each day quotes only that day's ATM +/- n.
    """

    symbols: tuple[SymbolSpec, ...]
    start: dt.date = DEFAULT_START
    years: float = 1.0
    days: int | None = None
    interval_minutes: IntervalMinutes = 5
    seed: int = 7
    history_days: int = 300
    strikes_each_side: int = 20
    horizon_days: int = 100
    rate: float = 0.065
    tick_pts: float = 0.05
    weeklies_listed: int | None = NSE_WEEKLIES_LISTED
    monthlies_listed: int | None = NSE_MONTHLIES_LISTED
    keep_listed_strikes: bool = True

    def __post_init__(self) -> None:
        checks = (
            (len(self.symbols) > 0, "symbols", "at least one symbol is needed"),
            (len({s.symbol for s in self.symbols}) == len(self.symbols), "symbols",
             "a symbol is listed twice"),
            (self.days is None or self.days > 0, "days", "must be > 0"),
            (self.days is not None or 0 < self.years <= 20, "years", "must be in (0, 20]"),
            (self.interval_minutes in INTERVALS.values(), "interval",
             f"must be one of {sorted(INTERVALS)}"),
            (self.history_days >= 0, "history_days", "must be >= 0"),
            (self.strikes_each_side >= 0, "strikes_each_side", "must be >= 0"),
            (self.horizon_days > 0, "horizon_days", "must be > 0"),
            (self.weeklies_listed is None or self.weeklies_listed >= 0, "weeklies_listed",
             "must be >= 0"),
            (self.monthlies_listed is None or self.monthlies_listed >= 1, "monthlies_listed",
             "must be >= 1"),
            (self.seed >= 0, "seed", "must be >= 0"),
        )
        for ok, place, message in checks:
            if not ok:
                raise PosbtError(message, place=f"MarketSpec.{place}")

    @property
    def window_end(self) -> dt.date:
        """Last calendar day the window may cover (days mode trims it to ``days``)."""
        if self.days is not None:
            return self.start + dt.timedelta(days=self.days * 2 + 30)
        return self.start + dt.timedelta(days=round(self.years * 365.25) - 1)


def market_spec(symbols: list[str] | tuple[str, ...], **kwargs: object) -> MarketSpec:
    """A ``MarketSpec`` with default model parameters for each named symbol."""
    specs = tuple(default_symbol_spec(s) for s in symbols)
    return MarketSpec(symbols=specs, **kwargs)  # type: ignore[arg-type]


@dataclass
class GenerationReport:
    """What ``generate_market`` did: rows written per table, symbols skipped, seconds."""

    rows: dict[str, int] = field(default_factory=dict)
    skipped_symbols: list[str] = field(default_factory=list)
    generated_symbols: list[str] = field(default_factory=list)
    resumed: dict[str, int] = field(default_factory=dict)  # symbol -> partial bars removed
    history_days: int = 0
    window_days: int = 0
    seconds: float = 0.0

    def add(self, table: str, n: int) -> None:
        """Count ``n`` rows written to ``table``."""
        self.rows[table] = self.rows.get(table, 0) + n

    @property
    def total_rows(self) -> int:
        """Rows written across all tables."""
        return sum(self.rows.values())
