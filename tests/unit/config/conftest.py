"""Fixtures for config tests: the plan's example files."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "config"


@pytest.fixture
def plan_examples() -> list[Path]:
    """The three YAML examples of PLAN.md, kept verbatim."""
    return sorted(FIXTURES.glob("plan_example*.yaml"))
