"""Validation problems with places, the report that gathers them, and ConfigError.

Config stage, shared by sources, the merge, validation and the CLI. A problem names
where the user looks (``PositionalParameter!F7`` or ``strat.yaml:12 entry_rules.x``)
and the parameter's Excel name, so ``str(problem)`` reads
``PositionalParameter!F7 (IVPMinEntry): must be <= IVPMaxEntry (0.7), got 0.9``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from engine.errors import PosbtError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about a configuration."""

    place: str
    message: str
    excel_name: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        name = f" ({self.excel_name})" if self.excel_name else ""
        return f"{self.place}{name}: {self.message}"


@dataclass
class ValidationReport:
    """Every problem found, errors and warnings, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, place: str, message: str, excel_name: str | None = None,
            severity: Severity = "error") -> None:
        self.problems.append(Problem(place, message, excel_name, severity))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def text(self) -> str:
        """All problems, one per line, errors first."""
        lines = [f"error: {p}" for p in self.errors]
        lines += [f"warning: {p}" for p in self.warnings]
        return "\n".join(lines)

    def raise_if_errors(self) -> None:
        """Raise :class:`ConfigError` listing every error."""
        if not self.ok:
            raise ConfigError(self)


class ConfigError(PosbtError):
    """A configuration has errors; ``report`` holds every one with its place."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        n = len(report.errors)
        lines = "\n".join(str(p) for p in report.errors)
        super().__init__(f"{n} configuration error{'s' if n != 1 else ''}:\n{lines}")
