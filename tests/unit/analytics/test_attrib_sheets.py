"""BT_Attribution's section rows look like the BT_* sheets' sections (one styling, one helper)."""

from __future__ import annotations

from openpyxl import Workbook

from engine.analytics.attrib_sheets import write_attribution
from engine.analytics.attribution import attribute
from engine.results.sheets import SECTION_FILL, SECTION_FONT
from tests.unit.analytics.test_attribution import TRADES


def test_attribution_sections_use_the_results_section_style() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    write_attribution(ws, [attribute("S", TRADES)])
    assert ws["A1"].value == "Attribution: S (6 trades, net P&L 1,100 INR)"
    # the title row is filled across the 5 columns of the bucket tables below it, not beyond
    for col in "ABCDE":
        cell = ws[f"{col}1"]
        assert cell.fill.fgColor.rgb == SECTION_FILL.fgColor.rgb, col
        assert cell.font.bold and cell.font.color.rgb == SECTION_FONT.color.rgb, col
    assert ws["F1"].fill.fgColor.rgb != SECTION_FILL.fgColor.rgb
    # every bucket block's title row has the same style
    titles = [c for c in ws["A"] if c.fill.fgColor.rgb == SECTION_FILL.fgColor.rgb]
    assert len(titles) > 1 and all(c.font.bold for c in titles)
