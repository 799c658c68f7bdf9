"""Fixtures of the integration tests: the ribbon job-flow tests' server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.jobflow_kit import serve_jobflow


@pytest.fixture(scope="module")
def jobflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, int]]:
    """(home, books, port) of a server over a 5-day market and a one-strategy workbook, one per
    test module (tests/integration/jobflow_kit.py)."""
    with serve_jobflow(tmp_path_factory.mktemp("jobflow")) as served:
        yield served
