"""Importers: real market files (NSE bhavcopy, India VIX, vendor minute CSVs, mapped
tables, events) turned into rows of the canonical schema.

Stage: data ingestion, before enrichment and features. Each importer streams its file,
validates it row by row, loads it in one store transaction and returns an
``ImportReport`` (rows read, inserted per table, skipped as already stored, rejected rows
with line and reason). A file with a fatal problem raises ``ImportRejectedError`` and
leaves the store unchanged.
"""

from engine.data.importers.bhavcopy import import_bhavcopy
from engine.data.importers.events import import_events
from engine.data.importers.minute import import_minute
from engine.data.importers.report import ImportReport, Rejection
from engine.data.importers.spot import import_spot
from engine.data.importers.table import import_table
from engine.data.importers.tickers import ParsedTicker, TickerKind, parse_ticker
from engine.data.importers.vix import import_vix

__all__ = [
    "ImportReport",
    "ParsedTicker",
    "Rejection",
    "TickerKind",
    "import_bhavcopy",
    "import_events",
    "import_minute",
    "import_spot",
    "import_table",
    "import_vix",
    "parse_ticker",
]
