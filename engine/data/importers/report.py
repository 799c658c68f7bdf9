"""The import report: what one file gave the store, and what it refused and why.

Stage: data ingestion (the result every importer returns and the CLI prints).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.workbook.text import csv_field


@dataclass(frozen=True)
class Rejection:
    """One refused row: where it is (file and line) and why."""

    file: str
    line: int
    reason: str


@dataclass
class ImportReport:
    """Outcome of importing one file (one transaction).

    ``rows_read`` counts data rows (header excluded); ``inserted`` and ``skipped`` are per
    table (skipped = offered but already stored; replaced = stored rows this file
    replaced, counted apart from inserted); ``ignored`` counts rows that are valid
    but out of scope (stock contracts, untraded contracts) by reason; ``notes`` are
    remarks on how values were derived.
    """

    file: str
    kind: str
    rows_read: int = 0
    inserted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    differing: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        """Record a refused row."""
        self.rejected.append(Rejection(self.file, line, reason))

    def ignore(self, reason: str) -> None:
        """Count a valid row that this importer does not load."""
        self.ignored[reason] = self.ignored.get(reason, 0) + 1

    def note(self, text: str) -> None:
        """Add a remark once."""
        if text not in self.notes:
            self.notes.append(text)

    @property
    def total_inserted(self) -> int:
        """Rows inserted over all tables."""
        return sum(self.inserted.values())

    def summary(self) -> str:
        """One line: file, rows read, inserted/skipped per table, rejected count."""
        ins = ", ".join(f"{t} +{n}" for t, n in sorted(self.inserted.items())) or "nothing"
        if self.replaced:
            ins += "; replaced " + ", ".join(f"{t} {n}" for t, n in sorted(self.replaced.items()))
        skip = sum(self.skipped.values())
        ign = sum(self.ignored.values())
        return (f"{self.file}: {self.kind}, {self.rows_read} rows read; inserted {ins}; "
                f"{skip} already stored; {ign} ignored; {len(self.rejected)} rejected")


def write_reports_csv(reports: Iterable[ImportReport], path: str | Path,
                      rejected_files: Iterable[tuple[str, str]] = ()) -> int:
    """Write every rejected row of ``reports`` as CSV (file,line,reason), then each whole
    rejected file as (file, "", reason); returns the number of lines written."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "line", "reason"])
        for report in reports:
            for rej in report.rejected:
                writer.writerow([csv_field(rej.file), rej.line, csv_field(rej.reason)])
                n += 1
        for file, reason in rejected_files:
            writer.writerow([csv_field(file), "", f"file rejected: {reason}"])
            n += 1
    return n
