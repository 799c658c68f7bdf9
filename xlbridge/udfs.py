"""Excel cell functions (xlwings UDFs, Windows Excel): ``=POSBT_IVP("NIFTY")`` and friends.

Excel-side entry points, imported by Excel through xlwings (posbt.xlam's generated wrappers
call ``xlbridge.udfs``; ``UDF MODULES`` in posbt.conf names it for xlwings' own tools).
Each call goes to the local server (warm caches, short timeout) and is computed in-process
when no server answers; either way the value is the one ``posbt vol`` shows. An error
comes back as a short text in the cell, ``#POSBT: <what and why>``, never a traceback.
On Linux xlwings' decorators are pass-throughs, so the tests call these directly.
"""

# Excel shows these names as they are written here: upper case on purpose.
# ruff: noqa: N802

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import xlwings as xw

from engine.errors import PosbtError
from xlbridge.breakeven import breakevens
from xlbridge.client import ServerClient, ServerUnavailableError
from xlbridge.conf import excel_home
from xlbridge.metrics import MetricName, MetricQuery, metric_in_process, normalise_at, parse_method
from xlbridge.pricing import GREEK_NAMES, OptionInput, parse_model, parse_right, price_greeks

P = ParamSpec("P")
R = TypeVar("R")
ERROR_PREFIX = "#POSBT: "


def cell_errors(func: Callable[P, R]) -> Callable[P, R | str]:
    """A PosbtError (or any bug) becomes ``#POSBT: message`` in the cell."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | str:
        try:
            return func(*args, **kwargs)
        except PosbtError as exc:
            return ERROR_PREFIX + exc.message
        except Exception as exc:  # a bug must not show a traceback in a cell
            return f"{ERROR_PREFIX}internal error {type(exc).__name__}: {exc}"

    return wrapper


def _int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise PosbtError(f"expected a whole number, got {value!r}", place=name) from None
    if f != int(f):
        raise PosbtError(f"expected a whole number, got {value!r}", place=name)
    return int(f)


def _at(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return normalise_at(value)
    try:
        return normalise_at(dt.datetime.fromisoformat(str(value).strip()))
    except ValueError:
        raise PosbtError(f"at: expected a date or YYYY-MM-DD HH:MM, got {value!r}") from None


def _metric(name: MetricName, symbol: Any, at: Any = None, lookback: Any = None,
            window: Any = None, method: Any = None) -> Any:
    q = MetricQuery(symbol=str(symbol or "").strip().upper(), at=_at(at),
                    lookback=_int(lookback, "lookback", 252), window=_int(window, "window", 20),
                    method=parse_method(method))
    params: dict[str, Any] = {"symbol": q.symbol, "lookback": q.lookback, "window": q.window,
                              "method": q.method.value}
    if q.at is not None:
        params["at"] = q.at.isoformat(sep=" ")
    home = excel_home()
    try:
        answer = ServerClient(home).metric(name.value, params)
    except ServerUnavailableError:
        return metric_in_process(home, name, q)
    return answer["rows"] if name is MetricName.SNAPSHOT else answer["value"]


@xw.func
@cell_errors
def POSBT_IVP(symbol: str, at: Any = None, lookback: Any = None) -> Any:
    """IV percentile (0-1) of the 30-day ATM IV against the previous ``lookback`` closes."""
    return _metric(MetricName.IVP, symbol, at, lookback)


@xw.func
@cell_errors
def POSBT_IVR(symbol: str, at: Any = None, lookback: Any = None) -> Any:
    """IV rank (0-1) over the previous ``lookback`` closes."""
    return _metric(MetricName.IVR, symbol, at, lookback)


@xw.func
@cell_errors
def POSBT_ATRP(symbol: str, at: Any = None, lookback: Any = None) -> Any:
    """ATR(14) percentile (0-1) over the previous ``lookback`` closes."""
    return _metric(MetricName.ATRP, symbol, at, lookback)


@xw.func
@cell_errors
def POSBT_HV(symbol: str, at: Any = None, window: Any = None, method: Any = None) -> Any:
    """Historical volatility (annualised fraction) over ``window`` days by ``method``."""
    return _metric(MetricName.HV, symbol, at, window=window, method=method)


@xw.func
@cell_errors
def POSBT_IVHV(symbol: str, at: Any = None, window: Any = None, method: Any = None) -> Any:
    """30-day ATM IV divided by the HV."""
    return _metric(MetricName.IVHV, symbol, at, window=window, method=method)


@xw.func
@cell_errors
def POSBT_TERM(symbol: str, at: Any = None) -> Any:
    """Term-structure slope relative to the front: (back ATM IV - front ATM IV) / front ATM IV."""
    return _metric(MetricName.TERM, symbol, at)


@xw.func
@cell_errors
def POSBT_SKEW(symbol: str, at: Any = None) -> Any:
    """25-delta risk reversal (call IV minus put IV) at the ~30-day expiry."""
    return _metric(MetricName.SKEW, symbol, at)


@xw.func
@cell_errors
def POSBT_REGIME(symbol: str, at: Any = None) -> Any:
    """Volatility regime (LOW / MEDIUM / HIGH...) from VIX or the IV percentile."""
    return _metric(MetricName.REGIME, symbol, at)


@xw.func
@cell_errors
def POSBT_VOLSNAPSHOT(symbol: str, at: Any = None, lookback: Any = None) -> Any:
    """The whole snapshot as a spilled table: metric, value, why missing."""
    return _metric(MetricName.SNAPSHOT, symbol, at, lookback)


def _option(right: Any, underlying: Any, strike: Any, t_years: Any, vol: Any, rate: Any,
            model: Any, div_yield: Any) -> OptionInput:
    def num(v: Any, name: str, default: float | None = None) -> float:
        if (v is None or v == "") and default is not None:
            return default
        try:
            return float(v)
        except (TypeError, ValueError):
            raise PosbtError(f"{name}: expected a number, got {v!r}") from None

    return OptionInput(model=parse_model(model), right=parse_right(right),
                       underlying_pts=num(underlying, "underlying"), strike_pts=num(strike, "strike"),
                       t_years=num(t_years, "t_years"), vol=num(vol, "vol"),
                       rate=num(rate, "rate", 0.065), div_yield=num(div_yield, "div_yield", 0.0))


def _priced(o: OptionInput) -> dict[str, float]:
    body = {"model": o.model.value, "right": o.right, "underlying_pts": o.underlying_pts,
            "strike_pts": o.strike_pts, "t_years": o.t_years, "vol": o.vol, "rate": o.rate,
            "div_yield": o.div_yield}
    try:
        answer: dict[str, float] = ServerClient(excel_home()).request("POST", "/price", json=body)
    except ServerUnavailableError:
        return price_greeks(o)
    return answer


@xw.func
@cell_errors
def POSBT_PRICE(right: Any, underlying: Any, strike: Any, t_years: Any, vol: Any,
                rate: Any = None, model: Any = None, div_yield: Any = None) -> Any:
    """Option price in points: Black-76 on the forward (default) or BSM on spot."""
    return _priced(_option(right, underlying, strike, t_years, vol, rate, model, div_yield))["price"]


@xw.func
@cell_errors
def POSBT_GREEKS(right: Any, underlying: Any, strike: Any, t_years: Any, vol: Any,
                 rate: Any = None, model: Any = None, div_yield: Any = None,
                 greek: Any = None) -> Any:
    """One greek by name, or a spilled 2 x 6 table (price, delta, gamma, vega/vol pt,
    theta/day, rho)."""
    g = _priced(_option(right, underlying, strike, t_years, vol, rate, model, div_yield))
    if greek is not None and str(greek).strip():
        key = str(greek).strip().lower()
        if key not in GREEK_NAMES:
            raise PosbtError(f"greek: use one of {', '.join(GREEK_NAMES)}, got {greek!r}")
        return g[key]
    return [list(GREEK_NAMES), [g[n] for n in GREEK_NAMES]]


def _be(kind: str, params: dict[str, Any]) -> list[list[Any]]:
    try:
        answer = ServerClient(excel_home()).request("POST", "/breakeven",
                                                    json={"kind": kind, "params": params})
    except ServerUnavailableError:
        answer = breakevens(kind, params)
    return [["lower_pts", "upper_pts"], [answer.get("lower_pts"), answer.get("upper_pts")]]


@xw.func
@cell_errors
def POSBT_IRONFLY_BE(centre_pts: Any, wing_pts: Any, net_credit_pts: Any) -> Any:
    """Expiry breakevens of an iron fly: a 2 x 2 table (lower, upper)."""
    return _be("ironfly", {"centre_pts": float(centre_pts), "wing_pts": float(wing_pts),
                           "net_credit_pts": float(net_credit_pts)})


@xw.func
@cell_errors
def POSBT_CALENDAR_BE(strike_pts: Any, right: Any, front_t_years: Any, back_t_years: Any,
                      front_vol: Any, back_vol: Any, net_debit_pts: Any,
                      rate: Any = None) -> Any:
    """Breakevens at the front expiry of a calendar (back leg valued by Black-76)."""
    params = {"strike_pts": float(strike_pts), "right": parse_right(right),
              "front_t_years": float(front_t_years), "back_t_years": float(back_t_years),
              "front_vol": float(front_vol), "back_vol": float(back_vol),
              "net_debit_pts": float(net_debit_pts),
              "rate": 0.065 if rate in (None, "") else float(rate)}
    return _be("calendar", params)
