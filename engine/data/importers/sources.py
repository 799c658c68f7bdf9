"""Record sources for mapped imports: a CSV or Parquet file read as (line, record) pairs.

Stage: data ingestion. CSV goes through ``CsvStream`` (quirks, truncation); Parquet is
read in record batches (``pyarrow.parquet.ParquetFile.iter_batches``), never whole; its
"line" is the 1-based row number.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.report import ImportReport
from engine.errors import ImportRejectedError


class RecordSource:
    """Header names and records of a CSV or Parquet file."""

    def __init__(self, path: str | Path, report: ImportReport, *, delimiter: str = ",") -> None:
        self.path = Path(path)
        self.report = report
        self.is_parquet = self.path.suffix.lower() in (".parquet", ".pq")
        self._csv: CsvStream | None = None
        if self.is_parquet:
            try:
                self._pq = pq.ParquetFile(self.path)
            except Exception as exc:  # pyarrow raises several types for a bad file
                raise ImportRejectedError(f"not a readable Parquet file: {exc}",
                                          place=str(self.path)) from None
            self.header = list(self._pq.schema_arrow.names)
        else:
            self._csv = CsvStream(self.path, report, delimiter=delimiter)
            self.header = self._csv.header

    def place(self, line: int | None = None) -> str:
        """``file:line`` (CSV) or ``file:row N`` (Parquet) for messages."""
        if self._csv is not None:
            return self._csv.place(line)
        return f"{self.path}" if line is None else f"{self.path}:row {line}"

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line, {column: value}) for every data row."""
        if self._csv is not None:
            names = self._csv.header
            for line, fields in self._csv.rows():
                yield line, dict(zip(names, fields, strict=True))
            return
        n = 0
        for batch in self._pq.iter_batches(batch_size=10_000):
            for record in batch.to_pylist():
                n += 1
                self.report.rows_read += 1
                yield n, record

    def finish(self) -> None:
        """After reading: reject a truncated CSV (incomplete last line, no line end)."""
        if self._csv is not None:
            self._csv.check_truncated_tail()

    def close(self) -> None:
        """Release the file."""
        if self._csv is not None:
            self._csv.close()

    def __enter__(self) -> RecordSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
