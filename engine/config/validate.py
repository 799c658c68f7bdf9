"""Validation of one merged strategy dict: types and ranges (pydantic), cross-field
checks, "not yet acted on" warnings and lookback sufficiency against the store.

Config stage, right after the merge. Every finding becomes a :class:`Problem` whose
place comes from the sources' :class:`~engine.config.paths.Places` and whose Excel
name comes from the registry. ``model_validate`` runs once per merged dict.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from datetime import date, time, timedelta
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.config.checks import cross_field_findings
from engine.config.models.strategy import StrategyConfig
from engine.config.paths import Places, excel_name_for, known_keys, model_at
from engine.config.problems import Problem
from engine.config.registry import ParamInfo, Sheet, is_acted_on, params
from engine.data.store import Store

_NUMBER = {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float",
           "finite_number"}
_BOUND = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
          "less_than": "<"}


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"{value}"


def friendly(err: ErrorDetails) -> str:
    """A one-line message for a pydantic error, in the user's terms."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind in _NUMBER:
        whole = "whole " if kind.startswith("int") else ""
        return f"expected a {whole}number, got {_shown(value)}"
    if kind in _BOUND:
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")))
        return f"must be {_BOUND[kind]} {bound:g}, got {_shown(value)}"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of {expected}, got {_shown(value)}"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"expected TRUE or FALSE, got {_shown(value)}"
    if kind.startswith("time"):
        return f"expected a time of day HH:MM, got {_shown(value)}"
    if kind.startswith("date"):
        return f"expected a date (a date cell or YYYY-MM-DD), got {_shown(value)}"
    if kind == "missing":
        return "is required"
    if kind == "rule_type":
        return f"{err['msg']}, got {_shown(value)}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def _extra_message(loc: tuple[str | int, ...]) -> str:
    key = str(loc[-1])
    model = model_at(loc[:-1])
    hint = ""
    if model is not None:
        close = difflib.get_close_matches(key, known_keys(model), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown parameter {key!r}{hint}"


def _type_problems(exc: ValidationError, places: Places) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            message = _extra_message(loc)
            name = None
        else:
            message, name = friendly(err), excel_name_for(loc)
        out.append(Problem(places.find(loc), message, name))
    return out


@cache
def _unacted(sheet: Sheet) -> tuple[tuple[ParamInfo, Any], ...]:
    """The optional parameters of ``sheet`` nothing acts on yet, with their JSON defaults
    (computed once, not per strategy: a 10,000-strategy file asks 10,000 times)."""
    return tuple((p, _json(p.default)) for p in params(sheet)
                 if not p.required and not is_acted_on(p))


@cache
def _positional_getter() -> tuple[Callable[[Any], tuple[Any, ...]], tuple[Any, ...]]:
    """One call that reads all of :func:`_unacted` ``(Sheet.POSITIONAL)`` off a config
    (as a tuple), and their defaults as the model holds them."""
    unacted = _unacted(Sheet.POSITIONAL)
    many = attrgetter(*(".".join(p.path) for p, _ in unacted)) if unacted else None

    def getter(cfg: Any) -> tuple[Any, ...]:
        if many is None:
            return ()
        got = many(cfg)
        return got if len(unacted) > 1 else (got,)
    return getter, tuple(p.default for p, _ in unacted)


def _not_acted_on(cfg: StrategyConfig, places: Places) -> list[Problem]:
    """Warnings for parameters set away from their default that nothing acts on yet."""
    out: list[Problem] = []
    items: list[tuple[tuple[str | int, ...], ParamInfo, Any, Any]] = []
    getter, raw_defaults = _positional_getter()
    raw_values = getter(cfg)
    if raw_values != raw_defaults:  # most strategies leave them all at their defaults
        for (p, default), raw, raw_default in zip(_unacted(Sheet.POSITIONAL), raw_values,
                                                  raw_defaults, strict=True):
            if raw == raw_default:  # equal values have equal JSON forms
                continue
            value = _json(raw)
            if value == default and not isinstance(value, list):  # _same, asked quickly
                continue
            items.append((p.path, p, value, default))
    for sheet, key in ((Sheet.LEG, "legs"), (Sheet.ADJUSTMENT, "adjustment_rules")):
        unacted = _unacted(sheet)
        if not unacted:
            continue
        for i, row in enumerate(getattr(cfg, key)):
            for p, default in unacted:
                if _has_attr(row, p.path):
                    items.append(((key, i, *p.path), p, _json(_attr(row, p.path)), default))
    for path, p, value, default in items:
        if _same(value, default):
            continue
        out.append(Problem(places.find(path), "accepted, not yet acted on by the engine "
                           f"(set to {_shown(value)})", p.excel_name, "warning"))
    return out


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


def _attr(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = getattr(obj, key)
    return obj


def _has_attr(obj: Any, path: tuple[str, ...]) -> bool:
    """Whether ``path`` leads through models' fields (an adjustment rule type has only
    its own fields; a sub-model left None has none)."""
    for key in path:
        if not isinstance(obj, BaseModel) or key not in type(obj).model_fields:
            return False
        obj = getattr(obj, key)
    return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return [str(x) for x in a] == [str(x) for x in b]
    return bool(a == b)


def _lookback(cfg: StrategyConfig, store: Store, places: Places) -> list[Problem]:
    """Warn when the store holds fewer daily closes before the start than a lookback needs."""
    vf = cfg.volatility_filter
    needs = {("volatility_filter", "ivp_lookback"): vf.ivp_lookback if vf.use_ivp else 0,
             ("volatility_filter", "ivr_lookback"): vf.ivr_lookback if vf.use_ivr else 0,
             ("volatility_filter", "atr_lookback"):
                 vf.atr_lookback + vf.atr_period if vf.use_atr_percentile else 0,
             ("volatility_filter", "hv_lookback"): vf.hv_lookback if vf.use_hv else 0}
    start = cfg.backtest.start_date
    if start is None:
        return []
    rows = store.query("daily_closes", {
        "symbol": cfg.backtest.symbol.value, "vix_symbol": cfg.vix_config.vix_symbol,
        "date_from": date(1900, 1, 1), "date_to": start - timedelta(days=1)}).num_rows
    out = []
    for path, need in needs.items():
        if need > rows:
            name = excel_name_for(path)
            out.append(Problem(places.find(path), f"needs {need} daily closes before StartDate "
                               f"({start}); the store has {rows} for {cfg.backtest.symbol}",
                               name, "warning"))
    return out


_INTERVAL_MINUTES = {"m": 1, "h": 60, "d": 1440}


def _bar_minutes(interval: str) -> int:
    """``"5m"`` -> 5, ``"1h"`` -> 60, ``"1d"`` -> 1440 (the store's bar_minutes)."""
    return int(interval[:-1]) * _INTERVAL_MINUTES[interval[-1]]


def _window(cfg: StrategyConfig, store: Store, places: Places) -> list[Problem]:
    """StartDate/EndDate outside the store's bars for the strategy's symbol and interval,
    at the cell (or line) that holds them."""
    bt = cfg.backtest
    if bt.start_date is None and bt.end_date is None:
        return []
    row = store.query("spot_range", {"symbol": bt.symbol.value,
                                     "bar_minutes": _bar_minutes(bt.bar_interval.value)}
                      ).to_pylist()[0]
    first, last = row["first_ts"], row["last_ts"]
    if first is None:  # no bars at all: the run says "no data" for the symbol
        return []
    held = (f"the store holds {bt.symbol} {bt.bar_interval} bars from {first.date()} to "
            f"{last.date()}")
    out = []
    if bt.start_date is not None and bt.start_date < first.date():
        out.append(Problem(places.find(("backtest", "start_date")),
                           f"StartDate {bt.start_date} is before the data: {held}; set a later "
                           "StartDate or leave it blank", excel_name_for(("backtest", "start_date"))))
    if bt.end_date is not None and bt.end_date > last.date():
        out.append(Problem(places.find(("backtest", "end_date")),
                           f"EndDate {bt.end_date} is after the data: {held}; set an earlier "
                           "EndDate or leave it blank", excel_name_for(("backtest", "end_date")),
                           "warning"))
    return out


_NUMERIC_KINDS = ("int", "float", "float_or_dynamic")


@cache
def _numeric(sheet: Sheet) -> dict[tuple[str, ...], ParamInfo]:
    return {p.path: p for p in params(sheet) if p.kind in _NUMERIC_KINDS}


# Leaves that are not booleans, told apart without the Mapping ABC check (slow, and asked
# once a value of a 10,000-strategy file).
_NOT_BOOL = (str, float, type(None), date, time)


def _bool_leaves(obj: Any, path: tuple[str | int, ...] = ()
                 ) -> list[tuple[tuple[str | int, ...], bool]]:
    """Every boolean in ``obj`` with its path, depth first in key order."""
    out: list[tuple[tuple[str | int, ...], bool]] = []
    _collect_bools(obj, path, out)
    return out


def _collect_bools(obj: Any, path: tuple[str | int, ...],
                   out: list[tuple[tuple[str | int, ...], bool]]) -> None:
    if isinstance(obj, bool):
        out.append((path, obj))
    elif isinstance(obj, _NOT_BOOL) or type(obj) is int:
        return
    elif isinstance(obj, dict | Mapping):
        for k, v in obj.items():
            t = type(v)
            if t is bool:
                out.append(((*path, k), v))
            elif t is not str and t is not float and t is not int and v is not None:
                _collect_bools(v, (*path, k), out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _collect_bools(v, (*path, i), out)


@lru_cache(maxsize=1 << 16)
def _numeric_at(path: tuple[str | int, ...]) -> ParamInfo | None:
    """The numeric parameter at raw ``path``, if it is one (cached: every strategy of a big
    file holds booleans at the same few dozen paths)."""
    sheet, rest = Sheet.POSITIONAL, path
    if len(path) > 2 and path[0] in ("legs", "adjustment_rules") and isinstance(path[1], int):
        sheet = Sheet.LEG if path[0] == "legs" else Sheet.ADJUSTMENT
        rest = path[2:]
    return _numeric(sheet).get(tuple(str(k) for k in rest))


def _booleans_in_numbers(data: Mapping[str, Any], places: Places) -> list[Problem]:
    """TRUE/FALSE (YAML ``true``) where a number belongs: pydantic would read it as 1/0.
    One walk over the (small) dict; only its booleans are looked up in the registry."""
    out: list[Problem] = []
    for path, value in _bool_leaves(data):
        p = _numeric_at(path)
        if p is not None:
            out.append(Problem(places.find(path), f"expected a number, got {str(value).lower()}",
                               p.excel_name))
    return out


def validate_strategy(data: Mapping[str, Any], places: Places, store: Store | None = None
                      ) -> tuple[StrategyConfig | None, list[Problem]]:
    """Validate one merged strategy dict once; return the config (None on errors) and all
    problems (errors and warnings) with places."""
    booleans = _booleans_in_numbers(data, places)
    if booleans:
        return None, booleans
    try:
        cfg = StrategyConfig.model_validate(dict(data))
    except ValidationError as exc:
        return None, _type_problems(exc, places)
    problems = [Problem(places.find(path), msg, excel_name_for(path), sev)
                for path, msg, sev in cross_field_findings(cfg)]
    problems += _not_acted_on(cfg, places)
    if store is not None:
        problems += _window(cfg, store, places)
        problems += _lookback(cfg, store, places)
    ok = not any(p.severity == "error" for p in problems)
    return (cfg if ok else None), problems
