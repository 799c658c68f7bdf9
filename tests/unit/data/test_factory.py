"""The market store is chosen by URL: DuckDB by default, HeavyDB for heavydb:// URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.factory import open_market_store
from engine.errors import StoreError


def test_default_is_the_duckdb_file_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSBT_STORE_URL", raising=False)
    store = open_market_store(tmp_path, read_only=False)
    assert isinstance(store, DuckDBStore) and store.path == str(tmp_path / "market.duckdb")
    store.close()
    other = tmp_path / "other.duckdb"
    explicit = open_market_store(tmp_path, url=f"duckdb:{other}", read_only=False)
    assert isinstance(explicit, DuckDBStore) and explicit.path == str(other)
    explicit.close()


def test_heavydb_url_and_unknown_schemes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyarrow")
    try:
        import heavyai  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        monkeypatch.setenv("POSBT_STORE_URL", "heavydb://admin:pw@127.0.0.1:6274/heavyai")
        with pytest.raises(StoreError, match="heavydb"):
            open_market_store(tmp_path)
    with pytest.raises(StoreError, match="unknown store URL scheme in 'postgres'"):
        open_market_store(tmp_path, url="postgres://x/y")
