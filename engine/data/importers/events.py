"""Event calendar importer: budget, policy and election days with blackout flags -> events.

Stage: data ingestion (read by the strategy's entry and adjustment blackouts). Layout::

    date,symbol,name,blackout_entry,blackout_adjustment
    2025-02-01,*,Union Budget,true,true

``symbol`` ``*`` means every symbol. Dates are ISO (``2025-02-01``), ``01-Feb-2025`` or
``01/02/2025`` (day first). The blackout columns are optional: entry defaults to true and
adjustment to false, as in the schema.
"""

from __future__ import annotations

from pathlib import Path

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.fields import RowError, parse_bool, parse_date
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.store import Store

EVENT_COLUMNS = ("date", "symbol", "name")
EVENT_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d/%m/%Y")


def import_events(store: Store, path: str | Path) -> ImportReport:
    """Import an events CSV in one transaction."""

    def body(sink: RowSink, report: ImportReport) -> None:
        with CsvStream(path, report) as csv_in:
            csv_in.header = [h.lower() for h in csv_in.header]
            csv_in.index = {h: i for i, h in enumerate(csv_in.header)}
            csv_in.require(EVENT_COLUMNS, "events")
            idx = csv_in.index
            for line, fields in csv_in.rows():
                try:
                    row = {
                        "date": parse_date(fields[idx["date"]], "date", EVENT_DATE_FORMATS),
                        "symbol": fields[idx["symbol"]].strip().upper(),
                        "name": fields[idx["name"]].strip(),
                        "blackout_entry": _flag(fields, idx, "blackout_entry", True),
                        "blackout_adjustment": _flag(fields, idx, "blackout_adjustment", False),
                    }
                    if not row["symbol"] or not row["name"]:
                        raise RowError("symbol and name must not be empty")
                except RowError as exc:
                    report.reject(line, str(exc))
                    continue
                sink.add("events", row, line)
            csv_in.check_truncated_tail()

    return run_import(store, path, "events", body)


def _flag(fields: list[str], idx: dict[str, int], column: str, default: bool) -> bool:
    i = idx.get(column)
    if i is None or not fields[i].strip():
        return default
    return parse_bool(fields[i], column)
