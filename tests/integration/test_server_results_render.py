"""Result workbooks opened, recalculated and rendered by LibreOffice headless."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.api import run_file
from tests.unit.xlbridge.market import build_market

TEMPLATE = Path(__file__).resolve().parents[2] / "workbook_templates" / "posbt_template.xlsx"
ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "Err:")


@pytest.mark.libreoffice
def test_results_recalculate_and_render(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_market(home)
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATE, book)
    out = run_file(book, home).out_path
    assert out is not None
    lo = tmp_path / "lo"
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for fmt in ("xlsx", "pdf"):
        subprocess.run(["soffice", profile, "--headless", "--convert-to", fmt, "--outdir",
                        str(lo), str(out)], check=True, capture_output=True, timeout=180)
    recalculated = load_workbook(lo / out.name, data_only=True)
    for name in [n for n in recalculated.sheetnames if n.startswith("BT_")]:
        for row in recalculated[name].iter_rows(values_only=True):
            bad = [v for v in row if isinstance(v, str) and v.startswith(ERRORS)]
            assert not bad, (name, bad)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1",
                        str(lo / (out.stem + ".pdf")), str(lo / "page")], check=True, timeout=120)
        pages = list(lo.glob("page*.png"))
        assert pages and pages[0].stat().st_size > 1000
