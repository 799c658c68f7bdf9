"""Shared fixtures: a fresh in-memory or on-disk store, and marker-based skips."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip marked tests cleanly when the thing they need is absent."""
    have = {
        "heavydb": bool(os.environ.get("POSBT_HEAVYDB_URL")),
        "excel": False,  # no Excel on Linux CI; the xlwings COM path cannot run here
        "libreoffice": shutil.which("soffice") is not None,
        "chromium": shutil.which("chromium") is not None,
        "gpu": _have_gpu(),
    }
    for item in items:
        for marker, present in have.items():
            if marker in item.keywords and not present:
                item.add_marker(pytest.mark.skip(reason=f"needs {marker}, absent here"))


def _have_gpu() -> bool:
    try:
        import cupy  # type: ignore[import-not-found]  # noqa: F401
    except Exception:
        return False
    return True


@pytest.fixture
def mem_store() -> Iterator[DuckDBStore]:
    """An empty in-memory store with the canonical schema."""
    store = DuckDBStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh POSBT_HOME for CLI tests."""
    h = tmp_path / "posbt_home"
    monkeypatch.setenv("POSBT_HOME", str(h))
    return h
