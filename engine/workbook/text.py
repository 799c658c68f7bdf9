"""Text that posbt writes into workbooks and CSV files stays text (formula injection).

Every workbook and CSV writer passes its values through here. A string that Excel or a
spreadsheet importing a CSV would read as a formula (one starting with ``=``, ``+``,
``-``, ``@``, or a tab/CR before one of those) must never become one: a strategy named
``=HYPERLINK("http://evil", "click")`` is shown as that text, not run. Workbook writers
store such a string as a text cell (openpyxl: ``data_type = "s"``; a live book through
xlwings: Excel's quote prefix ``'``, which Excel does not show or keep in the value). CSV
has no cell types, so a CSV field gets the OWASP prefix: a leading ``'``.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_like(value: object) -> bool:
    """True when ``value`` is text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def quote_prefixed(value: Any) -> Any:
    """``value`` with Excel's quote prefix when it is formula-like text (typing a leading
    ``'`` into Excel makes the rest text; the apostrophe is not part of the value)."""
    return "'" + value if formula_like(value) else value


def csv_field(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text gets a leading ``'`` (OWASP's advice for
    CSV injection); numbers, dates and other text pass unchanged."""
    return "'" + value if formula_like(value) else value
