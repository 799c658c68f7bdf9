"""Where ``posbt excel install`` puts each piece on this machine, per platform.

Excel-side set-up, read by :mod:`xlbridge.excel.install` and :mod:`xlbridge.excel.doctor`
(which must agree on every path, so they live here once). Nothing here touches the disk.

- posbt.xlam: Windows %APPDATA%\\Microsoft\\Excel\\XLSTART (opened at start, as xlwings
  installs its own add-in); macOS Office's Startup/Excel folder; Linux (a headless server,
  no Excel) $POSBT_HOME/excel, to copy to a machine with Excel.
- posbt.conf: %USERPROFILE%\\.posbt on Windows, Excel's container on macOS, ~/.posbt.
- the server at login: a Task Scheduler task "posbt server" (pythonw: no console), a
  launchd agent in.posbt.server, a systemd user unit posbt.service.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from xlbridge.addin.build import ADDIN_FILE
from xlbridge.conf import conf_path
from xlbridge.settings import DEFAULT_PORT

TASK_NAME = "posbt server"
LAUNCHD_LABEL = "in.posbt.server"
SYSTEMD_UNIT = "posbt.service"
MAC_OFFICE = Path("Library") / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"


class Platform(StrEnum):
    """The operating systems the installer knows."""

    WINDOWS = "windows"
    MACOS = "macos"
    LINUX = "linux"

    @classmethod
    def current(cls, name: str = sys.platform) -> Platform:
        if name.startswith("win"):
            return cls.WINDOWS
        return cls.MACOS if name == "darwin" else cls.LINUX


@dataclass(frozen=True)
class Layout:
    """Every path of one installation."""

    platform: Platform
    user_home: Path
    posbt_home: Path
    interpreter: Path       # the venv's python (python.exe on Windows)
    port: int = DEFAULT_PORT
    appdata: Path | None = None  # Windows %APPDATA% (default: user_home/AppData/Roaming)

    @classmethod
    def for_this_machine(cls, posbt_home: Path, port: int = DEFAULT_PORT) -> Layout:
        platform = Platform.current()
        appdata = Path(os.environ["APPDATA"]) if os.environ.get("APPDATA") else None
        user_home = Path(os.environ.get("USERPROFILE") or Path.home()) \
            if platform is Platform.WINDOWS else Path.home()
        return cls(platform=platform, user_home=user_home, posbt_home=posbt_home,
                   interpreter=Path(sys.executable), port=port, appdata=appdata)

    @property
    def scripts_dir(self) -> Path:
        """The venv folder holding ``posbt`` and the interpreter."""
        return self.interpreter.parent

    @property
    def windowless_interpreter(self) -> Path:
        """pythonw.exe beside python.exe (Windows): runs the server with no console."""
        return self.interpreter.with_name("pythonw.exe")

    @property
    def addin_dir(self) -> Path:
        if self.platform is Platform.WINDOWS:
            appdata = self.appdata or self.user_home / "AppData" / "Roaming"
            return appdata / "Microsoft" / "Excel" / "XLSTART"
        if self.platform is Platform.MACOS:
            return self.user_home / MAC_OFFICE / "Startup.localized" / "Excel"
        return self.posbt_home / "excel"

    @property
    def addin_path(self) -> Path:
        return self.addin_dir / ADDIN_FILE

    @property
    def conf_path(self) -> Path:
        name = {Platform.WINDOWS: "win32", Platform.MACOS: "darwin", Platform.LINUX: "linux"}
        return conf_path(name[self.platform], self.user_home)

    @property
    def interpreter_key(self) -> str:
        """The posbt.conf key xlwings reads the interpreter from on this platform."""
        return {Platform.WINDOWS: "INTERPRETER_WIN", Platform.MACOS: "INTERPRETER_MAC",
                Platform.LINUX: "INTERPRETER"}[self.platform]

    @property
    def runpython_script(self) -> Path:
        """macOS: where xlwings' RunPython AppleScript must sit (xlwings runpython install)."""
        return self.user_home / "Library" / "Application Scripts" / "com.microsoft.Excel"

    @property
    def autostart_file(self) -> Path:
        """The unit / plist / task XML that starts the server at login."""
        if self.platform is Platform.WINDOWS:
            return self.posbt_home / "excel" / "posbt-server-task.xml"
        if self.platform is Platform.MACOS:
            return self.user_home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        config = Path(os.environ.get("XDG_CONFIG_HOME") or self.user_home / ".config")
        return config / "systemd" / "user" / SYSTEMD_UNIT

    @property
    def manifest(self) -> Path:
        """What install did, for doctor and uninstall."""
        return self.posbt_home / "excel" / "install.json"

    @property
    def logs_dir(self) -> Path:
        return self.posbt_home / "logs"

    def server_command(self) -> list[str]:
        """The command the login service runs: ``posbt --home H serve --port P``, through
        this interpreter (on Windows pythonw and a launcher that gives it log files for the
        console it does not have)."""
        if self.platform is Platform.WINDOWS:
            return [str(self.windowless_interpreter), "-m", "xlbridge.excel.hidden",
                    "--home", str(self.posbt_home), "serve", "--port", str(self.port)]
        return [str(self.interpreter), "-m", "xlbridge.excel.hidden", "--home",
                str(self.posbt_home), "serve", "--port", str(self.port)]
