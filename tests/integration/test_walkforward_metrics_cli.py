"""``posbt sweep --walk-forward`` by a trade metric end to end on the golden market (40 trading
days from 2 January 2025: January in sample, February out of sample): the in-sample win rate
and return on margin of each variant recomputed from results.duckdb's trades with SQL, the
choice checked against them, and a resumed sweep (every variant from the results store)
writing the same BT_WalkForward."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from tests.golden import cases as golden

EXAMPLES = golden.ADJUSTMENT_EXAMPLES  # Demo_IronFly_Adjusted: weekly flies, adjusted


@pytest.fixture(scope="module")
def golden_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wf_market") / "market.duckdb"
    golden.build_market(path)
    return path


def _walk(home: Path, cfg: Path, metric: str, out: Path) -> list[tuple[object, ...]]:
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--strategy", "Demo_IronFly_Adjusted",
                                      "--param", "Lots=1,2", "--param", "StopLoss=0.5,2",
                                      "--workers", "1", "--walk-forward", "1:1",
                                      "--metric", metric, "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out, read_only=True)
    try:
        return list(wb["BT_WalkForward"].iter_rows(values_only=True))
    finally:
        wb.close()


def _january(home: Path) -> dict[tuple[int, float], tuple[float, float]]:
    """(Lots, StopLoss) -> (win rate, net P&L / peak margin) of the trades exiting in
    January, straight from results.duckdb (one position at a time: the peak margin is the
    largest trade margin), with the January net P&L from the stored daily P&L."""
    con = duckdb.connect(str(home / "results.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT CAST(json_extract(v.params_json, '$.Lots') AS INTEGER), "
            "CAST(json_extract(v.params_json, '$.StopLoss') AS DOUBLE), "
            "avg(CASE WHEN t.pnl_net_inr > 0 THEN 1.0 ELSE 0.0 END), max(t.margin_inr), "
            "any_value(v.daily_pnl_json) FROM sweep_variants v JOIN trades t USING (run_id) "
            "WHERE t.exit_ts < TIMESTAMP '2025-02-01' GROUP BY 1, 2").fetchall()
    finally:
        con.close()
    import json

    out = {}
    for lots, stop, win, margin, daily in rows:
        jan = sum(x for d, x in json.loads(daily).items() if d < "2025-02-01")
        out[(lots, stop)] = (float(win), jan / float(margin))
    return out


def test_walk_forward_by_win_rate_and_return_on_margin(golden_market: Path, home: Path,
                                                       tmp_path: Path) -> None:
    home.mkdir(parents=True)
    shutil.copy(golden_market, home / "market.duckdb")
    cfg = tmp_path / "ex.yaml"
    cfg.write_text(EXAMPLES.read_text())
    first = _walk(home, cfg, "win_rate", tmp_path / "wr.xlsx")
    hand = _january(home)
    assert len(hand) == 4
    head = first[0]
    (window,) = [r for r in first[1:] if isinstance(r[0], int)]
    chosen = (window[head.index("Lots")], window[head.index("StopLoss")])
    best_win = max(w for w, _ in hand.values())
    # the chosen variant has the best January win rate (ties: the lowest variant number)
    assert hand[chosen][0] == pytest.approx(best_win)
    assert window[head.index("is_win_rate")] == pytest.approx(best_win)
    rom = _walk(home, cfg, "return_on_margin", tmp_path / "rom.xlsx")  # all from the store
    (w2,) = [r for r in rom[1:] if isinstance(r[0], int)]
    chosen = (w2[head.index("Lots")], w2[head.index("StopLoss")])
    assert w2[rom[0].index("is_return_on_margin")] == pytest.approx(
        max(r for _, r in hand.values()))
    assert hand[chosen][1] == pytest.approx(max(r for _, r in hand.values()))
    # resumed: the win-rate walk again, every variant from the results store, same sheet
    assert _walk(home, cfg, "win_rate", tmp_path / "wr2.xlsx") == first
