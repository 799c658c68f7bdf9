"""``posbt excel doctor``: check every piece install set up, and the running server; each
problem says what is wrong and the command that fixes it.

Excel-side set-up, over the same :class:`~xlbridge.excel.layout.Layout` as install.
Checks, in order: the add-in file (present, a package with VBA, the one install built),
posbt.conf (readable, the keys xlwings reads, an interpreter that imports the cell
functions), on Windows the xlwings DLL beside the interpreter, on macOS the RunPython
AppleScript, the token file, the login service (its file and the service manager's
answer), the server's health and version, and whether it accepts the token.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from engine import __version__
from engine.errors import PosbtError
from xlbridge.addin.build import UDF_MODULE, xlwings_version
from xlbridge.conf import POSBT_HOME_KEY, UDF_MODULES, read_conf
from xlbridge.excel import autostart
from xlbridge.excel.autostart import Runner, run_command
from xlbridge.excel.install import Manifest, sha256
from xlbridge.excel.layout import Layout, Platform
from xlbridge.settings import read_token, server_port, token_path

INSTALL = "posbt excel install"


@dataclass(frozen=True)
class Check:
    """One finding: its name, whether it is fine, what was found and how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        tail = "" if self.ok or not self.fix else f"\n      fix: {self.fix}"
        return f"[{mark}] {self.name}: {self.detail}{tail}"


def _addin(layout: Layout, manifest: Manifest | None) -> Check:
    path = layout.addin_path
    if not path.is_file():
        return Check("add-in", False, f"{path} is missing", INSTALL)
    try:
        with zipfile.ZipFile(path) as z:
            has_vba = "xl/vbaProject.bin" in z.namelist()
    except zipfile.BadZipFile:
        has_vba = False
    if not has_vba:
        return Check("add-in", False, f"{path} is not a posbt add-in package", INSTALL)
    if manifest is not None and manifest.addin_sha256 != sha256(path):
        return Check("add-in", False, f"{path} is not the one install built", INSTALL)
    if manifest is not None and manifest.xlwings != xlwings_version():
        return Check("add-in", False, f"built for xlwings {manifest.xlwings}, installed "
                     f"{xlwings_version()} (the VBA must match)", INSTALL)
    return Check("add-in", True, str(path))


def _conf(layout: Layout, runner: Runner) -> list[Check]:
    path = layout.conf_path
    try:
        conf = read_conf(path)
    except PosbtError as exc:
        return [Check("settings", False, str(exc), INSTALL)]
    if not conf:
        return [Check("settings", False, f"{path} is missing or empty", INSTALL)]
    wrong = []
    if conf.get(UDF_MODULES) != UDF_MODULE:
        wrong.append(f'"{UDF_MODULES}" is {conf.get(UDF_MODULES)!r}, not {UDF_MODULE!r}')
    if Path(conf.get(POSBT_HOME_KEY, "")) != layout.posbt_home:
        wrong.append(f"{POSBT_HOME_KEY} is {conf.get(POSBT_HOME_KEY)!r}, not "
                     f"{str(layout.posbt_home)!r}")
    interpreter = conf.get(layout.interpreter_key, "")
    if not interpreter:
        wrong.append(f"no {layout.interpreter_key}")
    if wrong:
        return [Check("settings", False, f"{path}: " + "; ".join(wrong), INSTALL)]
    checks = [Check("settings", True, str(path))]
    done = runner([interpreter, "-c", f"import {UDF_MODULE}"])
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        checks.append(Check("interpreter", False, f"{interpreter} cannot import {UDF_MODULE}"
                            + (f" ({said[-1]})" if said else ""),
                            f'pip install "posbt[excel]" into that environment, then {INSTALL}'))
    else:
        checks.append(Check("interpreter", True, f"{interpreter} imports {UDF_MODULE}"))
    if layout.platform is Platform.WINDOWS:
        checks.append(_xlwings_dll(Path(interpreter)))
    return checks


def _xlwings_dll(interpreter: Path) -> Check:
    """The DLL the xlwings VBA loads from the interpreter's folder or the one above."""
    name = f"xlwings64-{xlwings_version()}.dll"
    places = [interpreter.parent / name, interpreter.parent.parent / name]
    found = next((p for p in places if p.is_file()), None)
    if found is None:
        return Check("xlwings DLL", False, f"{name} is in neither {places[0].parent} nor "
                     f"{places[1].parent}", 'pip install --force-reinstall "xlwings==' +
                     xlwings_version() + '" (64-bit Python for 64-bit Excel)')
    return Check("xlwings DLL", True, str(found))


def _runpython(layout: Layout) -> Check:
    script = layout.runpython_script / f"xlwings-{xlwings_version()}.applescript"
    if not script.is_file():
        return Check("RunPython AppleScript", False, f"{script} is missing", INSTALL)
    return Check("RunPython AppleScript", True, str(script))


def _token(layout: Layout) -> tuple[Check, str | None]:
    path = token_path(layout.posbt_home)
    try:
        token = read_token(layout.posbt_home)
    except PosbtError as exc:
        return Check("token", False, exc.message, f"delete {path} and run {INSTALL}"), None
    if len(token) < 32 or any(c.isspace() for c in token):
        return Check("token", False, f"{path} does not hold a token ({len(token)} characters)",
                     f"delete {path} and run {INSTALL}"), None
    if layout.platform is not Platform.WINDOWS and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Check("token", False, f"{path} is readable by other users",
                     f"chmod 600 {path}"), token
    return Check("token", True, str(path)), token


def _service(layout: Layout, manifest: Manifest | None, runner: Runner) -> Check:
    if manifest is not None and manifest.autostart is None:
        return Check("server at login", True, "not set up (installed with --no-autostart)")
    path = layout.autostart_file
    fix = INSTALL
    if not path.is_file():
        return Check("server at login", False, f"{path} is missing", fix)
    encoding = "utf-16" if layout.platform is Platform.WINDOWS else "utf-8"
    try:
        text = path.read_text(encoding=encoding)
    except (UnicodeError, OSError) as exc:
        return Check("server at login", False, f"{path} cannot be read ({exc})", fix)
    command = layout.server_command()
    if command[0] not in text or not Path(command[0]).exists():
        return Check("server at login", False, f"{path} does not start {command[0]}", fix)
    registered, said = autostart.is_registered(layout, runner)
    if not registered:
        return Check("server at login", False, f"not registered with the service manager "
                     f"({said})", fix)
    return Check("server at login", True, f"{path} ({said})")


def _server(layout: Layout, token: str | None) -> list[Check]:
    port = server_port(layout.posbt_home)
    base = f"http://127.0.0.1:{port}/v1"
    start = ("log off and on, or start it now: " +
             {Platform.WINDOWS: 'schtasks /Run /TN "posbt server"',
              Platform.MACOS: "launchctl kickstart gui/$(id -u)/in.posbt.server",
              Platform.LINUX: "systemctl --user restart posbt.service"}[layout.platform])
    try:
        health = httpx.get(f"{base}/health", timeout=3, trust_env=False).json()
    except (httpx.HTTPError, ValueError) as exc:
        return [Check("server", False, f"nothing answers at {base} ({type(exc).__name__})",
                      start)]
    checks = []
    if health.get("version") != __version__:
        checks.append(Check("server", False, f"the server at {base} runs posbt "
                            f"{health.get('version')}, this install is {__version__}",
                            "restart it: " + start.split(": ", 1)[-1]))
    else:
        checks.append(Check("server", True, f"posbt {__version__} at {base}"))
    if token is None:
        return checks
    try:
        r = httpx.get(f"{base}/jobs/posbt-doctor-check", timeout=3, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return [*checks, Check("server token", False, str(exc), start)]
    if r.status_code == 401:
        checks.append(Check("server token", False, "the server rejects the token in "
                            f"{token_path(layout.posbt_home)} (it was started with another)",
                            "restart the server: " + start.split(": ", 1)[-1]))
    else:
        checks.append(Check("server token", True, "accepted"))
    return checks


def doctor(layout: Layout, runner: Runner = run_command) -> list[Check]:
    """Every check, in set-up order."""
    manifest = Manifest.read(layout.manifest)
    checks = [_addin(layout, manifest), *_conf(layout, runner)]
    if layout.platform is Platform.MACOS:
        checks.append(_runpython(layout))
    token_check, token = _token(layout)
    checks += [token_check, _service(layout, manifest, runner), *_server(layout, token)]
    return checks

