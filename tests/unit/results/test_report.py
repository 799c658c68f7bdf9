"""The HTML tearsheet: self-contained, escaped, the same numbers as the workbook, and clean in
headless Chromium (a screenshot, no console error, no request leaving the page)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.results.excel import write_results
from engine.results.report import from_results, from_workbook, render_html, write_html
from tests.unit.results.fakes import Spec, make_result, week_trades

EVIL = '<script>alert("x")</script>=HYPERLINK("http://evil.example")'


def _results():  # type: ignore[no-untyped-def]
    a = make_result("Weekly", week_trades(25, start=dt.date(2024, 1, 1), seed=4), series=True)
    b = make_result(EVIL, [Spec(dt.datetime(2024, 2, 5, 9, 20), dt.datetime(2024, 2, 7, 15, 15),
                                -1200.0, adjustments=2, costs_inr=80.0)])
    return [a, b]


def test_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = render_html(from_results(_results(), "run"))
    assert "<script>" not in page and "&lt;script&gt;alert" in page
    # nothing to fetch: no src/href other than inline data, and a policy that forbids it
    refs = re.findall(r"""(?:src|href)=['"]([^'"]+)""", page)
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs)
    assert "default-src 'none'" in page
    assert page.count("<img") == 4 + 4  # each: equity, P&L bars, distribution, payoff


def test_workbook_and_run_give_the_same_page_numbers(tmp_path: Path) -> None:
    results = _results()
    out = write_results(results, tmp_path / "r.xlsx")
    direct, back = from_results(results, "r"), from_workbook(out)
    assert [p.name for p in back.strategies] == ["Weekly", EVIL]
    assert len(back.trade_rows) == len(direct.trade_rows) == 26
    for got, want in zip(back.trade_rows, direct.trade_rows, strict=True):
        for g, w in zip(got, want, strict=True):
            assert g == (pytest.approx(w, rel=1e-12) if isinstance(w, float) else w)
    net = {label: values for label, _, values in back.summary}["Net P&L"]
    assert net == pytest.approx([sum(s.pnl_inr for s in week_trades(25, dt.date(2024, 1, 1), 4)),
                                 -1200.0])
    weekly = back.strategies[0]
    assert len(weekly.equity) == len(results[0].equity_dates)
    # the payoff curves come back from BT_Payoff: the most adjusted trade has 2 adjustments
    direct_w = direct.strategies[0]
    assert [c.name for c in weekly.curves] == [c.name for c in direct_w.curves] == [
        f"{kind}: {stage}" for stage in ("entry", "after adjustment 1", "after adjustment 2")
        for kind in ("expiry", "T+0")]
    assert [b[0] for b in weekly.breakevens] == [b[0] for b in direct_w.breakevens]
    assert [b[1] for b in weekly.breakevens] == pytest.approx([b[1] for b in direct_w.breakevens])
    assert weekly.spots == pytest.approx(direct_w.spots)
    assert weekly.curves[0].pnl_inr == pytest.approx(direct_w.curves[0].pnl_inr)


def _chromium(page: Path, work: Path) -> tuple[str, list[str], Path]:
    shot, net = work / "shot.png", work / "net.json"
    proc = subprocess.run(
        ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={work / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--log-net-log={net}",
         f"--screenshot={shot}", "--window-size=1300,2400", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    events = json.loads(net.read_text())["events"] if net.exists() else []
    # requests the page made (isolation key of the file:// page), not the browser's own
    page_urls = [e["params"]["url"] for e in events
                 if "file://" in str(e.get("params", {}).get("network_isolation_key", ""))
                 and "url" in e.get("params", {})]
    return proc.stderr, page_urls, shot


@pytest.mark.chromium
def test_chromium_opens_it_without_errors_or_requests(tmp_path: Path) -> None:
    page = write_html(from_results(_results(), "run"), tmp_path / "run.html")
    log, urls, shot = _chromium(page, tmp_path / "good")
    assert shot.exists() and shot.stat().st_size > 20_000  # something was drawn
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert [u for u in urls if not u.startswith(("file:", "data:"))] == []
    # the checks see what they look for: a page with a script error and an external image
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><img src='http://example.invalid/x.png'>"
                   "<script>throw new Error('boom')</script>")
    log, urls, _ = _chromium(bad, tmp_path / "bad")
    assert any("boom" in line for line in log.splitlines() if ":CONSOLE" in line)
    assert "http://example.invalid/x.png" in urls
    shutil.copy(shot, tmp_path / "kept.png")


def test_cli_report_from_workbook_and_errors(tmp_path: Path) -> None:
    out = write_results(_results(), tmp_path / "r.xlsx")
    runner = CliRunner()
    res = runner.invoke(cli, ["--home", str(tmp_path / "home"), "report", str(out), "--html",
                              str(tmp_path / "t.html")])
    assert res.exit_code == 0, res.output
    assert "Weekly" in (tmp_path / "t.html").read_text(encoding="utf-8")
    res = runner.invoke(cli, ["--home", str(tmp_path / "home"), "report", str(out), "--html",
                              str(tmp_path / "t.pdf")])
    assert res.exit_code == 1 and "must end in .html" in res.output
    res = runner.invoke(cli, ["--home", str(tmp_path / "home"), "report", "nosuchrun",
                              "--html", str(tmp_path / "t.html")])
    assert res.exit_code == 1 and "no run 'nosuchrun'" in res.output
    assert "Traceback" not in res.output


def test_no_trade_run_gives_a_page_that_says_so(tmp_path: Path) -> None:
    empty = make_result("Nothing", [])
    empty.equity_dates, empty.equity_inr = [], []
    out = write_results([empty], tmp_path / "r.xlsx")
    for sheet in (from_results([empty], "r"), from_workbook(out)):
        page = render_html(sheet)
        assert "No trades in this run" in page and "<img" not in page
        assert "IVP filter rejected every candidate bar" in page
