"""``posbt excel install`` then ``posbt excel doctor`` in a throwaway HOME on Linux, with
a stand-in ``systemctl --user`` on PATH that really starts the unit's ExecStart (so the
unit's command is what runs the server); then each step broken in turn, and uninstall.
macOS: the same install in a throwaway HOME with a stand-in ``launchctl`` that starts the
plist's ProgramArguments."""

from __future__ import annotations

import os
import plistlib
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from xlbridge.excel.doctor import doctor
from xlbridge.excel.install import install, uninstall
from xlbridge.excel.layout import Layout, Platform

FAKE_SYSTEMCTL = r'''#!{python}
"""A stand-in for `systemctl --user` over unit files: enough for posbt's installer."""
import os, shlex, signal, subprocess, sys, time
from pathlib import Path

state = Path(os.environ["FAKE_SYSTEMD_STATE"])
state.mkdir(parents=True, exist_ok=True)
units = Path(os.environ["HOME"]) / ".config" / "systemd" / "user"
args = [a for a in sys.argv[1:] if a != "--user"]
verb, unit = args[0], (args[-1] if len(args) > 1 else "")
pidfile, enabled = state / (unit + ".pid"), state / (unit + ".enabled")

def stop():
    if pidfile.exists():
        pid = int(pidfile.read_text())
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
        except ProcessLookupError:
            pass
        pidfile.unlink()

if verb == "daemon-reload":
    sys.exit(0)
if verb == "enable":
    if not (units / unit).exists():
        sys.exit(f"Failed to enable unit: Unit file {{unit}} does not exist.")
    enabled.touch()
elif verb == "is-enabled":
    print("enabled" if enabled.exists() else "disabled")
    sys.exit(0 if enabled.exists() else 1)
elif verb in ("restart", "start"):
    stop()
    env = dict(os.environ)
    command = None
    for line in (units / unit).read_text().splitlines():
        if line.startswith("Environment="):
            key, _, value = line[len("Environment="):].partition("=")
            env[key] = value
        if line.startswith("ExecStart="):
            command = shlex.split(line[len("ExecStart="):])
    proc = subprocess.Popen(command, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pidfile.write_text(str(proc.pid))
elif verb == "stop":
    stop()
elif verb == "disable":
    if "--now" in args:
        stop()
    enabled.unlink(missing_ok=True)
else:
    sys.exit(f"unknown verb {{verb}}")
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def throwaway_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "user"
    home.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(FAKE_SYSTEMCTL.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SYSTEMD_STATE", str(tmp_path / "systemd-state"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("POSBT_HOME", raising=False)
    yield home
    subprocess.run(["systemctl", "--user", "stop", "posbt.service"], check=False)


def _doctor(home: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home / ".posbt"), "excel", "doctor"])
    return result.exit_code, result.output


def _failing(output: str) -> list[str]:
    return [line.split("]", 1)[1].split(":", 1)[0].strip() for line in output.splitlines()
            if line.startswith("[FAIL]")]


def test_install_then_doctor_all_green_and_each_break_is_named(throwaway_home: Path) -> None:
    home = throwaway_home
    posbt_home = home / ".posbt"
    port = _free_port()
    result = CliRunner().invoke(cli, ["--home", str(posbt_home), "excel", "install",
                                      "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert "4/4 server at login" in result.output and "Done." in result.output
    unit = (home / ".config" / "systemd" / "user" / "posbt.service").read_text()
    assert f"--port {port}" in unit and f"Environment=POSBT_HOME={posbt_home}" in unit
    conf = (posbt_home / "posbt.conf").read_text()
    # the keys exactly as xlwings' VBA reads them
    assert '"UDF MODULES","xlbridge.udfs"' in conf and f'"INTERPRETER","{sys.executable}"' in conf
    assert (posbt_home / "excel" / "posbt.xlam").is_file()

    code, out = _doctor(home)
    assert code == 0 and "All good." in out, out
    assert not _failing(out)

    # the conf deleted -> doctor names the settings (and says to reinstall)
    conf_path = posbt_home / "posbt.conf"
    saved = conf_path.read_bytes()
    conf_path.unlink()
    code, out = _doctor(home)
    assert code == 1 and _failing(out) == ["settings"], out
    assert "posbt.conf is missing" in out and "fix: posbt excel install" in out
    conf_path.write_bytes(saved)

    # a token that is not the one the server started with -> the server rejects it
    token_path = posbt_home / "server.token"
    token = token_path.read_text()
    token_path.write_text("x" * 48 + "\n")
    code, out = _doctor(home)
    assert code == 1 and _failing(out) == ["server token"], out
    assert "rejects the token" in out and "systemctl --user restart posbt.service" in out
    # a corrupt token file -> the token check names it
    token_path.write_text("not a token\n")
    code, out = _doctor(home)
    assert code == 1 and "token" in _failing(out), out
    token_path.write_text(token)

    # the server stopped -> nothing answers
    subprocess.run(["systemctl", "--user", "stop", "posbt.service"], check=True)
    code, out = _doctor(home)
    assert code == 1 and _failing(out) == ["server"], out
    assert "nothing answers" in out and "systemctl --user restart posbt.service" in out

    # the service disabled and the add-in deleted -> both named
    subprocess.run(["systemctl", "--user", "disable", "posbt.service"], check=True)
    (posbt_home / "excel" / "posbt.xlam").unlink()
    code, out = _doctor(home)
    assert {"add-in", "server at login", "server"} <= set(_failing(out)), out

    result = CliRunner().invoke(cli, ["--home", str(posbt_home), "excel", "uninstall"])
    assert result.exit_code == 0, result.output
    assert not conf_path.exists() and not (home / ".config/systemd/user/posbt.service").exists()
    assert token_path.exists()  # the user's token and data stay


def test_install_stops_at_the_first_failing_step(throwaway_home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = throwaway_home
    bad_bin = home / "badbin"
    bad_bin.mkdir()
    (bad_bin / "systemctl").write_text("#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n")
    (bad_bin / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bad_bin}{os.pathsep}{os.environ['PATH']}")
    result = CliRunner().invoke(cli, ["--home", str(home / ".posbt"), "excel", "install",
                                      "--port", str(_free_port())])
    assert result.exit_code == 1
    assert "systemctl --user daemon-reload` failed (exit 1): Failed to connect to bus" in \
        result.output
    assert "Done." not in result.output
    assert not (home / ".posbt" / "excel" / "install.json").exists()


def test_macos_install_writes_its_files_and_starts_the_plist(tmp_path: Path) -> None:
    home = tmp_path / "user"
    layout = Layout(platform=Platform.MACOS, user_home=home, posbt_home=home / ".posbt",
                    interpreter=Path(sys.executable), port=_free_port())
    calls: list[list[str]] = []
    procs: list[subprocess.Popen[bytes]] = []

    def launchctl(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        if cmd[1] == "kickstart":  # start what the plist says, as launchd would
            plist = plistlib.loads(layout.autostart_file.read_bytes())
            env = {**os.environ, **plist["EnvironmentVariables"]}
            procs.append(subprocess.Popen(plist["ProgramArguments"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return subprocess.CompletedProcess(cmd, 0, "state = running", "")

    try:
        manifest = install(layout, lambda _line: None, runner=launchctl)
        checks = doctor(layout, runner=launchctl)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
    assert [c.name for c in checks if not c.ok] == [], [c.line() for c in checks]
    office = home / "Library/Group Containers/UBF8T346G9.Office/User Content.localized"
    assert Path(manifest.addin) == office / "Startup.localized/Excel/posbt.xlam"
    conf = home / "Library/Containers/com.microsoft.Excel/Data/posbt.conf"
    assert f'"INTERPRETER_MAC","{sys.executable}"' in conf.read_text()
    assert (home / "Library/Application Scripts/com.microsoft.Excel").glob("xlwings-*.applescript")
    plist = plistlib.loads(layout.autostart_file.read_bytes())
    assert plist["Label"] == "in.posbt.server" and plist["RunAtLoad"] and plist["KeepAlive"]
    assert plist["ProgramArguments"][-3:] == ["serve", "--port", str(layout.port)]
    assert [c[1] for c in calls[:3]] == ["bootout", "bootstrap", "kickstart"]
    uninstall(layout, lambda _line: None, runner=launchctl)
    assert not layout.autostart_file.exists() and not conf.exists()
    assert shlex.join(calls[-1]).startswith("launchctl bootout gui/")
