"""Errors of the domain stage (contract master, trading calendar, expiries).

Both are ``PosbtError`` subclasses, so the CLI prints them without a traceback; each
names its place (a data file and line, or the symbol and date asked about).
"""

from __future__ import annotations

from engine.errors import PosbtError


class ContractError(PosbtError):
    """The contract master has no answer (unknown symbol, date before its first row, bad row)."""


class CalendarError(PosbtError):
    """The trading calendar cannot answer (bad holiday file, non-trading day asked for)."""
