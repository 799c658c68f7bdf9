"""Workbook source: the config sheets of an .xlsx file read into plain dicts with cells.

Config stage (a source; the loader merges and validates). Reads PositionalParameter
(one column per strategy, or the transposed layout, one row per strategy, detected from
the header), LegParameter, AdjustmentRules, GlobalDefaults and VolatilityOverrides
through the workbook protocol. Structural problems (missing sheet or column, merged
header cells, formulas without values, unknown names, blank rows, hidden sheets) are
reported with their cell; value problems are left to validation, which names the cell.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import date, datetime
from functools import cache
from itertools import compress, repeat
from operator import add, attrgetter, itemgetter, setitem
from pathlib import Path
from typing import Any

from engine.config.layout import GLOBAL_DEFAULTS, POSITIONAL_HEADER, SWEEP, VOL_OVERRIDES
from engine.config.merge import nest
from engine.config.paths import Key
from engine.config.problems import Problem
from engine.config.raw import PlaceMap, RawConfig, RawStrategy, only_defaults
from engine.config.registry import ParamInfo, Sheet, by_excel_name
from engine.workbook.protocol import Cell, SheetGrid, WorkbookReader, column_letter

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND_WORDS = {"int": "a whole number", "float": "a number", "float_or_dynamic":
               "a number or DYNAMIC", "date": "a date", "time": "a time of day HH:MM",
               "enum": "one of the listed choices", "str": "text"}


class _Reader:
    def __init__(self, book: WorkbookReader, raw: RawConfig) -> None:
        self.book, self.raw = book, raw

    def err(self, place: str, msg: str, name: str | None = None, warn: bool = False) -> None:
        self.raw.problems.append(Problem(place, msg, name, "warning" if warn else "error"))

    def value(self, sheet: str, cell: Cell, p: ParamInfo | None) -> tuple[bool, Any]:
        """(usable, value) of a cell for parameter ``p``. The place and Excel name are
        only spelled out for a message (this runs once a cell of a big workbook)."""
        v = cell.value
        if cell.formula is not None and v is None:
            self.err(f"{sheet}!{cell.address}", f"formula {cell.formula} has no computed "
                     "value; open and save the workbook in Excel, or type the value",
                     p.excel_name if p else None)
            return False, None
        if p is None:
            return True, v
        out = _plain_value(v, p)
        if out is not _SAY:
            return True, out
        if p.kind == "date":  # a date typed as text
            return self._date_text(f"{sheet}!{cell.address}", str(v), p.excel_name)
        # TRUE/FALSE in a number cell: pydantic would read TRUE as 1
        self.err(f"{sheet}!{cell.address}", f"expected {_KIND_WORDS.get(p.kind, p.kind)}, "
                 f"got {'TRUE' if v else 'FALSE'}", p.excel_name)
        return False, None

    def _date_text(self, place: str, v: str, name: str) -> tuple[bool, Any]:
        if _ISO.match(v.strip()):
            try:
                day = date.fromisoformat(v.strip())
            except ValueError as exc:  # 2025-02-31 has the shape but is no day
                self.err(place, f"{v.strip()!r} is not a calendar date ({exc})", name)
                return False, None
            self.err(place, f"date typed as text; read as {v.strip()} (format the cell "
                     "as a date)", name, warn=True)
            return True, day
        self.err(place, f"expected a date (a date cell or YYYY-MM-DD), got {v!r}", name)
        return False, None

    def header(self, sheet: str, rows: list[list[Cell]]) -> dict[str, Cell] | None:
        info = self.book.sheet_info(sheet)
        for rng in info.merged_ranges:
            if re.match(r"^[A-Z]+1:", rng):
                self.err(f"{sheet}!{rng.split(':')[0]}", f"merged header cells {rng}: "
                         "unmerge them so every column has its own name")
                return None
        if not rows:
            return {}
        return {str(c.value).strip(): c for c in rows[0] if not c.blank}

    def check_merged(self, sheet: str, read_cols: set[int]) -> None:
        """An error for each merged range below the header that covers a column posbt
        reads: Excel shows the top-left value across it, openpyxl reads the rest empty, so
        a strategy would silently get the default."""
        from engine.workbook.protocol import column_letter

        for rng in self.book.sheet_info(sheet).merged_ranges:
            m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", rng)
            if m is None or m.group(2) == "1":
                continue
            c0, c1 = _col_number(m.group(1)), _col_number(m.group(3))
            r0, r1 = int(m.group(2)), int(m.group(4))
            if not read_cols & set(range(c0, c1 + 1)):
                continue
            hidden = [f"{column_letter(c)}{r}" for r in range(r0, r1 + 1)
                      for c in range(c0, c1 + 1)][1:]
            shown = ", ".join(hidden[:3]) + (" ..." if len(hidden) > 3 else "")
            self.err(f"{sheet}!{m.group(1)}{r0}", f"merged cells {rng} hide the value of "
                     f"{shown} (read as empty): unmerge them and fill each cell")

    def check_hidden(self, sheet: str) -> None:
        if self.book.sheet_info(sheet).hidden:
            self.err(sheet, "sheet is hidden; its values are used", warn=True)


_SAY = object()  # _plain_value: the cell needs a message (an error or a warning)
_BLANK = object()  # _row_values: the cell is blank
_NUMERIC_KINDS = ("int", "float", "float_or_dynamic")


def _plain_value(v: Any, p: ParamInfo) -> Any:
    """What a cell holding ``v`` (no formula) gives parameter ``p``, or _SAY when
    :meth:`_Reader.value` has something to report about it. No place needed, so it can
    be asked once per distinct value of a row rather than once a cell."""
    kind = p.kind
    if kind == "date":
        if isinstance(v, datetime):
            return v.date()
        return _SAY if isinstance(v, str) else v
    if isinstance(v, bool):
        return _SAY if kind in _NUMERIC_KINDS else v
    if (kind == "enum" or kind == "float_or_dynamic") and isinstance(v, str):
        up = v.strip().upper()
        return up if up in p.choices or up == "DYNAMIC" else v.strip()
    return v


_value_of, _formula_of, _address_of, _col_of = (attrgetter("value"), attrgetter("formula"),
                                                attrgetter("address"), attrgetter("col"))


def _row_values(reader: _Reader, sheet: str, cells: tuple[Cell, ...], p: ParamInfo,
                flats: list[dict[tuple[str, ...], Any]], places: list[PlaceMap]) -> bool:
    """Read one PositionalParameter row's strategy ``cells`` (one per strategy column, in
    order) into the columns' ``flats`` and ``places``, as the cell-by-cell loop would
    (blank cells skipped, messages in column order), with the work done once per
    distinct value and C-level maps for the rest. False (nothing read) when a cell holds
    a formula or an unhashable value: the caller then reads the row cell by cell."""
    values = list(map(_value_of, cells))
    if set(map(_formula_of, cells)) != {None}:
        return False
    keys = list(zip(map(type, values), values, strict=True))  # True, 1 and 1.0 kept apart
    try:
        distinct = set(keys)
    except TypeError:
        return False
    outcome = {}
    for key in distinct:
        v = key[1]
        blank = v is None or (isinstance(v, str) and not v.strip())
        outcome[key] = _BLANK if blank else _plain_value(v, p)
    outs = list(map(outcome.__getitem__, keys))
    path, prefix = p.path, sheet + "!"
    if _BLANK in outcome.values() or _SAY in outcome.values():
        mask = [o is not _BLANK and o is not _SAY for o in outs]
        deque(map(setitem, compress(flats, mask), repeat(path), compress(outs, mask)), 0)
        deque(map(setitem, compress(places, mask), repeat(path),
                  map(add, repeat(prefix), map(_address_of, compress(cells, mask)))), 0)
        for i in [i for i, o in enumerate(outs) if o is _SAY]:
            ok, v = reader.value(sheet, cells[i], p)  # says what is wrong, at the cell
            if ok:
                flats[i][path], places[i][path] = v, prefix + cells[i].address
        return True
    deque(map(setitem, flats, repeat(path), outs), 0)
    deque(map(setitem, places, repeat(path), map(add, repeat(prefix), map(_address_of, cells))),
          0)
    return True


def _used_columns(rows: list[list[Cell]], first: int) -> list[int]:
    """The columns from ``first`` on that hold a non-blank cell in any row, in order. In a
    row that is a rectangle from column A (checked), only columns not yet seen are looked
    at: after the header row, usually none."""
    found: set[int] = set()
    for row in rows:
        n = len(row)
        if list(map(_col_of, row)) == list(range(1, n + 1)):
            for col in set(range(first, n + 1)).difference(found):
                if not _blank(row[col - 1]):
                    found.add(col)
        else:
            found.update(c.col for c in row if c.col >= first and not _blank(c))
    return sorted(found)


def _blank(cell: Cell) -> bool:
    """``cell.blank`` spelled out: it runs once a cell of a big workbook."""
    if cell.formula is not None:
        return False
    v = cell.value
    return v is None or (isinstance(v, str) and not v.strip())


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _body(rows: list[list[Cell]], sheet: str, reader: _Reader) -> list[list[Cell]]:
    """Data rows below the header; blank rows inside the table are warned about, skipped."""
    body = rows[1:]
    last = max((i for i, r in enumerate(body) if any(not c.blank for c in r)), default=-1)
    out = []
    for i, row in enumerate(body[: last + 1]):
        if all(c.blank for c in row):
            reader.err(f"{sheet}!A{i + 2}", "blank row inside the table (rows below it are "
                       "still read)", warn=True)
            continue
        out.append(row)
    return out


def _unknown(reader: _Reader, place: str, name: str, sheet: Sheet, warn: bool) -> None:
    close = difflib.get_close_matches(name, list(by_excel_name(sheet)), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    what = "column" if warn else "parameter"
    reader.err(place, f"unknown {what} {name!r}{hint}" + (" (ignored)" if warn else ""),
               warn=warn)


class _ColumnPlaces(MutableMapping[tuple[Key, ...], str]):
    """The places of one PositionalParameter strategy column, spelled out on demand: a
    path the column holds a value for sits at ``<prefix><row>``, its row taken from the
    ``rows`` table all columns share (a big file has millions of places, and only those
    of a problem are ever asked for). Places set explicitly win, and come after the
    column's own in iteration (as later inserts into a dict would)."""

    __slots__ = ("_flat", "_gone", "_own", "_prefix", "_rows")

    def __init__(self, flat: dict[tuple[str, ...], Any], prefix: str,
                 rows: dict[tuple[Key, ...], str]) -> None:
        self._flat, self._prefix, self._rows = flat, prefix, rows
        self._own: dict[tuple[Key, ...], str] = {}
        self._gone: set[tuple[Key, ...]] = set()

    def _lazy(self, path: tuple[Key, ...]) -> str | None:
        row = self._rows.get(path)
        if row is None or path not in self._flat or path in self._gone:
            return None
        return self._prefix + row

    def get(self, path: tuple[Key, ...], default: Any = None) -> Any:
        found = self._own.get(path)
        if found is None:
            found = self._lazy(path)
        return default if found is None else found

    def __getitem__(self, path: tuple[Key, ...]) -> str:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return str(found)

    def __setitem__(self, path: tuple[Key, ...], place: str) -> None:
        self._own[path] = place
        self._gone.discard(path)

    def __delitem__(self, path: tuple[Key, ...]) -> None:
        if path not in self:
            raise KeyError(path)
        self._own.pop(path, None)
        self._gone.add(path)

    def __iter__(self) -> Iterator[tuple[Key, ...]]:
        own = self._own
        lazy = [path for path in self._flat
                if path in own or self._lazy(path) is not None]
        yield from lazy
        seen = set(lazy)
        yield from (path for path in own if path not in seen)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def fix(self, path: tuple[str, ...]) -> None:
        """Spell out the place ``path`` has now (before its row changes in ``rows``)."""
        found = self._lazy(path)
        if found is not None and path not in self._own:
            self._own[path] = found


def _values_row(reader: _Reader, sheet: str, ri: int, columns: list[int],
                values: list[object], col_prefixes: list[str], p: ParamInfo,
                flats: list[dict[tuple[str, ...], Any]], places: list[PlaceMap] | None
                ) -> bool:
    """:func:`_row_values` for row ``ri`` of a :class:`SheetGrid`: ``values`` are the
    strategy ``columns``' values (none holds a formula), ``col_prefixes`` their
    ``Sheet!<letters>``. The same entries, places and messages, without a Cell a value.
    ``places`` None: the places are not written (the columns' :class:`_ColumnPlaces`
    give ``<prefix><ri>`` for every value set)."""
    keys = list(zip(map(type, values), values, strict=True))  # True, 1 and 1.0 kept apart
    try:
        distinct = set(keys)
    except TypeError:
        return False
    outcome = {}
    for key in distinct:
        v = key[1]
        blank = v is None or (isinstance(v, str) and not v.strip())
        outcome[key] = _BLANK if blank else _plain_value(v, p)
    outs = list(map(outcome.__getitem__, keys))
    path, rs = p.path, str(ri)
    if _BLANK in outcome.values() or _SAY in outcome.values():
        mask = [o is not _BLANK and o is not _SAY for o in outs]
        deque(map(setitem, compress(flats, mask), repeat(path), compress(outs, mask)), 0)
        if places is not None:
            deque(map(setitem, compress(places, mask), repeat(path),
                      map(add, compress(col_prefixes, mask), repeat(rs))), 0)
        for i in [i for i, o in enumerate(outs) if o is _SAY]:
            col = columns[i]
            cell = Cell(ri, col, f"{column_letter(col)}{rs}", values[i], None)
            ok, v = reader.value(sheet, cell, p)  # says what is wrong, at the cell
            if ok:
                flats[i][path] = v
                if places is not None:
                    places[i][path] = col_prefixes[i] + rs
        return True
    deque(map(setitem, flats, repeat(path), outs), 0)
    if places is not None:
        deque(map(setitem, places, repeat(path), map(add, col_prefixes, repeat(rs))), 0)
    return True


def _cell_blank(v: object, formula: str | None) -> bool:
    return formula is None and (v is None or (isinstance(v, str) and not v.strip()))


def _grid_used_columns(grid: SheetGrid, first: int) -> list[int]:
    """:func:`_used_columns` over a grid: in each row only the columns not yet seen are
    looked at (after the header row, usually none)."""
    found: set[int] = set()
    none: dict[int, str] = {}
    for ri, line in grid.values.items():
        forms = grid.formulas.get(ri, none)
        for col in set(line).difference(found):
            if col >= first and not _cell_blank(line[col], forms.get(col)):
                found.add(col)
    return sorted(found)


def _grid_row_used(grid: SheetGrid, ri: int) -> bool:
    """Whether row ``ri`` holds a cell that is not blank (it stops at the first)."""
    forms = grid.formulas.get(ri)
    if forms:
        return True  # a formula cell is never blank
    for v in grid.values.get(ri, {}).values():
        if not (v is None or (isinstance(v, str) and not v.strip())):
            return True
    return False


def _grid_body(grid: SheetGrid, sheet: str, reader: _Reader) -> list[int]:
    """:func:`_body` over a grid: the data rows' numbers."""
    used = [ri for ri in range(2, grid.max_row + 1) if _grid_row_used(grid, ri)]
    last = used[-1] if used else 1
    keep = set(used)
    out = []
    for ri in range(2, last + 1):
        if ri not in keep:
            reader.err(f"{sheet}!A{ri}", "blank row inside the table (rows below it are "
                       "still read)", warn=True)
            continue
        out.append(ri)
    return out


def _positional_grid(reader: _Reader, grid: SheetGrid, hdr: dict[str, Cell]) -> None:
    """:func:`_positional` for the one-column-per-strategy layout read from a
    :class:`SheetGrid` (the streaming reader's): the same strategies, places and messages,
    with a strategy row's values taken from the grid whole rather than a Cell each."""
    sheet = Sheet.POSITIONAL.value
    names = by_excel_name(Sheet.POSITIONAL)
    by_col = {c.col: (k, c) for k, c in hdr.items()}
    for col_name in POSITIONAL_HEADER[:2]:
        if col_name not in hdr:
            reader.err(f"{sheet}!1", f"missing required column {col_name}")
            return
    pcol = hdr["Parameter"].col
    first = max(c.col for k, c in hdr.items() if k in POSITIONAL_HEADER) + 1
    columns = _grid_used_columns(grid, first)
    reader.check_merged(sheet, set(columns) | {pcol})
    col_prefixes = [f"{sheet}!{column_letter(c)}" for c in columns]
    rows: dict[tuple[Key, ...], str] = {}  # path -> its row, for the lazy places
    col_flats: list[dict[tuple[str, ...], Any]] = [{} for _ in columns]
    col_places = [_ColumnPlaces(flat, prefix, rows)
                  for flat, prefix in zip(col_flats, col_prefixes, strict=True)]
    flats: dict[int, tuple[dict[tuple[str, ...], Any], PlaceMap]] = dict(
        zip(columns, zip(col_flats, col_places, strict=True), strict=True))
    none: dict[int, Any] = {}
    repeated: set[tuple[str, ...]] = set()  # a parameter on two rows: places spelled out
    for ri in _grid_body(grid, sheet, reader):
        pcell = grid.cell(ri, pcol)
        if pcell.blank:
            continue  # a section row
        pname = str(pcell.value).strip()
        p = names.get(pname)
        if p is None:
            _unknown(reader, f"{sheet}!{pcell.address}", pname, Sheet.POSITIONAL, warn=False)
            continue
        path = p.path
        if path in rows or path in repeated:  # seen on an earlier row
            if path in rows:
                for column in col_places:
                    column.fix(path)
                del rows[path]
                repeated.add(path)
            lazy = False
        else:
            rows[path], lazy = str(ri), True
        forms = grid.formulas.get(ri)
        if len(columns) > 1 and (not forms or forms.keys().isdisjoint(columns)):
            line = grid.values.get(ri, none)
            if _values_row(reader, sheet, ri, columns, list(map(line.get, columns)),
                           col_prefixes, p, col_flats, None if lazy else list(col_places)):
                continue
        _cells_into(reader, sheet, grid.row(ri), p, flats)
    _add_columns(reader, sheet, columns, flats, by_col)


def _positional(reader: _Reader, rows: list[list[Cell]], hdr: dict[str, Cell]) -> None:
    sheet = Sheet.POSITIONAL.value
    names = by_excel_name(Sheet.POSITIONAL)
    by_col = {c.col: (k, c) for k, c in hdr.items()}  # one lookup per cell, not a scan
    if "StrategyName" in hdr and "Parameter" not in hdr:  # transposed: one row per strategy
        reader.check_merged(sheet, set(by_col))
        for row in _body(rows, sheet, reader):
            flat: dict[tuple[str, ...], Any] = {}
            places: PlaceMap = {}
            for cell in row:
                col_name = by_col[cell.col][0] if cell.col in by_col else None
                if col_name is None or cell.blank:
                    continue
                p = names.get(col_name)
                if p is None:
                    _unknown(reader, f"{sheet}!{hdr[col_name].address}", col_name,
                             Sheet.POSITIONAL, warn=False)
                    continue
                ok, v = reader.value(sheet, cell, p)
                if ok:
                    flat[p.path], places[p.path] = v, f"{sheet}!{cell.address}"
            _add_strategy(reader, flat, places, f"{sheet}!A{row[0].row}")
        return
    for col_name in POSITIONAL_HEADER[:2]:
        if col_name not in hdr:
            reader.err(f"{sheet}!1", f"missing required column {col_name}")
            return
    pcol = hdr["Parameter"].col
    first = max(c.col for k, c in hdr.items() if k in POSITIONAL_HEADER) + 1
    columns = _used_columns(rows, first)
    reader.check_merged(sheet, set(columns) | {pcol})
    flats: dict[int, tuple[dict[tuple[str, ...], Any], PlaceMap]] = {c: ({}, {}) for c in columns}
    # a rectangle row from column A holds strategy column c at index c - 1: gathered in
    # one call and read by _row_values (checked per row; any other row cell by cell)
    gather = itemgetter(*[c - 1 for c in columns]) if len(columns) > 1 else None
    col_flats, col_places = [flats[c][0] for c in columns], [flats[c][1] for c in columns]
    for row in _body(rows, sheet, reader):
        pcell = row[pcol - 1] if len(row) >= pcol else None
        if pcell is None or pcell.blank:
            continue  # a section row
        pname = str(pcell.value).strip()
        p = names.get(pname)
        if p is None:
            _unknown(reader, f"{sheet}!{pcell.address}", pname, Sheet.POSITIONAL, warn=False)
            continue
        if gather is not None and len(row) >= columns[-1]:
            cells = gather(row)
            if list(map(_col_of, cells)) == columns and _row_values(
                    reader, sheet, cells, p, col_flats, col_places):
                continue
        _cells_into(reader, sheet, row, p, flats)
    _add_columns(reader, sheet, columns, flats, by_col)


def _cells_into(reader: _Reader, sheet: str, cells: Iterable[Cell], p: ParamInfo,
                flats: Mapping[int, tuple[dict[tuple[str, ...], Any], PlaceMap]]) -> None:
    """Parameter ``p``'s value in each strategy column of one row, cell by cell, into that
    column's flat config and places (blank cells without a formula skipped)."""
    path = p.path
    for cell in cells:
        flat_places = flats.get(cell.col)
        if flat_places is None:
            continue
        v = cell.value  # not cell.blank: a property call per cell costs seconds here
        if cell.formula is None and (v is None or (isinstance(v, str) and not v.strip())):
            continue
        ok, v = reader.value(sheet, cell, p)
        if ok:
            flat_places[0][path] = v
            flat_places[1][path] = f"{sheet}!{cell.address}"


def _add_columns(reader: _Reader, sheet: str, columns: Sequence[int],
                 flats: Mapping[int, tuple[dict[tuple[str, ...], Any], PlaceMap]],
                 by_col: Mapping[int, tuple[str, Cell]]) -> None:
    """One strategy per column, named by its header cell unless a StrategyName row named it."""
    for col in columns:
        flat, places = flats[col]
        head = by_col[col][1] if col in by_col else None
        if ("strategy_name",) not in flat and head is not None:
            flat[("strategy_name",)] = str(head.value)
        _add_strategy(reader, flat, places, f"{sheet}!{_letter(col)}1")


def _letter(col: int) -> str:
    from engine.workbook.protocol import column_letter
    return column_letter(col)


def _add_strategy(reader: _Reader, flat: dict[tuple[str, ...], Any], places: PlaceMap,
                  origin: str) -> None:
    if not flat:
        return
    name = str(flat.get(("strategy_name",), f"strategy at {origin}"))
    layer = nest(flat)
    reader.raw.strategies.append(RawStrategy(name=name, origin=origin, layer=layer,
                                             places=places))  # each caller's own dict


def _rows_sheet(reader: _Reader, sheet: Sheet, key: str, required: tuple[str, ...]) -> bool:
    """Read a one-row-per-item sheet; False when its header kept it from being read."""
    name = sheet.value
    grid = _grid_of(reader.book, name)
    rows = (reader.book.rows(name) if grid is None
            else [grid.row(1)] if grid.max_row else [])
    reader.check_hidden(name)
    hdr = reader.header(name, rows)
    if hdr is None:
        return False
    missing = [c for c in required if c not in hdr]
    if missing:
        reader.err(f"{name}!1", "missing required column " + ", ".join(missing))
        return False
    names = by_excel_name(sheet)
    for col_name, cell in hdr.items():
        if col_name != "StrategyName" and col_name not in names:
            _unknown(reader, f"{name}!{cell.address}", col_name, sheet, warn=True)
    by_col = {c.col: names[k] for k, c in hdr.items() if k in names}
    reader.check_merged(name, {*by_col, hdr["StrategyName"].col})
    strategies = {s.name: s for s in reader.raw.strategies}
    counts: dict[str, int] = {}
    scol = hdr["StrategyName"].col
    body: Iterable[tuple[int, list[Cell], Cell | None]]
    if grid is None:
        body = [(row[0].row, row, next((c for c in row if c.col == scol), None))
                for row in _body(rows, name, reader)]
    else:  # each row's cells read from the grid by _grid_row_read (row left empty)
        letters = {c: column_letter(c) for c in by_col}
        body = ((ri, [], grid.cell(ri, scol)) for ri in _grid_body(grid, name, reader))
    for ri, row, scell in body:
        sname = str(scell.value).strip() if scell is not None and not scell.blank else ""
        strat = strategies.get(sname)
        if strat is None:
            where = scell.address if scell is not None else f"A{ri}"
            reader.err(f"{name}!{where}", f"strategy {sname!r} is not in PositionalParameter")
            continue
        i = counts.get(sname, 0)
        counts[sname] = i + 1
        flat: dict[tuple[str, ...], Any] = {}
        places = strat.places
        if grid is not None:
            _grid_row_read(reader, grid, name, ri, by_col, letters, flat, places, (key, i))
        for cell in row:
            p = by_col.get(cell.col)
            if p is None or _blank(cell):
                continue
            ok, v = reader.value(name, cell, p)
            if ok:
                flat[p.path] = v
                places[(key, i, *p.path)] = f"{name}!{cell.address}"
        strat.places.setdefault((key, i), f"{name}!A{ri}")
        strat.leg_layer.setdefault(key, []).append(_rule_fields(nest(flat), key, reader,
                                                                name, ri))
    return True


def _grid_of(book: WorkbookReader, name: str) -> SheetGrid | None:
    """Sheet ``name`` as a :class:`SheetGrid` when ``book`` gives one (the streaming
    reader does), else None (read its rows)."""
    grid_of = getattr(book, "grid", None)
    if grid_of is None:
        return None
    grid: SheetGrid = grid_of(name)
    return grid


def _grid_row_read(reader: _Reader, grid: SheetGrid, name: str, ri: int,
                   by_col: dict[int, ParamInfo], letters: dict[int, str],
                   flat: dict[tuple[str, ...], Any], places: PlaceMap,
                   at: tuple[str, int]) -> None:
    """The row sheet loop over the cells of row ``ri`` that the grid holds in a parameter
    column (a cell it does not hold is blank), in column order, with the same entries
    and messages, but a Cell only for a cell with a formula or a message (this reads
    most of a big workbook's cells)."""
    line = grid.values.get(ri)
    if not line:
        return
    forms = grid.formulas.get(ri) or {}
    rs = str(ri)
    for col in sorted(line):
        p = by_col.get(col)
        if p is None:
            continue
        v, formula = line[col], forms.get(col)
        if formula is None:
            if v is None or (isinstance(v, str) and not v.strip()):
                continue  # blank
            out = _plain_value(v, p)
            if out is not _SAY:  # what reader.value gives, without a message
                flat[p.path] = out
                places[(*at, *p.path)] = f"{name}!{letters[col]}{rs}"
                continue
        ok, out = reader.value(name, Cell(ri, col, letters[col] + rs, v, formula), p)
        if ok:
            flat[p.path] = out
            places[(*at, *p.path)] = f"{name}!{letters[col]}{rs}"


def _rule_fields(data: dict[str, Any], key: str, reader: _Reader, sheet: str,
                 ri: int) -> dict[str, Any]:
    """Drop (with an error) rule cells that do not apply to the row's RuleType."""
    if key != "adjustment_rules":
        return data
    rtype = str(data.get("rule_type", "")).upper()
    if rtype not in _all_types():
        return data
    for excel, p in _typed_rule_params():
        if rtype not in p.rule_types and p.path[0] in data:
            data.pop(p.path[0])
            reader.err(f"{sheet}!A{ri}", f"{excel} does not apply to RuleType {rtype} "
                       f"(only {', '.join(p.rule_types)})", excel)
    return data


@cache
def _all_types() -> frozenset[str]:
    from engine.config.enums import AdjustmentType
    return frozenset(t.value for t in AdjustmentType)


@cache
def _typed_rule_params() -> tuple[tuple[str, ParamInfo], ...]:
    """The AdjustmentRules parameters that apply to some rule types only, in sheet order."""
    return tuple((excel, p) for excel, p in by_excel_name(Sheet.ADJUSTMENT).items()
                 if p.rule_types)


def _key_value_sheet(reader: _Reader) -> None:
    if GLOBAL_DEFAULTS not in reader.book.sheet_names():
        return
    rows = reader.book.rows(GLOBAL_DEFAULTS)
    reader.check_hidden(GLOBAL_DEFAULTS)
    names = by_excel_name(Sheet.POSITIONAL)
    flat: dict[tuple[str, ...], Any] = {}
    for row in _body(rows, GLOBAL_DEFAULTS, reader):
        if len(row) < 2 or row[0].blank or row[1].blank:
            continue
        p = names.get(str(row[0].value).strip())
        if p is None:
            _unknown(reader, f"{GLOBAL_DEFAULTS}!{row[0].address}", str(row[0].value),
                     Sheet.POSITIONAL, warn=False)
            continue
        ok, v = reader.value(GLOBAL_DEFAULTS, row[1], p)
        if ok:
            flat[p.path] = v
            reader.raw.global_places[p.path] = f"{GLOBAL_DEFAULTS}!{row[1].address}"
    reader.raw.global_defaults = nest(flat)


def _overrides(reader: _Reader) -> None:
    if VOL_OVERRIDES not in reader.book.sheet_names():
        return
    names = by_excel_name(Sheet.POSITIONAL)
    strategies = {s.name: s for s in reader.raw.strategies}
    for row in _body(reader.book.rows(VOL_OVERRIDES), VOL_OVERRIDES, reader):
        if len(row) < 4 or any(c.blank for c in row[:3]):
            continue
        strat = strategies.get(str(row[0].value).strip())
        p = names.get(str(row[2].value).strip())
        if strat is None or p is None:
            bad = row[0] if strat is None else row[2]
            reader.err(f"{VOL_OVERRIDES}!{bad.address}", f"unknown name {bad.value!r}")
            continue
        ok, v = reader.value(VOL_OVERRIDES, row[3], p)
        if ok:
            regime = str(row[1].value).strip().upper()
            node = strat.regime_overrides.setdefault(regime, {})
            for k in p.path[:-1]:
                node = node.setdefault(k, {})
            node[p.path[-1]] = v
            path: tuple[Key, ...] = ("volatility_overrides", regime, *p.path)
            strat.places[path] = f"{VOL_OVERRIDES}!{row[3].address}"
            strat.places.setdefault(("volatility_overrides", regime),
                                    f"{VOL_OVERRIDES}!{row[1].address}")


def read_book(book: WorkbookReader, source: str) -> RawConfig:
    """Read the config sheets of ``book`` into a :class:`RawConfig`."""
    raw = RawConfig(source=source)
    reader = _Reader(book, raw)
    sheets = book.sheet_names()
    if Sheet.POSITIONAL.value not in sheets:
        reader.err(source, f"workbook has no {Sheet.POSITIONAL.value} sheet (sheets: "
                   + ", ".join(sheets) + ")")
        return raw
    reader.check_hidden(Sheet.POSITIONAL.value)
    grid = _grid_of(book, Sheet.POSITIONAL.value)
    # from a grid the header row first: the layout it names says how to read the rest
    rows = (book.rows(Sheet.POSITIONAL.value) if grid is None
            else [grid.row(1)] if grid.max_row else [])
    hdr = reader.header(Sheet.POSITIONAL.value, rows)
    if hdr is not None and grid is not None and not ("StrategyName" in hdr
                                                     and "Parameter" not in hdr):
        _positional_grid(reader, grid, hdr)
    elif hdr is not None:
        _positional(reader, rows if grid is None else grid.rows(), hdr)
    _key_value_sheet(reader)
    legs_read = True
    if Sheet.LEG.value in sheets:
        legs_read = _rows_sheet(reader, Sheet.LEG, "legs", ("StrategyName", "LegID"))
    if Sheet.ADJUSTMENT.value in sheets:
        _rows_sheet(reader, Sheet.ADJUSTMENT, "adjustment_rules",
                    ("StrategyName", "RuleID", "RuleType"))
    _overrides(reader)
    if SWEEP_SHEET in sheets:
        _sweep_sheet(reader)
    if legs_read:  # a LegParameter sheet that could not be read is reported already
        _custom_without_legs(reader, Sheet.LEG.value in sheets)
    return raw


SWEEP_SHEET = SWEEP


def _sweep_sheet(reader: _Reader) -> None:
    """The Sweep sheet: a header row, then one parameter a row, column A its Excel name,
    column B its values (a list ``200,400`` or a range ``200:600:100``); read by ``posbt
    sweep`` when no ``--param`` is given. Rows with A and B blank are skipped. Rows named
    Strategy, Samples, Seed or Workers (any case) are the sweep's settings, not parameters
    (the ribbon's Run Sweep reads the same rows, xlbridge/macros.py)."""
    from engine.config.raw import SWEEP_SETTINGS, SweepRow

    # blank rows are skipped without a warning: the Sweep sheet is read by posbt sweep only,
    # and a warning here would show on every run and validate of the workbook
    for row in reader.book.rows(SWEEP_SHEET)[1:]:
        a = next((c for c in row if c.col == 1), None)
        b = next((c for c in row if c.col == 2), None)
        a_blank, b_blank = a is None or a.blank, b is None or b.blank
        if a_blank and b_blank:
            continue
        if a is None or a_blank:
            assert b is not None
            reader.raw.sweep_problems.append(Problem(
                f"{SWEEP_SHEET}!A{b.row}", "a Sweep row needs the parameter's Excel name in "
                "column A"))
            continue
        if b is None or b_blank:
            reader.raw.sweep_problems.append(Problem(
                f"{SWEEP_SHEET}!B{a.row}", f"{a.value}: a Sweep row needs its values in column "
                "B (a list 200,400 or a range 200:600:100)"))
            continue
        v = b.value
        if isinstance(v, bool):
            spec = "TRUE" if v else "FALSE"
        elif isinstance(v, float) and v.is_integer():
            spec = str(int(v))
        else:
            spec = str(v)
        if str(a.value).strip().lower() in SWEEP_SETTINGS:
            reader.raw.sweep_settings[str(a.value).strip().lower()] = (
                spec.strip(), f"{SWEEP_SHEET}!{b.address}")
            continue
        reader.raw.sweep.append(SweepRow(str(a.value).strip(), spec.strip(),
                                         f"{SWEEP_SHEET}!{a.address}",
                                         f"{SWEEP_SHEET}!{b.address}"))


def _custom_without_legs(reader: _Reader, has_leg_sheet: bool) -> None:
    """A CUSTOM strategy takes its legs from LegParameter rows: none (the sheet or the
    strategy's rows deleted) is an error at its StrategySubtype cell, since the strategy
    cannot run. A column that holds nothing but the defaults (the empty template's
    Defaults column, a template column, not a strategy someone built) only gets a warning,
    so the empty template validates."""
    for strat in reader.raw.strategies:
        subtype = str(strat.layer.get("strategy_subtype", "")).strip().upper()
        if subtype != "CUSTOM" or strat.leg_layer.get("legs") or strat.layer.get("legs"):
            continue
        why = ("the workbook has no LegParameter sheet" if not has_leg_sheet
               else f"LegParameter has no rows with StrategyName {strat.name}")
        reader.err(strat.places.get(("strategy_subtype",), strat.origin),
                   f"a CUSTOM strategy needs its legs on LegParameter: {why}; it cannot run",
                   "StrategySubtype", warn=only_defaults(strat.layer))


def has_sweep_rows(path: Path) -> bool:
    """Whether :func:`read_workbook` of ``path`` would find Sweep sheet rows or a bad one
    (``raw.sweep or raw.sweep_problems``), reading the Sweep sheet alone (the strategies'
    sheets are not parsed: a 10,000-strategy workbook answers at once)."""
    from engine.workbook.xlsx_stream import StreamingReader

    book = StreamingReader(path)
    sheets = book.sheet_names()
    if Sheet.POSITIONAL.value not in sheets or SWEEP_SHEET not in sheets:
        return False  # read_book reads no Sweep sheet without a PositionalParameter one
    raw = RawConfig(source=str(path))
    _sweep_sheet(_Reader(book, raw))
    return bool(raw.sweep or raw.sweep_problems)


def read_workbook(path: Path) -> RawConfig:
    """Read an .xlsx/.xlsm config workbook from disk with the streaming reader (it gives
    what openpyxl's full load gives, in a fraction of the time: see
    :mod:`engine.workbook.xlsx_stream`)."""
    from engine.workbook.xlsx_stream import StreamingReader

    return read_book(StreamingReader(path), str(path))
