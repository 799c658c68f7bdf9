"""Excel side of posbt: local server, xlwings UDFs and ribbon macros, workbook adapters."""
