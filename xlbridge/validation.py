"""Validation for Excel: a workbook path, or the config sheets' values sent as JSON.

Excel-side service over the config stage (``engine.config``): the server's
``POST /v1/validate`` and the ribbon's Validate button. The JSON variant wraps the sheets
in a :class:`JsonBook` (the engine's workbook-reader protocol over plain lists), so it
goes through the same ``read_book`` as a file and problems carry the same
``Sheet!A1`` places.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.config.loader import LoadedConfig, load_config, resolve
from engine.config.workbook_source import read_book
from engine.data.store import Store
from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, column_letter

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


def _cell_value(v: Any) -> Any:
    """JSON has no dates: ISO date / timestamp text becomes a datetime, as Excel gives it."""
    if isinstance(v, str):
        text = v.strip()
        if _ISO_DATE.match(text) or _ISO_STAMP.match(text):
            return dt.datetime.fromisoformat(text)
    return v


class JsonBook:
    """The workbook-reader protocol over ``{sheet: [[row values], ...]}`` (row 1 first).

    A value that is a string starting with ``=`` is a formula without a computed value.
    """

    def __init__(self, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        self._sheets = {str(k): [list(r) for r in v] for k, v in sheets.items()}

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def sheet_info(self, name: str) -> SheetInfo:
        return SheetInfo(name=name)

    def rows(self, name: str) -> list[list[Cell]]:
        out: list[list[Cell]] = []
        for r, row in enumerate(self._sheets[name], start=1):
            cells = []
            for c, raw in enumerate(row, start=1):
                formula = raw if isinstance(raw, str) and raw.startswith("=") else None
                cells.append(Cell(row=r, col=c, address=f"{column_letter(c)}{r}",
                                  value=None if formula else _cell_value(raw), formula=formula))
            out.append(cells)
        return out


def problem_rows(loaded: LoadedConfig) -> list[dict[str, Any]]:
    """Every problem as ``{place, message, excel_name, severity}``, errors first."""
    report = loaded.report
    return [{"place": p.place, "message": p.message, "excel_name": p.excel_name,
             "severity": p.severity} for p in [*report.errors, *report.warnings]]


def validate_path(path: Path, store: Store | None = None) -> LoadedConfig:
    """Validate a config file (never raises for config problems; they are in the report)."""
    return load_config(path, store=store, strict=False)


def validate_sheets(sheets: Mapping[str, Sequence[Sequence[Any]]], source: str = "workbook",
                    store: Store | None = None) -> LoadedConfig:
    """Validate config sheets given as values (what a live book or a JSON client sends)."""
    if not sheets:
        raise PosbtError("no sheets given", place="sheets")
    return resolve(read_book(JsonBook(sheets), source), None, store)
