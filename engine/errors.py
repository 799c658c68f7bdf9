"""Error types shared by every stage; each carries the place it refers to.

A place is where a user can look: a file and line, a sheet and cell, a YAML path,
a mapping key or a store table. The CLI prints ``str(error)`` and exits non-zero;
it never shows a traceback for a ``PosbtError``.
"""

from __future__ import annotations


class PosbtError(Exception):
    """Base class for errors that are the user's to fix (bad input, missing data)."""

    def __init__(self, message: str, *, place: str | None = None) -> None:
        self.message = message
        self.place = place
        super().__init__(f"{place}: {message}" if place else message)


class StoreError(PosbtError):
    """The market-data store cannot do what was asked (missing, locked, corrupt)."""


class StoreLockedError(StoreError):
    """Another process holds the DuckDB file for writing."""


class ImportRejectedError(PosbtError):
    """A whole input file was rejected; nothing from it reached the store."""


class DataMissingError(PosbtError):
    """The store has no data for what was asked (symbol, range, contract)."""


class DiskFullError(PosbtError):
    """The disk filled up during a write; the previous state was kept."""


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (an OSError, or a database error wrapping one) means no space left."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    text = str(exc).lower()
    return "no space left" in text or "disk is full" in text or "not enough space" in text


def disk_message(exc: BaseException, doing: str) -> str:
    """A user's message for an I/O failure while ``doing`` something: "disk full" first
    when that is the cause, else the system's own words."""
    if is_disk_full(exc):
        return (f"disk full while {doing}; the previous state was kept: free some space "
                "and run again")
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot finish {doing}: {detail}"
