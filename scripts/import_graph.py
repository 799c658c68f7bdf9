"""Print engine's package import graph; exit 1 on a cycle or an import that runs upward.

Packages are ranked (``engine.layers.LAYERS``, the order DESIGN.md gives): a module may
import from its own package and from packages of a lower rank only. Every import counts,
at module level or inside a function; an import under ``if TYPE_CHECKING:`` is listed
apart and allowed (it never runs, so it cannot make a cycle at run time). Importing
``xlbridge`` (or xlwings / fastapi) from engine is always a violation.

    python scripts/import_graph.py [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.layers import (  # noqa: E402 - the checkout's engine, not an installed one
    LAYERS,
    ImportEdge,
    collect_edges,
    find_cycles,
    package_graph,
    violations,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    args = parser.parse_args()
    edges = collect_edges(ROOT / "engine")
    graph = package_graph(edges)
    if not args.quiet:
        print("rank  package        imports")
        for rank, names in enumerate(LAYERS):
            for name in names:
                deps = sorted(graph.get(name, set()))
                print(f"{rank:>4}  {name:<14} {', '.join(deps) or '-'}")
        typing_only = sorted({(e.src_pkg, e.dst_pkg) for e in edges
                              if e.type_checking and e.src_pkg != e.dst_pkg})
        if typing_only:
            print("\nTYPE_CHECKING-only (allowed): "
                  + ", ".join(f"{a} -> {b}" for a, b in typing_only))
    bad: list[ImportEdge] = violations(edges)
    cycles = find_cycles(graph)
    for cycle in cycles:
        print("cycle: " + " -> ".join(cycle))
    for e in bad:
        print(f"upward: {e.where} imports {e.target} ({e.src_pkg} -> {e.dst_pkg})")
    if not bad and not cycles:
        if not args.quiet:
            print("\nno cycles, no upward imports")
        return 0
    print(f"\n{len(cycles)} cycle(s), {len(bad)} upward import(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
