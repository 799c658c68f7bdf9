"""``posbt breakeven``: iron fly and calendar from options and from YAML; clear errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["breakeven", *args])
    return result.exit_code, result.output


def test_ironfly_prints_breakevens_and_probabilities() -> None:
    code, out = _run("ironfly", "--spot", "22000", "--centre", "22000", "--wing", "300",
                     "--credit", "240", "--costs", "2", "--vol", "0.14", "--dte", "7")
    assert code == 0, out
    # 22000 -/+ (240 - 2); max loss 300 - 240 + 2
    assert "21,762.00" in out and "22,238.00" in out and "62.00" in out
    assert "P(stay within) (THEORETICAL)" in out


def test_ironfly_weighted_and_mc() -> None:
    code, out = _run("ironfly", "--spot", "22000", "--centre", "22000", "--wing", "300",
                     "--credit", "240", "--vol", "0.14", "--dte", "7", "--wings", "WEIGHTED",
                     "--wing-cost", "90", "--method", "MONTE_CARLO")
    assert code == 0, out
    assert "WEIGHTED" in out and "MONTE_CARLO" in out and "[" in out
    code, out = _run("ironfly", "--spot", "22000", "--centre", "22000", "--wing", "300",
                     "--credit", "240", "--wings", "WEIGHTED", "--wing-cost", "90")
    assert code == 1 and "--vol" in out and "Traceback" not in out


def test_calendar_command() -> None:
    code, out = _run("calendar", "--spot", "22000", "--strike", "22000", "--front-dte", "7",
                     "--back-dte", "35", "--front-iv", "0.14", "--back-iv", "0.15",
                     "--be-method", "T+N", "--debit", "250")
    assert code == 0, out
    assert "T+N" in out and "upper breakeven" in out and "strike's IV" in out
    code, out = _run("calendar", "--spot", "22000", "--strike", "22000", "--front-dte", "9",
                     "--back-dte", "7", "--front-iv", "0.14", "--back-iv", "0.15")
    assert code == 1 and "front_dte" in out


def test_yaml_file(tmp_path: Path) -> None:
    good = tmp_path / "fly.yaml"
    good.write_text("kind: ironfly\nspot: 22000\ncentre: 22000\nwing: 300\ncredit: 240\n"
                    "costs: 2\n", encoding="utf-8")
    code, out = _run("file", str(good))
    assert code == 0 and "21,762.00" in out
    cal = tmp_path / "cal.yaml"
    cal.write_text("kind: calendar\nspot: 22000\nstrike: 22000\nfront_dte: 7\nback_dte: 35\n"
                   "front_iv: 0.14\nback_iv: 0.15\ndebit: 5000\n", encoding="utf-8")
    code, out = _run("file", str(cal))
    assert code == 0 and "no profit" in out
    for text, msg in (("kind: condor\n", "kind must be"), ("[1, 2]\n", "mapping"),
                      ("kind: ironfly\nspot: 1\nbogus: 2\n", "unknown or missing key"),
                      ("kind: [\n", "not valid YAML")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        code, out = _run("file", str(bad))
        assert code == 1 and msg in out and "Traceback" not in out


def test_bad_credit_and_empirical_method_from_cli() -> None:
    code, out = _run("ironfly", "--spot", "22000", "--centre", "22000", "--wing", "300",
                     "--credit", "340")
    assert code == 1 and "not below the wing width" in out
