"""Reading the next minute CSV while this one is stored: a folder import on every core.

Stage: data ingestion, around ``minute.import_minute`` when several CSV files are
imported in a row (``posbt data import minute FOLDER``, ``benchmarks/import.py``). A
file's columnar import has two halves: the read (pyarrow's CSV parse, the parsing of the
distinct tickers and stamps, the file's sha256, and the checks of every batch whose
tickers name their expiry, on a DuckDB connection of the reader's own:
``minute_columnar.read_file``) needs only the file and the mapping; the rest (expiries
from the store, the checks of the other batches, insert, commit, checkpoint) runs on the
store's connection. The two halves cost about the same, so while file N is stored, file
N+1 is read on one background thread; the tickers parsed are kept from file to file.

Rules:
- at most one file is read ahead (memory: the file being stored and the one being read);
- the files are still stored one at a time in their order, one transaction each, by the
  caller's thread: the read ahead only hands over the parsed batches;
- a read that failed raises its error when its file's turn comes, where the import would
  have raised it, so the file is rejected with its name and the store left unchanged;
- a file asked for out of turn (a zip member extracted to a temporary path, a file with
  another mapping) is read by the caller as before, and the read ahead goes on from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import duckdb

from engine.data.importers.mapping import Mapping
from engine.data.importers.minute import import_minute, minute_mapping
from engine.data.importers.minute_columnar import FileRead, TickerCache, read_file
from engine.data.importers.report import ImportReport
from engine.data.store import Store
from engine.errors import ImportRejectedError

ImportOne = Callable[[Store, Path], ImportReport]


class ReadAhead:
    """Reads ``paths`` (in this order) one file ahead of the import, with ``spec``."""

    def __init__(self, paths: Sequence[Path], spec: Mapping) -> None:
        self.paths = [Path(p) for p in paths if Path(p).suffix.lower() == ".csv"]
        self.spec = spec
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posbt-read-ahead")
        self._con = duckdb.connect()  # the reading thread's own, for the checks (no store)
        self._tickers: TickerCache = {}  # parsed tickers, kept from file to file
        self._pending: tuple[Path, Future[FileRead]] | None = None
        self._next = 0  # index in paths of the first file not yet asked for
        self.taken = 0  # files whose read was done ahead (for tests and figures)

    def __call__(self, path: Path, spec: Mapping) -> FileRead | None:
        """The read of ``path`` done ahead (waiting for it to end; its error raised), or
        None when ``path`` was not read ahead; then the next file's read begins."""
        pending, self._pending = self._pending, None
        try:
            if pending is not None and pending[0] == Path(path) and spec == self.spec:
                self.taken += 1
                return pending[1].result()
            if pending is not None:  # not claimed: let it end unused
                pending[1].cancel()
            return None
        finally:
            self._advance(Path(path))

    def _advance(self, path: Path) -> None:
        try:
            i = self.paths.index(path, self._next)
        except ValueError:
            return
        self._next = i + 1
        if self._next < len(self.paths):
            following = self.paths[self._next]
            self._pending = (following, self._pool.submit(read_file, following, self.spec,
                                                          self._con, self._tickers))

    def close(self) -> None:
        """Stop reading ahead (a read under way ends first; its result is dropped)."""
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None
        self._pool.shutdown(wait=True)
        self._con.close()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


@contextmanager
def minute_importer(paths: Sequence[Path], mapping: Mapping | str | Path | None = None, *,
                    replace: bool = False, read_ahead: bool = True) -> Iterator[ImportOne]:
    """``import_minute`` with ``mapping`` for files taken in the order of ``paths``, each
    read one file ahead (``read_ahead``). A mapping that cannot be loaded (or is not a
    minute mapping) turns the read ahead off: each file then reports the mapping's
    problem with its name, as without it."""
    try:
        spec: Mapping | None = minute_mapping(mapping)
    except ImportRejectedError:
        spec = None
    if not read_ahead or spec is None or spec.target != "minute":
        yield lambda store, path: import_minute(store, path, mapping, replace=replace)
        return
    ready = spec
    with ReadAhead(paths, ready) as ahead:
        yield lambda store, path: import_minute(store, path, ready, replace=replace,
                                                ahead=ahead)
