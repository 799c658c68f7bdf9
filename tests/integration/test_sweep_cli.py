"""``posbt sweep`` end to end on a constructed market: variants, BT_Sweep, resume, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.results.store import ResultsStore
from tests.integration.test_run_cli import FLY_YAML
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1


def _market(home: Path) -> Path:
    store = DuckDBStore(home / "market.duckdb")
    load_market(store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    store.close()
    return home


@pytest.fixture
def market_home(home: Path) -> Path:
    return _market(home)


def _sheet(path: Path) -> list[tuple[object, ...]]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb["BT_Sweep"].iter_rows(values_only=True))
    wb.close()
    return rows


def _sweep(cfg: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--workers", "1", *args])
    return result.exit_code, result.output


def test_sweep_over_lots_and_stop_gives_each_variant_its_pnl(market_home: Path,
                                                              tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, "--param", "Lots=1:3:1", "--param", "exit_rules.stop_loss=0.2,5")
    assert code == 0, output
    assert "6 variants: 6 done (6 run now, 0 already in the results store), 0 invalid" in output
    rows = _sheet(tmp_path / "fly_sweep.xlsx")
    head = rows[0]
    assert head[:4] == ("variant", "status", "Lots", "StopLoss")
    pnl = {(r[2], r[3]): r[head.index("net_pnl_inr")] for r in rows[1:]}
    # hold to expiry: credit 240 settled at 130 -> +110 pts x 75 = 8,250 per lot.
    # stop 0.2 of the 240 credit = 48 pts: at 14:00 the loss is 50 pts -> -50 x 75 = -3,750
    # per lot; stop 5 x 240 never fires.
    assert pnl == pytest.approx({(1, 0.2): -3750.0, (1, 5.0): 8250.0, (2, 0.2): -7500.0,
                                 (2, 5.0): 16500.0, (3, 0.2): -11250.0, (3, 5.0): 24750.0})
    assert len({r[head.index("config_hash")] for r in rows[1:]}) == 6
    store = ResultsStore(market_home / "results.duckdb")
    assert len(store.runs()) == 6  # every variant's run (trades too) is kept
    store.close()


def test_resumed_sweep_skips_finished_variants_and_ends_with_the_same_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    fresh, resumed = _market(tmp_path / "fresh"), _market(tmp_path / "resumed")
    monkeypatch.setenv("POSBT_HOME", str(fresh))
    code, output = _sweep(cfg, "--param", "Lots=1:4:1", "--out", str(tmp_path / "a.xlsx"))
    assert code == 0, output
    monkeypatch.setenv("POSBT_HOME", str(resumed))
    # a sweep stopped after two variants: those are in the results store
    code, output = _sweep(cfg, "--param", "Lots=1,2", "--out", str(tmp_path / "part.xlsx"))
    assert code == 0, output
    code, output = _sweep(cfg, "--param", "Lots=1:4:1", "--out", str(tmp_path / "b.xlsx"))
    assert code == 0, output
    assert "4 done (2 run now, 2 already in the results store)" in output
    assert _sheet(tmp_path / "a.xlsx") == _sheet(tmp_path / "b.xlsx")
    store = ResultsStore(resumed / "results.duckdb")
    assert len(store.runs()) == 4  # 2 + 2: nothing computed twice
    store.close()


def test_process_pool_gives_the_same_table_as_one_process(market_home: Path,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--workers", "2", "--param",
                                      "Lots=1,3", "--out", str(tmp_path / "pool.xlsx")])
    assert result.exit_code == 0, result.output
    other = _market(tmp_path / "serial")
    monkeypatch.setenv("POSBT_HOME", str(other))
    code, output = _sweep(cfg, "--param", "Lots=1,3", "--out", str(tmp_path / "serial.xlsx"))
    assert code == 0, output
    assert _sheet(tmp_path / "pool.xlsx") == _sheet(tmp_path / "serial.xlsx")


def test_invalid_combination_is_listed_and_skipped(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML.replace("wing_width_pts: 300", "wing_width_pts: 300\n"
                                    "short_leg_dte: 7"))
    # MinDTEEntry above MaxDTEEntry is a cross-field error no single value shows
    code, output = _sweep(cfg, "--param", "MinDTEEntry=0,10", "--param", "MaxDTEEntry=5,400")
    assert code == 0, output
    rows = _sheet(tmp_path / "fly_sweep.xlsx")
    status = {(r[2], r[3]): r[1] for r in rows[1:]}
    assert status[(10, 5)] == "invalid"
    assert "variant 2 skipped (invalid)" in output
    assert status[(0, 400)] == "done"


@pytest.mark.parametrize(("args", "text"), [
    (["--param", "WingWidth=200,300"], "unknown parameter 'WingWidth'; did you mean WingWidthPts"),
    (["--param", "Lots=5:1:1"], "Lots: the range '5:1:1' is empty"),
    (["--param", "Lots=0:3:1"], "Lots = 0 is below its minimum 1"),
    (["--param", "StopLoss=1,25"], "StopLoss = 25 is above its maximum 20"),
    (["--param", "Lots=1:1000:1", "--param", "WingWidthPts=1:1000:1"],
     "the sweep has 1,000,000 variants (Lots 1,000 x WingWidthPts 1,000)"),
    (["--param", "Lots"], "a swept parameter is NAME=VALUES"),
    (["--param", "Lots=1.5"], "Lots takes whole numbers"),
    ([], "a sweep needs at least one parameter"),
    (["--param", "MinDTEEntry=10", "--param", "MaxDTEEntry=5"],
     "every one of the 1 variants is invalid"),
    (["--param", "Lots=1", "--out", "x.csv"], "the results file must end in .xlsx"),
    (["--param", "Lots=1", "--strategy", "Nope"], "no strategy named Nope"),
])
def test_bad_input_names_the_problem_and_writes_nothing(market_home: Path, tmp_path: Path,
                                                        args: list[str], text: str) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, *args)
    assert code == 1
    assert text in output
    assert "Traceback" not in output
    assert not (tmp_path / "fly_sweep.xlsx").exists()
    assert not (market_home / "results.duckdb").exists()


def test_samples_draw_a_seeded_subset_of_a_large_grid(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    # grid: Lots 1..10 (10 values) x StopLoss 0.1..20 step 0.1 (200 values) = 2,000 variants;
    # variant i has Lots 1 + i // 200 and StopLoss 0.1 (1 + i % 200) (the last changes fastest)
    args = ["--param", "Lots=1:10:1", "--param", "StopLoss=0.1:20:0.1", "--samples", "3",
            "--seed", "5"]
    code, output = _sweep(cfg, *args)
    assert code == 0, output
    rows = _sheet(tmp_path / "fly_sweep.xlsx")
    picks = sorted(int(i) for i in np.random.default_rng(5).choice(2000, 3, replace=False))
    assert [r[0] for r in rows[1:]] == picks
    for r, i in zip(rows[1:], picks, strict=True):
        assert r[2] == 1 + i // 200
        assert r[3] == pytest.approx(0.1 * (1 + i % 200))


def test_sweep_of_a_workbook_keeps_its_sheets_and_adds_bt_sweep(market_home: Path,
                                                                 tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    book = tmp_path / "book.xlsx"
    converted = CliRunner().invoke(cli, ["convert", str(cfg), str(book)])
    assert converted.exit_code == 0, converted.output
    code, output = _sweep(book, "--param", "WingWidthPts=300", "--param", "Lots=1,2")
    assert code == 0, output
    out = tmp_path / "book_sweep.xlsx"
    wb = load_workbook(out, read_only=True)
    names = wb.sheetnames
    wb.close()
    assert {"BT_Sweep", "BT_SweepStats", "PositionalParameter"} <= set(names)
    rows = _sheet(out)
    assert [r[rows[0].index("net_pnl_inr")] for r in rows[1:]] == [8250, 16500]
    src = load_workbook(book, read_only=True)
    assert src.sheetnames == [n for n in names if not n.startswith("BT_")]  # input untouched
    src.close()
