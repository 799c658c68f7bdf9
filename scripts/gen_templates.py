"""Regenerate workbook_templates/posbt_template.xlsx and docs/parameters.md from the models."""

from pathlib import Path

from engine.config.templates import main

if __name__ == "__main__":
    main([str(Path(__file__).resolve().parents[1])])
