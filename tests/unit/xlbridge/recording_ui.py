"""A stand-in for the add-in's UI (status bar, message box, opening a file) that records what
the macros asked of it; the macro, job-flow and ribbon end-to-end tests all use it."""

from __future__ import annotations

from pathlib import Path


class RecordingUi:
    def __init__(self) -> None:
        self.statuses: list[str | None] = []
        self.messages: list[tuple[str, str]] = []
        self.opened: list[Path] = []

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def message(self, text: str, title: str) -> None:
        self.messages.append((title, text))

    def open(self, path: Path) -> None:
        self.opened.append(path)
