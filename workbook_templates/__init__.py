"""The shipped workbooks as package data (installed as ``engine.workbook_templates``),
generated from engine/config by scripts/gen_templates.py."""
