"""Workbook access for the engine: a small reader/writer protocol and its openpyxl
implementation (files on disk, the headless path). xlbridge adds a live-book one."""
