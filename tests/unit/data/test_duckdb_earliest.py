"""DuckDB loads merge ``expiries.listed_from`` as the earliest of the stored and the offered
value (``tables.TABLE_EARLIEST``): never compared as a difference, never moved forward, also
by a replacing load; a NULL (not known) yields to a date and never erases one."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from engine.data.duckdb_store import DuckDBStore

JUL26, JUL30 = dt.date(2019, 7, 26), dt.date(2019, 7, 30)
AUG1, AUG8, AUG29 = dt.date(2019, 8, 1), dt.date(2019, 8, 8), dt.date(2019, 8, 29)


def _expiries(listed: dict[dt.date, dt.date | None], kind: str = "WEEKLY") -> pa.Table:
    return pa.table({"symbol": ["NIFTY"] * len(listed), "expiry": list(listed),
                     "kind": [kind] * len(listed), "source": ["DATA"] * len(listed),
                     "listed_from": pa.array(list(listed.values()), pa.date32())})


def _load(store: DuckDBStore, batch: pa.Table, replace: bool) -> dict[str, object]:
    with store.load() as tx:
        tx.append("expiries", batch, replace="all" if replace else None)
    r = tx.result
    return {"inserted": r.inserted.get("expiries", 0), "replaced": r.replaced.get("expiries", 0),
            "differing": dict(r.differing)}


def _stored(store: DuckDBStore) -> dict[dt.date, tuple[str, dt.date | None]]:
    rows = store.sql("SELECT expiry, kind, listed_from FROM expiries ORDER BY expiry").to_pylist()
    return {r["expiry"]: (r["kind"], r["listed_from"]) for r in rows}


def test_listed_from_only_moves_back_with_or_without_replace() -> None:
    for replace in (False, True):
        with DuckDBStore(":memory:") as store:
            _load(store, _expiries({AUG1: JUL26, AUG8: None, AUG29: JUL30}), False)
            version = store.data_version()
            # later for 1 Aug, a date for 8 Aug (stored NULL), earlier for 29 Aug
            done = _load(store, _expiries({AUG1: JUL30, AUG8: JUL30, AUG29: JUL26}), replace)
            assert done["differing"] == {}, replace
            assert _stored(store) == {AUG1: ("WEEKLY", JUL26), AUG8: ("WEEKLY", JUL30),
                                      AUG29: ("WEEKLY", JUL26)}, replace
            assert store.data_version() == version + 1  # two listings moved: a new version
            # an offered NULL keeps the stored day
            _load(store, _expiries({AUG1: None}), replace)
            assert _stored(store)[AUG1] == ("WEEKLY", JUL26)
            if replace:
                assert done == {"inserted": 3, "replaced": 3, "differing": {}}


def test_other_columns_still_differ_and_replace() -> None:
    with DuckDBStore(":memory:") as store:
        _load(store, _expiries({AUG29: JUL26}), False)
        done = _load(store, _expiries({AUG29: JUL30}, kind="MONTHLY"), False)
        assert done["differing"] == {"expiries": [(("NIFTY", AUG29, "DATA"), "kind")]}
        assert _stored(store) == {AUG29: ("WEEKLY", JUL26)}  # kept
        _load(store, _expiries({AUG29: JUL30}, kind="MONTHLY"), True)
        assert _stored(store) == {AUG29: ("MONTHLY", JUL26)}  # kind replaced, day kept
