"""README's two set-up commands exist and CI runs the test command verbatim."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    blocks, cur, inside = [], [], False
    for line in text.splitlines():
        if line.startswith("```bash"):
            inside, cur = True, []
        elif line.startswith("```") and inside:
            inside = False
            blocks.append("\n".join(cur))
        elif inside:
            cur.append(line)
    return blocks


def test_readme_starts_with_main_job_and_test_command() -> None:
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    main_job, tests = blocks[0], blocks[1]
    assert "posbt" in main_job and "pip install" in main_job
    assert "pytest" in tests and "--cov-fail-under=90" in tests
    assert "ruff check" in tests and "mypy" in tests


def test_ci_runs_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "Run the tests" in ci and "README.md" in ci


def test_serve_is_registered_without_engine_importing_xlbridge() -> None:
    from click.testing import CliRunner

    from engine.cli.main import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
    engine_sources = "\n".join(p.read_text() for p in (ROOT / "engine").rglob("*.py"))
    assert "import xlbridge" not in engine_sources and "from xlbridge" not in engine_sources
