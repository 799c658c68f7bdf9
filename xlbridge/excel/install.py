"""``posbt excel install`` and ``uninstall``: every set-up step, in order, stopping at the
first that fails (a PosbtError naming the step; the CLI exits non-zero).

Excel-side set-up over :mod:`xlbridge.excel.layout` (where) and
:mod:`xlbridge.excel.autostart` (the login service). Steps: build posbt.xlam from the
installed package into the folder Excel opens at start; write posbt.conf (interpreter,
UDF module, posbt home) in xlwings' format; on macOS copy xlwings' RunPython AppleScript;
create the server token; register the server at login and start it; wait until it
answers with this install's token; record what was done in ``install.json`` (read by
doctor and uninstall). The user's market data, results and token are never removed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from engine import __version__
from engine.errors import PosbtError
from xlbridge.addin.build import UDF_MODULE, build, xlwings_dir, xlwings_version
from xlbridge.conf import POSBT_HOME_KEY, UDF_MODULES, read_conf, write_conf
from xlbridge.excel import autostart
from xlbridge.excel.autostart import Runner, run_command
from xlbridge.excel.layout import Layout, Platform
from xlbridge.settings import ensure_token, write_server_info

Say = Callable[[str], None]
HEALTH_WAIT_S = 45.0


@dataclass
class Manifest:
    """What install did (``$POSBT_HOME/excel/install.json``)."""

    version: str
    xlwings: str
    addin: str
    addin_sha256: str
    conf: str
    autostart: str | None
    port: int
    interpreter: str
    runpython_script: str | None = None
    steps: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, indent=2), encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def conf_settings(layout: Layout) -> dict[str, str]:
    """The posbt.conf lines install writes (keys spelled as xlwings reads them)."""
    return {layout.interpreter_key: str(layout.interpreter), UDF_MODULES: UDF_MODULE,
            POSBT_HOME_KEY: str(layout.posbt_home)}


def wait_for_server(layout: Layout, token: str, timeout_s: float = HEALTH_WAIT_S) -> None:
    """Until the server on the layout's port answers with this token, or PosbtError."""
    base = f"http://127.0.0.1:{layout.port}/v1"
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{base}/jobs/posbt-install-check", timeout=2, trust_env=False,
                          headers={"Authorization": f"Bearer {token}"})
            if r.status_code == 404:  # authenticated; the job does not exist
                return
            last = f"HTTP {r.status_code}"
            if r.status_code == 401:
                raise PosbtError(f"a server on port {layout.port} answers but rejects this "
                                 "install's token (another posbt server?); stop it and run "
                                 "install again", place=f"127.0.0.1:{layout.port}")
        except httpx.TransportError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise PosbtError(f"the server did not answer within {timeout_s:.0f} s ({last}); see "
                     f"{layout.logs_dir / 'serve-console.log'}", place=f"127.0.0.1:{layout.port}")


def install(layout: Layout, say: Say, runner: Runner = run_command, autostart_on: bool = True,
            user: str | None = None) -> Manifest:
    """Run every step; PosbtError at the first failure (nothing after it runs)."""
    steps = 5 if layout.platform is Platform.MACOS else 4
    n = iter(range(1, steps + 1))

    def step(text: str) -> None:
        say(f"{next(n)}/{steps} {text}")

    step(f"posbt.xlam (xlwings {xlwings_version()}) -> {layout.addin_path}")
    addin = build(layout.addin_path)
    step(f"settings -> {layout.conf_path}")
    write_conf(layout.conf_path, conf_settings(layout))
    script = None
    if layout.platform is Platform.MACOS:
        step(f"RunPython AppleScript -> {layout.runpython_script}")
        source = xlwings_dir() / f"xlwings-{xlwings_version()}.applescript"
        layout.runpython_script.mkdir(parents=True, exist_ok=True)
        script = layout.runpython_script / source.name
        shutil.copyfile(source, script)
    step(f"server token -> {layout.posbt_home / 'server.token'}")
    token = ensure_token(layout.posbt_home)
    service: Path | None = None
    if autostart_on:
        step(f"server at login -> {layout.autostart_file}")
        write_server_info(layout.posbt_home, layout.port, 0)
        service = autostart.register_and_start(layout, runner, user)
        wait_for_server(layout, token)
    else:
        step("server at login: skipped (--no-autostart); start it with `posbt serve`")
    manifest = Manifest(version=__version__, xlwings=xlwings_version(), addin=str(addin),
                        addin_sha256=sha256(addin), conf=str(layout.conf_path),
                        autostart=str(service) if service else None, port=layout.port,
                        interpreter=str(layout.interpreter),
                        runpython_script=str(script) if script else None)
    manifest.write(layout.manifest)
    return manifest


def uninstall(layout: Layout, say: Say, runner: Runner = run_command) -> list[str]:
    """Remove what install added (add-in, settings, AppleScript, login service); keeps
    $POSBT_HOME (market data, results, token). Returns what could not be removed."""
    problems: list[str] = []
    manifest = Manifest.read(layout.manifest)
    say("server at login: stop and remove")
    problems += autostart.unregister(layout, runner)
    for label, path in (("posbt.xlam", layout.addin_path), ("posbt.conf", layout.conf_path)):
        say(f"{label}: remove {path}")
        try:
            path.unlink(missing_ok=True)
        except PermissionError:
            problems.append(f"{path} is in use (close Excel and run uninstall again)")
    if manifest is not None and manifest.runpython_script:
        Path(manifest.runpython_script).unlink(missing_ok=True)
    layout.manifest.unlink(missing_ok=True)
    say(f"kept {layout.posbt_home} (market data, results, token); delete it yourself to drop them")
    return problems


def read_settings(layout: Layout) -> dict[str, str]:
    return read_conf(layout.conf_path)
