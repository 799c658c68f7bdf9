"""Render the pictures of docs/user-guide.md from a real run: ``python scripts/render_guide.py
[OUT_DIR [HOME_WITH_A_DEMO_RUN]]``.

Builds the demo market in a temporary posbt home (``posbt demo``, 60 trading days), takes
its config and results workbooks, and renders one sheet per picture with LibreOffice
headless (``soffice --convert-to pdf``, then ``pdftoppm`` to PNG) into docs/img/. The cell
functions picture shows the values the cell functions return, computed by calling
``xlbridge.udfs`` in-process on the same market (LibreOffice cannot run the add-in).
Needs soffice and pdftoppm on PATH; takes about a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

ROOT = Path(__file__).resolve().parents[1]
# picture name -> (workbook: "config" | "results", sheet, print area)
PICTURES = {
    "guide_positional": ("config", "PositionalParameter", "A1:G30"),
    "guide_legs": ("config", "LegParameter", "A1:H14"),
    "guide_bt_summary": ("results", "BT_Summary", "A1:H44"),
    "guide_bt_trades": ("results", "BT_Trades", "A1:N20"),
    "guide_bt_monthly": ("results", "BT_Monthly", "@: Demo_Weekly_IronFly|N|20"),
    # "@TEXT|COLUMNS|ROWS": the block whose column-A title ends with TEXT
    "guide_bt_payoff": ("results", "BT_Payoff", "@: Demo_Calendar_Adjusted|H|34"),
    "guide_bt_adjustments": ("results", "BT_Adjustments", "A1:K22"),
    "guide_bt_equity": ("results", "BT_Equity", "A1:T42"),
    "guide_bt_breakevens": ("results", "BT_Breakevens", "A1:U42"),
}


def _run(cmd: list[str], **kw: object) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=600, **kw)  # type: ignore[call-overload]


def _one_sheet(src: Path, sheet: str, area: str, out: Path) -> Path:
    wb = load_workbook(src)
    for name in [n for n in wb.sheetnames if n != sheet]:
        del wb[name]
    ws = wb[sheet]
    for row in ws.iter_rows():
        for cell in row:  # LibreOffice shows a boolean under "General" as 1/0; Excel: TRUE
            if isinstance(cell.value, bool):
                cell.number_format = '"TRUE";"TRUE";"FALSE"'
    for letter, dim in list(ws.column_dimensions.items()):  # timestamps need ~17 characters
        header = ws[f"{letter}1"].value
        if isinstance(header, str) and header.endswith(("_ts", "ts")) and (dim.width or 0) < 18:
            dim.width = 18
    if area.startswith("@"):
        text, last_col, rows = area[1:].split("|")
        top = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.endswith(text))
        area = f"A{top}:{last_col}{top + int(rows)}"
    ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_options.gridLines = True
    wb.save(out)
    return out


def _cell_functions_book(home: Path, out: Path) -> Path:
    os.environ["POSBT_HOME"] = str(home)
    from xlbridge import udfs

    calls = [('=POSBT_IVP("NIFTY")', udfs.POSBT_IVP("NIFTY", None, 100)),
             ('=POSBT_IVR("NIFTY")', udfs.POSBT_IVR("NIFTY", None, 100)),
             ('=POSBT_HV("NIFTY",,20)', udfs.POSBT_HV("NIFTY", None, 20)),
             ('=POSBT_REGIME("NIFTY")', udfs.POSBT_REGIME("NIFTY")),
             ('=POSBT_PRICE("CE",22000,22000,30/365,0.14)',
              udfs.POSBT_PRICE("CE", 22000, 22000, 30 / 365, 0.14)),
             ('=POSBT_GREEKS("PE",22000,21800,30/365,0.15,,,,"delta")',
              udfs.POSBT_GREEKS("PE", 22000, 21800, 30 / 365, 0.15, None, None, None, "delta")),
             ('=POSBT_IVP("BANKNIFTY")', udfs.POSBT_IVP("BANKNIFTY"))]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Cell functions"
    ws.append(["Formula typed in a cell", "What the cell shows"])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    for formula, value in calls:
        ws.append([formula, value])
        ws.cell(ws.max_row, 1).data_type = "s"  # the formula as text: LibreOffice has no add-in
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 52, 40
    ws.print_area = f"A1:B{len(calls) + 1}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_options.gridLines = True
    wb.save(out)
    return out


def _render(book: Path, png: Path, work: Path) -> None:
    profile = f"-env:UserInstallation=file://{work / 'lo-profile'}"
    _run(["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(work),
          str(book)])
    _run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
          str(work / (book.stem + ".pdf")), str(png.with_suffix(""))])
    _crop(png)


def _crop(png: Path, pad: int = 12) -> None:
    """Cut the page's white margins away (the picture is the printed area)."""
    from PIL import Image, ImageOps

    with Image.open(png) as img:
        rgb = img.convert("RGB")
    box = ImageOps.invert(rgb.convert("L")).getbbox()
    if box is not None:
        left, top, right, bottom = box
        rgb = rgb.crop((max(left - pad, 0), max(top - pad, 0), min(right + pad, rgb.width),
                        min(bottom + pad, rgb.height)))
    rgb.save(png, optimize=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else ROOT / "docs" / "img"
    out_dir.mkdir(parents=True, exist_ok=True)
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        home = work / "home"
        posbt = Path(sys.executable).with_name("posbt")
        if len(args) > 1:  # a home that already holds a demo run (re-rendering)
            home = Path(args[1])
        else:
            _run([str(posbt), "--home", str(home), "demo", "--days", "60", "--history-days",
                  "260"])
        books = {"config": home / "demo" / "posbt_demo.xlsx",
                 "results": home / "demo" / "posbt_demo_results.xlsx"}
        for name, (which, sheet, area) in PICTURES.items():
            book = _one_sheet(books[which], sheet, area, work / f"{name}.xlsx")
            _render(book, out_dir / f"{name}.png", work)
            print(f"wrote {out_dir / name}.png")
        _render(_cell_functions_book(home, work / "guide_cell_functions.xlsx"),
                out_dir / "guide_cell_functions.png", work)
        print(f"wrote {out_dir / 'guide_cell_functions'}.png")


if __name__ == "__main__":
    main()
