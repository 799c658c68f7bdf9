"""Imports run one way: each engine package imports only packages of a lower rank.

Parses every module under engine/ with ``ast`` (module level and inside functions);
imports under ``if TYPE_CHECKING:`` are allowed, since they never run (today: cli -> data
and strategy -> market, for annotations only). No exceptions are listed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from engine.layers import (
    LAYERS,
    RANK,
    collect_edges,
    find_cycles,
    package_graph,
    package_of,
    violations,
)

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


def test_no_import_runs_upward() -> None:
    bad = [f"{e.where}: {e.target} ({e.src_pkg} -> {e.dst_pkg})"
           for e in violations(collect_edges(ENGINE))]
    assert bad == []


def test_the_package_graph_has_no_cycle() -> None:
    assert find_cycles(package_graph(collect_edges(ENGINE))) == []


def test_every_engine_package_has_a_rank() -> None:
    packages = {p.name for p in ENGINE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(RANK), packages - set(RANK)
    assert [name for names in LAYERS for name in names].index("domain") < RANK["cli"]


def test_checker_catches_upward_cycles_and_function_level_imports(tmp_path: Path) -> None:
    # a toy engine: domain imports strategy inside a function (upward), strategy imports domain
    pkg = tmp_path / "engine"
    for name in ("domain", "strategy"):
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "domain" / "a.py").write_text(textwrap.dedent("""
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from engine.strategy.b import B   # allowed: never runs
        def f():
            from engine.strategy.b import B   # upward, inside a function
            return B
    """))
    (pkg / "strategy" / "b.py").write_text("from ..domain import a\nB = 1\n")
    edges = collect_edges(pkg)
    bad = violations(edges)
    assert [(e.where, e.in_function) for e in bad] == [("engine/domain/a.py:6", True)]
    assert any(e.type_checking for e in edges)
    assert find_cycles(package_graph(edges)) == [["domain", "strategy", "domain"]]
    assert package_of("engine.data.synthetic.chain") == "synthetic"
    assert package_of("engine.errors") == "base"


def test_engine_never_imports_xlbridge(tmp_path: Path) -> None:
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "x.py").write_text("import xlbridge.server\n")
    assert [e.dst_pkg for e in violations(collect_edges(tmp_path / "engine"))] == ["xlbridge"]


def test_script_prints_the_graph_and_exits_0_on_this_engine() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert "no cycles, no upward imports" in proc.stdout
    assert all(f" {name} " in proc.stdout for names in LAYERS for name in names)


def test_script_exits_1_on_a_cycle(tmp_path: Path) -> None:
    # domain imports strategy at module level, strategy imports domain: a cycle, one upward
    pkg = tmp_path / "engine"
    for name in ("domain", "strategy"):
        (pkg / name).mkdir(parents=True)
        (pkg / name / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "domain" / "a.py").write_text("import engine.strategy.b\n")
    (pkg / "strategy" / "b.py").write_text("import engine.domain.a\n")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py"), "--quiet",
                           "--engine", str(pkg)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "cycle: domain -> strategy -> domain" in proc.stdout
    assert "upward: engine/domain/a.py:1 imports engine.strategy.b (domain -> strategy)" in proc.stdout
