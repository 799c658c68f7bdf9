"""posbt engine: backtests positional option strategies on Indian index options.

The engine never imports xlwings, fastapi or openpyxl at module level outside
``engine.workbook`` (the openpyxl adapter); the Excel side lives in ``xlbridge``.
"""

__version__ = "0.1.0"
