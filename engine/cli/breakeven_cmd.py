"""``posbt breakeven``: breakevens, max profit/loss and probabilities of an ad-hoc position.

CLI stage over ``engine.breakeven``; reads no store. A position comes from options
(``posbt breakeven ironfly ...``, ``posbt breakeven calendar ...``) or from a YAML file
(``posbt breakeven file pos.yaml``) whose keys are the option names with underscores and a
``kind`` (``ironfly`` or ``calendar``), e.g.::

    kind: ironfly
    spot: 22000
    centre: 22000
    wing: 300
    credit: 240
    costs: 2
    vol: 0.14
    dte: 7

Times: days to expiry count from a fixed valuation instant (no clock is read), so
``t_years = dte / 365`` exactly.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml
from rich.table import Table

from engine.breakeven import (
    BandProbabilities,
    band_probabilities,
    calendar_breakevens,
    iron_fly_breakevens,
    wing_touch_probabilities,
)
from engine.breakeven.calendar import expiry_close
from engine.breakeven.valuation import leg_book
from engine.cli.common import console, reports_errors
from engine.config.enums import BECalcMethod, CalendarBEMethod, IronFlyBEWings
from engine.domain.structures import Right, calendar
from engine.errors import PosbtError

_VALUATION_DAY = dt.date(2000, 1, 3)
_VALUATION = expiry_close(_VALUATION_DAY)  # dte days later at 15:30 gives t = dte / 365


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "none (open)"
    return f"{value:,.2f}"


def _print(title: str, rows: list[tuple[str, str]], probs: BandProbabilities | None) -> None:
    table = Table(title=title)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    if probs is not None:
        for name, est in (("P(touch lower)", probs.touch_lower), ("P(touch upper)", probs.touch_upper),
                          ("P(stay within)", probs.stay_within),
                          ("P(finish within)", probs.finish_within)):
            ci = "" if est.low == est.high else f"  [{est.low:.3f}, {est.high:.3f}]"
            table.add_row(f"{name} ({probs.method})", f"{est.value:.4f}{ci}")
        if probs.reason:
            table.add_row("note", probs.reason)
    console().print(table)


def _probabilities(spot: float, lower: float, upper: float, vol: float | None, dte: float | None,
                   method: BECalcMethod, r: float, seed: int) -> BandProbabilities | None:
    if vol is None or dte is None or math.isnan(lower) or not lower < spot < upper:
        return None
    if method in (BECalcMethod.EMPIRICAL, BECalcMethod.HYBRID):
        raise PosbtError(f"{method.value} needs a close history; use THEORETICAL or MONTE_CARLO "
                         "from the command line", place="--method")
    return band_probabilities(spot, lower, upper, dte / 365.0, method=method, sigma=vol, r=r,
                              seed=seed)


def run_ironfly(spot: float, centre: float, wing: float, credit: float, costs: float = 0.0,
                vol: float | None = None, dte: float | None = None, wings: str = "INCLUDE",
                wing_cost: float | None = None, method: str = "THEORETICAL", r: float = 0.0,
                seed: int = 0) -> None:
    """Compute and print an iron fly's breakevens (the ``ironfly`` command and YAML kind)."""
    mode = IronFlyBEWings(wings.upper())
    p_put = p_call = None
    if mode is IronFlyBEWings.WEIGHTED:
        if vol is None or dte is None:
            raise PosbtError("WEIGHTED wings need --vol and --dte", place="--wings")
        p_put, p_call = wing_touch_probabilities(spot, centre, wing, vol, dte / 365.0, r)
    be = iron_fly_breakevens(centre, wing, credit, costs_pts=costs, wings=mode,
                             wing_cost_pts=wing_cost, p_put_wing=p_put, p_call_wing=p_call)
    rows = [("lower breakeven", _fmt(be.lower)), ("upper breakeven", _fmt(be.upper)),
            ("width", _fmt(be.width_pts)), ("max profit (pts/unit)", _fmt(be.max_profit_pts)),
            ("max loss (pts/unit)", _fmt(be.max_loss_pts)), ("wings", mode.value)]
    if be.reason:
        rows.append(("note", be.reason))
    probs = _probabilities(spot, be.lower, be.upper, vol, dte, BECalcMethod(method.upper()), r, seed)
    _print(f"iron fly {centre:g} +/- {wing:g}, credit {credit:g}", rows, probs)


def run_calendar(spot: float, strike: float, front_dte: float, back_dte: float, front_iv: float,
                 back_iv: float, right: str = "CE", debit: float | None = None,
                 costs: float = 0.0, be_method: str = "T+0", horizon_days: float | None = None,
                 method: str = "THEORETICAL", r: float = 0.0, seed: int = 0) -> None:
    """Compute and print a calendar's breakevens (the ``calendar`` command and YAML kind)."""
    if not 0 < front_dte < back_dte:
        raise PosbtError(f"need 0 < front_dte < back_dte, got {front_dte}, {back_dte}",
                         place="--front-dte")
    front = _VALUATION_DAY + dt.timedelta(days=front_dte)
    back = _VALUATION_DAY + dt.timedelta(days=back_dte)
    structure = calendar(strike, Right(right.upper()), front, back)
    ivs = {front: front_iv, back: back_iv}

    def surface(k: float, expiry: dt.date) -> float:
        return ivs[expiry]

    cal = CalendarBEMethod(be_method.upper())
    band = calendar_breakevens(structure, valuation=_VALUATION, spot=spot, surface=surface,
                               entry_value_pts=debit, method=cal, horizon_days=horizon_days,
                               r=r, costs_pts=costs)
    entry = float(band.notes["entry_value_pts"])
    book = leg_book(structure, surface, smile=True, atm_spot=spot)
    max_loss = entry + costs - min(float(book.value_pts(s, expiry_close(front), r, 0.0))
                                   for s in (spot * 0.5, spot * 2.0))
    rows = [("lower breakeven", _fmt(band.lower)), ("upper breakeven", _fmt(band.upper)),
            ("width", _fmt(band.width_pts)), ("debit (pts/unit)", _fmt(entry)),
            ("max profit on the line (pts/unit)", _fmt(band.max_profit_pts)),
            ("max loss at front expiry, far tails (pts/unit)", _fmt(max_loss)),
            ("method", cal.value), ("horizon", str(band.horizon)), ("IV", band.notes["iv"])]
    if band.reason:
        rows.append(("note", band.reason))
    probs = _probabilities(spot, band.lower, band.upper, front_iv, front_dte,
                           BECalcMethod(method.upper()), r, seed)
    _print(f"{right.upper()} calendar {strike:g}, {front_dte:g}/{back_dte:g} DTE", rows, probs)


_COMMON = [
    click.option("--costs", type=float, default=0.0, show_default=True,
                 help="Commissions + slippage per unit, points (move breakevens inwards)."),
    click.option("--method", default="THEORETICAL", show_default=True,
                 type=click.Choice(["THEORETICAL", "MONTE_CARLO"], case_sensitive=False),
                 help="Probability model."),
    click.option("--r", "r", type=float, default=0.0, show_default=True, help="Rate, per year."),
    click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo seed."),
]


def _with_common(func: Any) -> Any:
    for option in reversed(_COMMON):
        func = option(func)
    return func


@click.group("breakeven")
def breakeven() -> None:
    """Breakevens, max profit/loss and probabilities of an ad-hoc position."""


@breakeven.command("ironfly")
@click.option("--spot", type=float, required=True, help="Index level, points.")
@click.option("--centre", type=float, required=True, help="Short strike, points.")
@click.option("--wing", type=float, required=True, help="Wing distance from centre, points.")
@click.option("--credit", type=float, required=True, help="Net credit per unit, points.")
@click.option("--vol", type=float, default=None, help="Volatility (0.14 = 14%) for probabilities.")
@click.option("--dte", type=float, default=None, help="Calendar days to expiry.")
@click.option("--wings", default="INCLUDE", show_default=True,
              type=click.Choice([m.value for m in IronFlyBEWings], case_sensitive=False))
@click.option("--wing-cost", type=float, default=None, help="Both wings' premium (EXCLUDE/WEIGHTED).")
@_with_common
@reports_errors
def ironfly_cmd(**kwargs: Any) -> None:
    """A short iron fly: breakevens K -/+ (credit - costs), max profit and loss."""
    run_ironfly(**kwargs)


@breakeven.command("calendar")
@click.option("--spot", type=float, required=True, help="Index level, points.")
@click.option("--strike", type=float, required=True, help="Strike of both legs, points.")
@click.option("--right", default="CE", show_default=True, type=click.Choice(["CE", "PE"]))
@click.option("--front-dte", type=float, required=True, help="Days to the short leg's expiry.")
@click.option("--back-dte", type=float, required=True, help="Days to the long leg's expiry.")
@click.option("--front-iv", type=float, required=True, help="Short leg IV (fraction).")
@click.option("--back-iv", type=float, required=True, help="Long leg IV (fraction).")
@click.option("--debit", type=float, default=None, help="Debit paid per unit (default: model value).")
@click.option("--be-method", default="T+0", show_default=True,
              type=click.Choice([m.value for m in CalendarBEMethod], case_sensitive=False))
@click.option("--horizon-days", type=float, default=None, help="T+N: days ahead (default: front expiry).")
@_with_common
@reports_errors
def calendar_cmd(**kwargs: Any) -> None:
    """A long calendar (sell front, buy back, same strike): breakevens by root finding."""
    run_calendar(**kwargs)


@breakeven.command("file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reports_errors
def file_cmd(path: Path) -> None:
    """A position from a YAML file (``kind: ironfly`` or ``kind: calendar``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PosbtError(f"not valid YAML: {exc}", place=str(path)) from None
    if not isinstance(data, dict):
        raise PosbtError("expected a mapping with a 'kind' key", place=str(path))
    kind = str(data.pop("kind", "")).lower()
    runners: dict[str, Callable[..., None]] = {"ironfly": run_ironfly, "calendar": run_calendar}
    if kind not in runners:
        raise PosbtError(f"kind must be ironfly or calendar, got {kind!r}", place=f"{path}: kind")
    try:
        inspect.signature(runners[kind]).bind(**data)
    except TypeError as exc:
        raise PosbtError(f"unknown or missing key: {exc}", place=str(path)) from None
    runners[kind](**data)
