"""``posbt data``: build, import, inspect and check the market-data store.

Subcommands that live in their own modules (demo, import, enrich, features, check)
are listed in ``SUBCOMMANDS`` and imported only when they run (``engine.cli.lazy``).
"""

from __future__ import annotations

import click
from rich.table import Table

from engine.cli.common import console, get_ctx, reports_errors
from engine.cli.lazy import LazyCommand, LazyGroup

# ``import`` comes from levels_cmd, which adds ``import levels`` to import_cmds' group.
SUBCOMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "engine.cli.demo_cmd:demo",
        "Generate a believable, seeded synthetic market (index, VIX, option chains).",
    ),
    "enrich": LazyCommand(
        "engine.cli.enrich_cmd:enrich",
        "Fill iv and greeks (Black-76 on the forward) in option bars not yet enriched.",
    ),
    "import": LazyCommand(
        "engine.cli.levels_cmd:import_group",
        "Import bhavcopies, index closes, India VIX, vendor minute bars, mapped tables, events.",
    ),
    "check": LazyCommand(
        "engine.cli.check_cmd:check",
        "Errors (bad prices, duplicates, impossible values), warnings, and information.",
    ),
    "features": LazyCommand(
        "engine.cli.vol_cmd:features",
        "Compute daily_features for every (symbol, day) not yet present.",
    ),
}

@click.group(cls=LazyGroup, lazy=SUBCOMMANDS)
def data() -> None:
    """Build, import, inspect and check the market-data store."""


def _fmt_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


@data.command()
@reports_errors
def info() -> None:
    """Symbols, date ranges, intervals, expiries, row counts and store size."""
    ctx = get_ctx()
    store = ctx.open_store(read_only=True)
    try:
        out = console()
        out.print(f"store: {ctx.market_db} ({_fmt_bytes(store.file_size_bytes())})")
        out.print(f"data fingerprint: {store.fingerprint()} (what results made on it carry)")
        from engine.data.build_state import interrupted_build

        partial = interrupted_build(store)
        if partial is not None:
            out.print(f"incomplete: the demo build of {partial} was interrupted (option bars "
                      "without index bars); run `posbt data demo` again to finish it")
        bars = store.query("info_bars").to_pylist()
        table = Table(title="bars")
        for col in ("table", "symbol", "interval", "first", "last", "rows", "contracts"):
            table.add_column(col)
        for r in bars:
            interval = "1d" if r["bar_minutes"] == 1440 else f"{r['bar_minutes']}m"
            table.add_row(
                r["tbl"], r["symbol"], interval, str(r["first_ts"]), str(r["last_ts"]),
                f"{r['n_rows']:,}", "" if r["n_contracts"] is None else f"{r['n_contracts']:,}",
            )
        out.print(table)
        exp = store.query("info_expiries").to_pylist()
        etable = Table(title="expiries")
        for col in ("symbol", "kind", "source", "count", "first", "last"):
            etable.add_column(col)
        for r in exp:
            etable.add_row(r["symbol"], r["kind"], r["source"], str(r["n_expiries"]),
                           str(r["first_expiry"]), str(r["last_expiry"]))
        out.print(etable)
        counts = Table(title="row counts")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        for name, n in store.table_counts().items():
            counts.add_row(name, f"{n:,}")
        out.print(counts)
    finally:
        store.close()

