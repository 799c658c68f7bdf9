"""The wheel carries every data file a run needs: each file of the folders read through
importlib.resources matches a package-data pattern of pyproject.toml (the wheel smoke
test in .ci/wheel_smoke then uses a real wheel outside the checkout)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> its folder in the repository (setup.py maps sql/ and workbook_templates/)
FOLDERS = {"engine.sql": ROOT / "sql", "engine.workbook_templates": ROOT / "workbook_templates",
           "xlbridge.addin": ROOT / "xlbridge" / "addin"}


def _package_data() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    return data


@pytest.mark.parametrize("package", sorted(FOLDERS))
def test_every_data_file_is_package_data(package: str) -> None:
    patterns = _package_data()[package]
    folder = FOLDERS[package]
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert files, folder
    missing = [f for f in files if not any(fnmatch.fnmatchcase(f, pat) for pat in patterns)]
    assert not missing, f"not in the wheel ({package} package-data): {missing}"


def test_resources_resolve_through_importlib() -> None:
    from importlib import resources

    from engine.data.sqlfiles import query_names, schema_texts

    assert resources.files("engine.sql").joinpath("duckdb", "schema").is_dir()
    assert len(query_names("duckdb")) == len(query_names("heavydb")) > 10
    # the same tables in both engines; in-place upgrades of older stores are DuckDB's alone
    # (a HeavyDB store is created at the current schema)
    tables = {e: [n for n, _ in schema_texts(e) if "migrations" not in n] for e in ("duckdb", "heavydb")}
    assert tables["duckdb"] == tables["heavydb"]
    assert resources.files("engine.workbook_templates").joinpath("posbt_template.xlsx").is_file()


def test_excel_extra_has_what_the_add_in_build_and_server_import() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = " ".join(config["project"]["optional-dependencies"]["excel"])
    for dist in ("xlwings==", "ms-ovba", "fastapi", "uvicorn", "httpx"):
        assert dist in extra, dist


def test_ci_runs_the_wheel_smoke_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    smoke = (ROOT / ".ci" / "wheel_smoke").read_text(encoding="utf-8")
    assert "\n.ci/wheel_smoke\n" in ci
    for needle in ("pip wheel", "-m venv", "[excel]", "posbt\" demo", "posbt\" serve",
                   "excel install", "excel doctor", "site-packages"):
        assert needle in smoke, needle
