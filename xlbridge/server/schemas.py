"""Request bodies of the local server's JSON API (pydantic; strict about unknown fields).

Server stage; the OpenAPI schema at ``/openapi.json`` is generated from these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engine.analytics.sweep import MAX_VARIANTS
from engine.errors import PosbtError
from xlbridge.server.security import MAX_PATH_CHARS


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValidateRequest(_Body):
    """A workbook/YAML path on this machine, or the config sheets' values."""

    path: str | None = Field(None, max_length=MAX_PATH_CHARS,
                             description="absolute path of an .xlsx/.xlsm/.yaml file")
    sheets: dict[str, list[list[Any]]] | None = Field(
        None, description="sheet name -> rows of cell values, row 1 first")
    source: str = Field("workbook", max_length=200, description="name used in places")

    @model_validator(mode="after")
    def _one_of(self) -> ValidateRequest:
        if (self.path is None) == (self.sheets is None):
            raise ValueError("give exactly one of 'path' or 'sheets'")
        return self


class BacktestRequest(_Body):
    """Run the strategies of a config file; results go to ``out`` (default beside it)."""

    path: str = Field(max_length=MAX_PATH_CHARS)
    strategies: list[str] | None = Field(None, max_length=10_000)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    out: str | None = Field(None, max_length=MAX_PATH_CHARS)
    replace: bool = Field(False, description="overwrite ``out`` even when it is not a posbt "
                          "results workbook")


class PriceRequest(_Body):
    """One option to price; ``underlying_pts`` is the forward (black76) or spot (bsm)."""

    model: Literal["black76", "bsm"] = "black76"
    right: Literal["CE", "PE"]
    underlying_pts: float = Field(gt=0)
    strike_pts: float = Field(gt=0)
    t_years: float = Field(ge=0)
    vol: float = Field(gt=0)
    rate: float = 0.065
    div_yield: float = 0.0


class BreakevenRequest(_Body):
    """An iron fly or a calendar to find breakevens of (fields per kind)."""

    kind: Literal["ironfly", "calendar"]
    params: dict[str, float | str] = Field(default_factory=dict)


# -- sweeps and A/B tests (issue 16) --------------------------------------------------------
MAX_SWEPT_PARAMS = 50  # nobody sweeps more; the grid limit bites long before
MAX_SPEC_CHARS = 10_000
MAX_NAME_CHARS = 200
_SPEC_TEXT = "a list 200,400 or an inclusive range start:stop:step (200:600:100)"


def _spec_text(value: Any) -> Any:
    """A number typed in a JSON body (``300``) is the one-value list ``"300"``."""
    if isinstance(value, bool):
        return value  # left for the str check to refuse
    return str(value) if isinstance(value, int | float) else value


class SweepParamSpec(_Body):
    """One swept parameter: an Excel name (``WingWidthPts``) or YAML path and its values."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS,
                      description="PositionalParameter Excel name or YAML path")
    values: str = Field(min_length=1, max_length=MAX_SPEC_CHARS, description=_SPEC_TEXT)

    @field_validator("values", mode="before")
    @classmethod
    def _number_is_text(cls, v: Any) -> Any:
        return _spec_text(v)

    @model_validator(mode="after")
    def _resolves(self) -> SweepParamSpec:
        self.checked()
        return self

    def checked(self) -> Any:
        """The engine's parsed parameter (unknown name, empty range, a value out of bounds:
        a ValueError with the engine's message)."""
        from engine.analytics.sweep import sweep_param

        try:
            return sweep_param(self.name, self.values)
        except PosbtError as exc:
            raise ValueError(exc.message) from None


class SweepRequest(_Body):
    """Backtest every variant of a sweep of one strategy; BT_Sweep and BT_SweepStats go to
    ``out`` (default ``<input>_sweep.xlsx`` beside it). Without ``params`` the file's own
    Sweep sheet (or ``sweep:`` block) is swept; a file without one is refused (422)."""

    path: str = Field(max_length=MAX_PATH_CHARS)
    strategy: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS,
                                 description="the strategy to sweep (needed when the file "
                                 "has more than one)")
    params: list[SweepParamSpec] | None = Field(
        None, min_length=1, max_length=MAX_SWEPT_PARAMS,
        description="the parameters to sweep; left out, the workbook's Sweep sheet (or the "
        "YAML file's sweep: block) gives them, with its Strategy, Samples, Seed and Workers "
        "rows, as posbt sweep without --param")
    samples: int | None = Field(None, ge=1, le=MAX_VARIANTS, validate_default=True,
                                description="draw this many variants at random (a grid over "
                                f"{MAX_VARIANTS:,} variants needs it)")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    workers: int | None = Field(None, ge=1, le=256, description="worker processes (default: "
                                "the CPUs the server may use)")
    out: str | None = Field(None, max_length=MAX_PATH_CHARS)
    replace: bool = Field(False, description="overwrite ``out`` even when it is not a posbt "
                          "results workbook")

    @field_validator("params")
    @classmethod
    def _each_once(cls, v: list[SweepParamSpec] | None) -> list[SweepParamSpec] | None:
        if v is None:
            return v
        names = [p.checked().excel_name for p in v]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"parameter {', '.join(twice)} is swept twice")
        return v

    @field_validator("samples")
    @classmethod
    def _grid_fits(cls, v: int | None, info: ValidationInfo) -> int | None:
        params = info.data.get("params")
        if v is not None or not params:
            return v
        from engine.analytics.sweep import grid_size

        checked = [p.checked() for p in params]
        total = grid_size(checked)
        if total > MAX_VARIANTS:
            sizes = " x ".join(f"{p.excel_name} {len(p.values):,}" for p in checked)
            raise ValueError(f"the sweep has {total:,} variants ({sizes}); the most a full "
                             f"grid runs is {MAX_VARIANTS:,}: give samples N to draw N of them")
        return v


class ABParamChange(_Body):
    """One parameter of strategy A changed to one value for side B."""

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS,
                      description="PositionalParameter Excel name or YAML path")
    value: str = Field(min_length=1, max_length=MAX_NAME_CHARS)

    @field_validator("value", mode="before")
    @classmethod
    def _number_is_text(cls, v: Any) -> Any:
        return _spec_text(v)

    @model_validator(mode="after")
    def _one_value(self) -> ABParamChange:
        from engine.analytics.sweep import sweep_param

        try:
            p = sweep_param(self.name, self.value)
        except PosbtError as exc:
            raise ValueError(exc.message) from None
        if len(p.values) != 1:
            raise ValueError(f"{p.excel_name}: an A/B test changes a parameter to one value, "
                             f"got {len(p.values)}")
        return self


class ABTestRequest(_Body):
    """A/B test strategy A against B, or against A with ``params`` changed; BT_ABTest and
    BT_ABTestPairs go to ``out`` (default ``<input>_abtest.xlsx`` beside it)."""

    path: str = Field(max_length=MAX_PATH_CHARS)
    strategy_a: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    params: list[ABParamChange] = Field(default_factory=list, max_length=MAX_SWEPT_PARAMS,
                                        description="changes to A that make B (with or "
                                        "without strategy_b)")
    strategy_b: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS,
                                   validate_default=True)
    cycle: Literal["week", "month"] = "week"
    n_resamples: int = Field(9999, ge=99, le=100_000, description="bootstrap and "
                             "permutation resamples")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    out: str | None = Field(None, max_length=MAX_PATH_CHARS)
    replace: bool = False

    @field_validator("strategy_b")
    @classmethod
    def _b_differs(cls, v: str | None, info: ValidationInfo) -> str | None:
        changes = info.data.get("params")
        if changes is None:  # params itself is invalid: that error is enough
            return v
        if v is None and not changes:
            raise ValueError("name strategy_b, or change parameters of strategy_a in params")
        if v == info.data.get("strategy_a") and not changes:
            raise ValueError("strategy_b is strategy_a with no change in params")
        return v
