"""Request bodies of the local server's JSON API (pydantic; strict about unknown fields).

Server stage; the OpenAPI schema at ``/openapi.json`` is generated from these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
