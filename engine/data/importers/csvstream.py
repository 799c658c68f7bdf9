"""Streaming CSV reading for importers: header checks, quirks, truncation, line numbers.

Stage: data ingestion. A file is read one row at a time (never whole). Quirks handled:
UTF-8 BOM, space-padded header names (``Date ,Open ``), a trailing comma on the header
and on every row (old NSE bhavcopy). Fatal problems (empty file, missing header columns,
a truncated last line) raise ``ImportRejectedError``; a row with the wrong number of
fields is a rejected row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from engine.data.importers.report import ImportReport
from engine.errors import ImportRejectedError


class _Lines:
    """Iterates the lines of a text file, remembering whether the last ended in a newline."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.last_ended_newline = True

    def __iter__(self) -> Iterator[str]:
        for line in self.fh:
            self.last_ended_newline = line.endswith(("\n", "\r"))
            yield line


class CsvStream:
    """One CSV file: its normalised header and its rows with line numbers."""

    def __init__(self, path: str | Path, report: ImportReport, *, delimiter: str = ",") -> None:
        self.path = Path(path)
        self.report = report
        self._fh = open(self.path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._lines = _Lines(self._fh)
        self._reader = csv.reader(self._lines, delimiter=delimiter)
        try:
            raw = next(self._reader, None)
            while raw is not None and not any(cell.strip() for cell in raw):
                raw = next(self._reader, None)
        except BaseException:  # undecodable bytes, a NUL: the caller names it; no open handle
            self.close()
            raise
        if raw is None:
            self.close()
            raise ImportRejectedError("empty file (no header line)", place=f"{self.path}:1")
        self.header_line = self._reader.line_num
        names = [cell.strip() for cell in raw]
        self.trailing_empty = 0
        while names and names[-1] == "":
            names.pop()
            self.trailing_empty += 1
        self.header: list[str] = names
        self.last_line = 0
        self.index = {name: i for i, name in enumerate(names)}

    def place(self, line: int | None = None) -> str:
        """``file:line`` for messages."""
        return f"{self.path}:{line if line is not None else self.header_line}"

    def require(self, columns: Sequence[str], layout: str) -> None:
        """Reject the file unless every one of ``columns`` is in the header."""
        missing = [c for c in columns if c not in self.index]
        if missing:
            raise ImportRejectedError(
                f"header is not a {layout} header: missing column(s) {', '.join(missing)} "
                f"(found: {', '.join(self.header) or 'nothing'})", place=self.place())

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, fields) of each data row of the right width; blank lines are skipped.

        A row of the wrong width is a rejected row, except when it is the last line and
        the file does not end in a newline: that is a truncated file, rejected whole.
        """
        width = len(self.header)
        pending: tuple[int, list[str]] | None = None
        for fields in self._reader:
            line = self._reader.line_num
            if not fields or not any(f.strip() for f in fields):
                continue
            if pending is not None:
                yield from self._checked(pending, width, last=False)
            pending = (line, fields)
        if pending is not None:
            yield from self._checked(pending, width, last=True)

    def _checked(self, item: tuple[int, list[str]], width: int,
                 *, last: bool) -> Iterator[tuple[int, list[str]]]:
        line, fields = item
        self.report.rows_read += 1
        self.last_line = line
        if [f.strip().lstrip("\ufeff") for f in fields[:len(self.header)]] == self.header:
            self.report.reject(line, "the header line repeats here (two files joined into "
                                     "one?): not data; the rows after it are read as this layout")
            return
        cut_short = self.trailing_empty > 0 and len(fields) == width
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing comma(s)
        if last and cut_short and not self._lines.last_ended_newline:
            raise ImportRejectedError(
                "truncated file: the last line lacks the trailing comma every line of this "
                "layout has, and has no line end", place=self.place(line))
        if len(fields) == width:
            yield line, fields
            return
        if last and not self._lines.last_ended_newline:
            raise ImportRejectedError(
                f"truncated file: the last line has {len(fields)} of {width} fields and no "
                "line end", place=self.place(line))
        self.report.reject(line, f"expected {width} fields, got {len(fields)}")

    def check_truncated_tail(self) -> None:
        """After reading: a rejected last row on a line with no line end is a truncated file."""
        rejected_last = bool(self.report.rejected) and self.report.rejected[-1].line == self.last_line
        if rejected_last and not self._lines.last_ended_newline:
            raise ImportRejectedError(
                f"truncated file: the last line is incomplete "
                f"({self.report.rejected[-1].reason}) and has no line end",
                place=self.place(self.last_line))

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> CsvStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
