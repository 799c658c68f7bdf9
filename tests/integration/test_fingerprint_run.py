"""The data fingerprint end to end: two demo stores that differ only in their seed, the same
YAML run on each; BT_Summary, the HTML page and `posbt runs` say which data made each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.integration.test_run_cli import FLY_YAML

YAML = FLY_YAML.replace("bar_interval: 5m", "bar_interval: 15m").replace('"09:20"', '"09:30"')


def _build_and_run(root: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """`posbt data demo` (3 days of 15-minute bars) with ``seed``, then `posbt run`; returns
    the store's fingerprint and what BT_Summary says."""
    home = root / f"home_{seed}"
    monkeypatch.setenv("POSBT_HOME", str(home))
    runner = CliRunner()
    built = runner.invoke(cli, ["data", "demo", "--days", "3", "--interval", "15m",
                                "--history-days", "20", "--seed", str(seed)])
    assert built.exit_code == 0, built.output
    cfg = root / f"fly_{seed}.yaml"
    cfg.write_text(YAML)
    ran = runner.invoke(cli, ["run", str(cfg), "--report"])  # workbook + HTML page
    assert ran.exit_code == 0, ran.output
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    fingerprint = store.fingerprint()
    store.close()
    sheet = load_workbook(root / f"fly_{seed}_results.xlsx")["BT_Summary"]
    summary = {r[0].value: r[1].value for r in sheet.iter_rows(min_row=2)}
    page = (root / f"fly_{seed}_results.html").read_text(encoding="utf-8")
    run_id = re.search(r"run ([0-9a-f]{12})\)", ran.output)
    assert run_id is not None, ran.output
    shown = runner.invoke(cli, ["runs", "show", run_id.group(1)])
    assert shown.exit_code == 0, shown.output
    info = runner.invoke(cli, ["data", "info"])
    assert info.exit_code == 0, info.output
    return {"fingerprint": fingerprint, "cell": summary["Data fingerprint"],
            "config_hash": summary["Config hash"], "page": page,
            "show": shown.output, "info": info.output}


def test_two_seeds_give_two_fingerprints_in_the_results(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    a = _build_and_run(tmp_path, 7, monkeypatch)
    b = _build_and_run(tmp_path, 8, monkeypatch)
    # the same YAML: the same config hash; other data: another fingerprint
    assert a["config_hash"] == b["config_hash"]
    assert a["fingerprint"] != b["fingerprint"]
    for side in (a, b):
        fp = str(side["fingerprint"])
        assert re.fullmatch(r"[0-9a-f]{16}", fp)
        assert side["cell"] == fp  # BT_Summary's cell, read back from the workbook
        assert fp in str(side["page"])  # the HTML tearsheet's summary
        assert fp in str(side["show"])  # `posbt runs show`
        assert f"data fingerprint: {fp}" in str(side["info"])  # `posbt data info`
