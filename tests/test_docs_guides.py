"""docs/volatility.md and docs/tuning.md stay honest: the parameters they cite exist, what they
call "not acted on" still is, and the scripts that measure their figures run.

The scripts run on a tiny demo market (15 trading days of 15-minute bars, 60 days of daily
history; marked slow). Their numbers are checked against independent arithmetic: the
close-to-close HV percentile against pandas' rolling standard deviation of the daily closes,
a study's ranges against max - min of its own rows.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.config.registry import Sheet, by_excel_name

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ("docs/volatility.md", "docs/tuning.md")
# a backticked Excel-style name: CamelCase, starts upper, has a lower-case letter, no _ . or space
_NAME = re.compile(r"`([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)`")
# words the guides put in backticks that are not parameters (sheet names and the like)
NOT_PARAMETERS = {"BT_Sweep"}
# parameters the guides say are accepted but not acted on yet
SAID_NOT_ACTED_ON = ("IVRLookback", "ATRLookback", "UseHV", "AnalyzeIVSkew", "SkewThreshold",
                     "RegimeAttribution")


def _reference_table() -> dict[str, str]:
    """Excel name -> the 'Acted on' cell, from every table of docs/parameters.md."""
    out: dict[str, str] = {}
    for line in (ROOT / "docs" / "parameters.md").read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) >= 9 and cells[1] not in ("Excel name", "---"):
            out.setdefault(cells[1], cells[7])
    return out


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_parameter_the_guides_cite_is_in_the_reference() -> None:
    table = _reference_table()
    registry = {n for sheet in Sheet for n in by_excel_name(sheet)}
    assert "IVPMinEntry" in table and "VolScaleLow" in table  # the parser reads both sheets
    for doc in GUIDES:
        names = set(_NAME.findall((ROOT / doc).read_text())) - NOT_PARAMETERS
        assert len(names) >= 10, doc
        unknown = sorted(n for n in names if n not in table or n not in registry)
        assert not unknown, f"{doc} cites names docs/parameters.md does not list: {unknown}"


def test_what_the_guides_call_not_acted_on_still_is() -> None:
    table = _reference_table()
    text = (ROOT / "docs" / "volatility.md").read_text()
    for name in SAID_NOT_ACTED_ON:
        assert f"`{name}`" in text
        assert table[name] == "not yet", f"{name} is acted on now: update docs/volatility.md"


def test_the_tuning_study_sweeps_real_parameters() -> None:
    table = _reference_table()
    study = _load("tuning_study")
    assert {s.name for s in study.STUDIES} <= set(table)
    tuning = (ROOT / "docs" / "tuning.md").read_text()
    for s in study.STUDIES:  # the doc discusses every parameter the script sweeps
        assert f"`{s.name}`" in tuning


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("guides") / "home"
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "demo", "--days", "15",
                                      "--interval", "15m", "--history-days", "60"])
    assert result.exit_code == 0, result.output
    return home


@pytest.mark.slow
def test_vol_ranges_runs_and_its_hv_matches_pandas(tiny_home: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    vol = _load("vol_ranges")
    vol.main(["--home", str(tiny_home), "--skew-every", "5"])
    out = capsys.readouterr().out
    for _, label, _ in vol.METRICS:
        assert f"| {label} |" in out
    result = vol.measure(tiny_home, "NIFTY", 5)
    rows = {r["metric"]: r for r in result["rows"]}
    # independent reference: the daily closes' log returns, pandas rolling std (ddof 1) over
    # 20 returns, x sqrt(252), then numpy's percentiles of the defined values
    from engine.data.factory import open_market_store

    store = open_market_store(tiny_home, read_only=True)
    try:
        bars = store.query("daily_closes", {"symbol": "NIFTY", "vix_symbol": "INDIAVIX",
                                            "date_from": pd.Timestamp("1990-01-01").date(),
                                            "date_to": pd.Timestamp("2100-01-01").date()})
    finally:
        store.close()
    close = pd.Series(bars.column("close").to_numpy(), dtype=float)
    log_returns = pd.Series(np.log(close / close.shift(1)))
    hv = (log_returns.rolling(20).std(ddof=1) * math.sqrt(252)).dropna()
    assert rows["hv_cc_20"]["n"] == len(hv) == len(close) - 20
    for p in (5, 50, 95):
        assert rows["hv_cc_20"][f"p{p}"] == pytest.approx(np.percentile(hv, p), rel=1e-9)
    # 60 days of history: IVP over 252 closes is never defined, and says so
    assert rows["ivp"]["n"] == 0 and "| IVP (30d IV, 252 closes) | fraction 0-1 | 0 | n/a" in out


@pytest.mark.slow
def test_tuning_study_runs_and_ranges_are_max_minus_min(
        tiny_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    study = _load("tuning_study")
    out_json = tmp_path / "study.json"
    study.main(["--home", str(tiny_home), "--only", "StopLoss,WingWidthPts", "--values",
                "StopLoss=0.5,2", "--values", "WingWidthPts=200,400", "--interval", "15m",
                "--from", "2025-01-01", "--to", "2025-01-20", "--json", str(out_json)])
    out = capsys.readouterr().out
    assert "## Ranking" in out and "| StopLoss |" in out and "| WingWidthPts |" in out
    import json

    results = json.loads(out_json.read_text())
    assert [r["parameter"] for r in results] == ["WingWidthPts", "StopLoss"]  # STUDIES order
    for r in results:
        assert [v["value"] for v in r["per_value"]] == (
            [0.5, 2.0] if r["parameter"] == "StopLoss" else [200.0, 400.0])
        pnl = [v["net_pnl_inr"] for v in r["per_value"]]
        assert r["range"]["net_pnl_inr"] == pytest.approx(max(pnl) - min(pnl))
        assert r["stats"]["variants"] >= 1
    # a second run finds every variant in the study's results store and recomputes none
    study.main(["--home", str(tiny_home), "--only", "StopLoss", "--values", "StopLoss=0.5,2",
                "--interval", "15m", "--from", "2025-01-01", "--to", "2025-01-20"])
    assert "(ran 0, reused 2" in capsys.readouterr().out


def test_band_shares_count_only_days_where_every_metric_is_known() -> None:
    vol = _load("vol_ranges")
    nan = float("nan")
    series = {name: np.asarray(v, dtype=float) for name, v in {
        "ivp": [0.10, 0.40, nan, 0.60], "atr_pct": [0.5, 0.1, 0.5, 0.5],
        "vix_close": [15.0, 15.0, 15.0, 25.0], "ivr": [0.6, 0.2, 0.9, 0.5],
        "iv_hv_ratio": [1.0, 2.5, 1.0, nan]}.items()}
    text: dict[str, list[object]] = {"term_class": ["BACKWARDATION", None, "FLAT", "CONTANGO"],
                                     "regime": ["HIGH", "MEDIUM", "HIGH", None]}
    shares = {b["band"]: (b["days"], b["share"]) for b in vol.band_shares(series, text)}
    # IVP in [0.30, 0.70]: day 3 unknown; of 0.10, 0.40, 0.60 two are inside -> 2/3
    assert shares["IVP in [0.30, 0.70] (IVPMinEntry/IVPMaxEntry of plan example 1)"] == \
        (3, pytest.approx(2 / 3))
    # plan example 1 (IVP, ATR pct 0.2-0.8, VIX 12-20), days 1, 2, 4 known: day 1 IVP 0.10 out,
    # day 2 ATR 0.1 out, day 4 VIX 25 out -> 0/3
    assert shares["plan example 1: all three"] == (3, 0.0)
    # plan example 2 (IVR >= 0.5, HIGH, BACKWARDATION): known where IVR, regime and term all
    # are: days 1 and 3; day 1 passes all three, day 3 is FLAT -> 1/2
    assert shares["plan example 2: all three"] == (2, pytest.approx(0.5))
    # IV/HV in [0.5, 2.0]: day 4 unknown; 1.0 in, 2.5 out, 1.0 in -> 2/3
    assert shares["IV/HV in [0.5, 2.0] (the IVHVRatioMin/Max defaults)"] == \
        (3, pytest.approx(2 / 3))
