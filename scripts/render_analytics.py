"""Render the pictures of docs/analytics.md (BT_Sensitivity, BT_WalkForward) from a real sweep:
``python scripts/render_analytics.py [OUT_DIR [HOME_WITH_A_DEMO_RUN]]``.

Builds a demo market of 125 trading days at 15 minutes in a temporary posbt home (``posbt
demo``), sweeps the demo weekly iron fly over ProfitTarget x EntryStartTime (3 x 3) with a 2:1
walk-forward, and renders the two sheets with LibreOffice headless as
``scripts/render_guide.py`` does. Needs soffice and pdftoppm on PATH.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from scripts.render_guide import ROOT, _one_sheet, _render, _run

STRATEGY = "Demo_Weekly_IronFly"
# the demo fly's wings are its LegParameter legs' offsets, so WingWidthPts would change nothing
SWEEP = ("ProfitTarget=0.3,0.5,0.8", "EntryStartTime=09:30,10:00,10:30")
PICTURES = {"analytics_bt_sensitivity": ("BT_Sensitivity", "A1:G44"),
            "analytics_bt_walkforward": ("BT_WalkForward", "A1:R34")}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else ROOT / "docs" / "img"
    out_dir.mkdir(parents=True, exist_ok=True)
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        home = Path(args[1]) if len(args) > 1 else work / "home"
        posbt = str(Path(sys.executable).with_name("posbt"))
        config = home / "demo" / "posbt_demo.xlsx"
        if not config.exists():
            _run([posbt, "--home", str(home), "demo", "--days", "125", "--interval", "15m",
                  "--history-days", "260"])
        book = work / "sweep.xlsx"
        params = [a for p in SWEEP for a in ("--param", p)]
        _run([posbt, "--home", str(home), "sweep", str(config), "--strategy", STRATEGY,
              *params, "--walk-forward", "2:1", "--workers", "2", "--out", str(book)])
        for name, (sheet, area) in PICTURES.items():
            one = _one_sheet(book, sheet, area, work / f"{name}.xlsx")
            _render(one, out_dir / f"{name}.png", work)
            print(f"wrote {out_dir / name}.png")


if __name__ == "__main__":
    main()
