"""The server at login: the file each platform's service manager reads, and the commands
that register, start, query and remove it.

Excel-side set-up. Windows: a Task Scheduler task from an XML definition (logon trigger,
pythonw so no console window, allowed on battery, no time limit, restarted on failure);
macOS: a launchd agent (RunAtLoad, KeepAlive); Linux: a systemd user unit
(Restart=on-failure). Commands go through a :data:`Runner` so tests can check them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from engine.errors import PosbtError
from xlbridge.excel.layout import LAUNCHD_LABEL, SYSTEMD_UNIT, TASK_NAME, Layout, Platform

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def run_command(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` (no shell); a missing program is exit code 127, like a shell says."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError as exc:
        return subprocess.CompletedProcess(cmd, 127, "", f"{cmd[0]}: not found ({exc})")
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 124, "", f"{cmd[0]}: timed out")


def checked(runner: Runner, cmd: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; PosbtError with its output when it exits non-zero."""
    done = runner(cmd)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip().splitlines()
        raise PosbtError(f"`{shlex.join(cmd)}` failed (exit {done.returncode})"
                         + (f": {detail[-1]}" if detail else ""), place=cmd[0])
    return done


# -- the files ---------------------------------------------------------------------------------
def systemd_unit(layout: Layout) -> str:
    cmd = " ".join(shlex.quote(c) for c in layout.server_command())
    return ("[Unit]\n"
            f"Description=posbt local server for Excel (127.0.0.1:{layout.port})\n"
            "\n[Service]\n"
            f"Environment=POSBT_HOME={layout.posbt_home}\n"
            f"ExecStart={cmd}\n"
            "Restart=on-failure\nRestartSec=5\n"
            "\n[Install]\nWantedBy=default.target\n")


def launchd_plist(layout: Layout) -> str:
    args = "".join(f"<string>{escape(c)}</string>" for c in layout.server_command())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
            '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0"><dict>\n'
            f"  <key>Label</key><string>{LAUNCHD_LABEL}</string>\n"
            f"  <key>ProgramArguments</key><array>{args}</array>\n"
            "  <key>EnvironmentVariables</key><dict><key>POSBT_HOME</key>"
            f"<string>{escape(str(layout.posbt_home))}</string></dict>\n"
            "  <key>RunAtLoad</key><true/>\n  <key>KeepAlive</key><true/>\n"
            "  <key>ProcessType</key><string>Background</string>\n"
            "</dict></plist>\n")


def task_xml(layout: Layout, user: str) -> str:
    """The Task Scheduler definition: at logon of ``user``, pythonw (no console window),
    runs on battery and keeps running when unplugged, no execution time limit, restarts
    on failure, one instance."""
    cmd = layout.server_command()
    args = " ".join(f'"{a}"' if " " in a else a for a in cmd[1:])
    return ('<?xml version="1.0" encoding="UTF-16"?>\n'
            f'<Task version="1.2" xmlns="{TASK_NS}">\n'
            "  <RegistrationInfo><Description>posbt local server for Excel (127.0.0.1:"
            f"{layout.port})</Description></RegistrationInfo>\n"
            f"  <Triggers><LogonTrigger><Enabled>true</Enabled><UserId>{escape(user)}</UserId>"
            "</LogonTrigger></Triggers>\n"
            f'  <Principals><Principal id="Author"><UserId>{escape(user)}</UserId>'
            "<LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel>"
            "</Principal></Principals>\n"
            "  <Settings>\n"
            "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n"
            "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n"
            "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n"
            "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>\n"
            "    <StartWhenAvailable>true</StartWhenAvailable>\n"
            "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\n"
            "    <IdleSettings><StopOnIdleEnd>false</StopOnIdleEnd>"
            "<RestartOnIdle>false</RestartOnIdle></IdleSettings>\n"
            "    <AllowStartOnDemand>true</AllowStartOnDemand>\n"
            "    <Enabled>true</Enabled>\n    <Hidden>false</Hidden>\n"
            "    <RestartOnFailure><Interval>PT1M</Interval><Count>5</Count></RestartOnFailure>\n"
            "  </Settings>\n"
            '  <Actions Context="Author"><Exec>'
            f"<Command>{escape(cmd[0])}</Command><Arguments>{escape(args)}</Arguments>"
            f"<WorkingDirectory>{escape(str(layout.posbt_home))}</WorkingDirectory>"
            "</Exec></Actions>\n"
            "</Task>\n")


def windows_user() -> str:
    domain, name = os.environ.get("USERDOMAIN", ""), os.environ.get("USERNAME", "")
    return f"{domain}\\{name}" if domain else name


def service_file_text(layout: Layout, user: str | None = None) -> str:
    if layout.platform is Platform.WINDOWS:
        return task_xml(layout, user or windows_user())
    if layout.platform is Platform.MACOS:
        return launchd_plist(layout)
    return systemd_unit(layout)


def write_service_file(layout: Layout, user: str | None = None) -> Path:
    path = layout.autostart_file
    path.parent.mkdir(parents=True, exist_ok=True)
    text = service_file_text(layout, user)
    # schtasks reads the XML as UTF-16 (its declaration says so); the others are UTF-8
    encoding = "utf-16" if layout.platform is Platform.WINDOWS else "utf-8"
    path.write_text(text, encoding=encoding)
    return path


# -- the commands ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceCommands:
    """The service manager's commands for this layout."""

    register: list[list[str]]
    start: list[list[str]]
    query: list[str]
    stop: list[list[str]]
    remove: list[list[str]]


def commands(layout: Layout) -> ServiceCommands:
    if layout.platform is Platform.WINDOWS:
        tn = ["/TN", TASK_NAME]
        return ServiceCommands(
            register=[["schtasks", "/Create", *tn, "/XML", str(layout.autostart_file), "/F"]],
            start=[["schtasks", "/Run", *tn]], query=["schtasks", "/Query", *tn],
            stop=[["schtasks", "/End", *tn]], remove=[["schtasks", "/Delete", *tn, "/F"]])
    if layout.platform is Platform.MACOS:
        domain = f"gui/{os.getuid()}" if hasattr(os, "getuid") else "gui/501"
        return ServiceCommands(
            register=[["launchctl", "bootstrap", domain, str(layout.autostart_file)]],
            start=[["launchctl", "kickstart", "-k", f"{domain}/{LAUNCHD_LABEL}"]],
            query=["launchctl", "print", f"{domain}/{LAUNCHD_LABEL}"],
            stop=[["launchctl", "bootout", f"{domain}/{LAUNCHD_LABEL}"]], remove=[])
    user = ["systemctl", "--user"]
    return ServiceCommands(
        register=[[*user, "daemon-reload"], [*user, "enable", SYSTEMD_UNIT]],
        start=[[*user, "restart", SYSTEMD_UNIT]], query=[*user, "is-enabled", SYSTEMD_UNIT],
        stop=[[*user, "disable", "--now", SYSTEMD_UNIT]], remove=[[*user, "daemon-reload"]])


def register_and_start(layout: Layout, runner: Runner, user: str | None = None) -> Path:
    """Write the service file, register it and start the server now."""
    cmds = commands(layout)
    if layout.platform is Platform.MACOS:  # a loaded agent must be booted out first
        for cmd in cmds.stop:
            runner(cmd)
    path = write_service_file(layout, user)
    for cmd in cmds.register + cmds.start:
        checked(runner, cmd)
    return path


def is_registered(layout: Layout, runner: Runner) -> tuple[bool, str]:
    """(registered, what the service manager said)."""
    done = runner(commands(layout).query)
    said = (done.stdout or done.stderr or "").strip().splitlines()
    return done.returncode == 0, said[0] if said else f"exit {done.returncode}"


def unregister(layout: Layout, runner: Runner) -> list[str]:
    """Stop and remove the service (what failed is returned, not raised: a half-installed
    service must still be removable)."""
    cmds = commands(layout)
    problems = []
    for cmd in cmds.stop:
        runner(cmd)  # not running is fine
    layout.autostart_file.unlink(missing_ok=True)
    for cmd in cmds.remove:
        done = runner(cmd)
        if done.returncode != 0:
            problems.append(f"`{shlex.join(cmd)}` exited {done.returncode}")
    return problems
