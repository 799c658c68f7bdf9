"""The set-up pieces on their own: posbt.conf in xlwings' format, the Windows-only steps
(paths, the Task Scheduler XML, the commands, the xlwings DLL check) on the files they
write, the systemd unit, and OneDrive / locked-file messages."""

from __future__ import annotations

import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from engine.errors import PosbtError
from xlbridge.book import local_book_path
from xlbridge.conf import ResultsTo, conf_path, excel_home, read_conf, results_to, write_conf
from xlbridge.excel import autostart
from xlbridge.excel.doctor import _xlwings_dll
from xlbridge.excel.install import conf_settings
from xlbridge.excel.layout import Layout, Platform
from xlbridge.resultbooks import check_writable

T = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def _windows(tmp_path: Path) -> Layout:
    user = tmp_path / "Users" / "trader"
    venv = user / "AppData" / "Local" / "posbt" / "venv"
    return Layout(platform=Platform.WINDOWS, user_home=user, posbt_home=user / ".posbt",
                  interpreter=venv / "Scripts" / "python.exe", port=8766,
                  appdata=user / "AppData" / "Roaming")


def test_conf_round_trip_in_xlwings_format(tmp_path: Path) -> None:
    path = tmp_path / ".posbt" / "posbt.conf"
    write_conf(path, {"INTERPRETER_WIN": r"C:\venv\Scripts\python.exe", "UDF MODULES": "xlbridge.udfs"})
    write_conf(path, {"udf modules": "xlbridge.udfs", "RESULTS_TO": "file"})  # keys are caseless
    # exactly what VBA's Write # produces and Input # reads: "KEY","VALUE" per line
    assert path.read_text() == ('"INTERPRETER_WIN","C:\\venv\\Scripts\\python.exe"\n'
                                '"UDF MODULES","xlbridge.udfs"\n"RESULTS_TO","file"\n')
    conf = read_conf(path)
    assert conf["UDF MODULES"] == "xlbridge.udfs" and results_to(conf) is ResultsTo.FILE
    assert excel_home({"POSBT_HOME": str(tmp_path / "h")}) in (tmp_path / "h", excel_home({}))
    path.write_text('"OK","1"\nINTERPRETER_WIN=python\n')
    with pytest.raises(PosbtError) as err:
        read_conf(path)
    assert err.value.place == f"{path}:2"
    with pytest.raises(PosbtError, match="RESULTS_TO must be"):
        results_to({"RESULTS_TO": "printer"})
    with pytest.raises(PosbtError, match="quotes"):
        write_conf(path.with_name("x.conf"), {"PYTHONPATH": 'a"b'})


def test_conf_path_is_where_the_xlwings_module_looks(tmp_path: Path) -> None:
    # Environ("USERPROFILE") & "\." & PROJECT_NAME & "\" & PROJECT_NAME & ".conf"
    assert conf_path("win32", tmp_path) == tmp_path / ".posbt" / "posbt.conf"
    # GetMacDir("$HOME") & "/" & PROJECT_NAME & ".conf": Excel's sandbox container
    assert conf_path("darwin", tmp_path) == \
        tmp_path / "Library/Containers/com.microsoft.Excel/Data/posbt.conf"


def test_windows_layout_and_conf(tmp_path: Path) -> None:
    layout = _windows(tmp_path)
    assert layout.addin_path == layout.user_home / "AppData/Roaming/Microsoft/Excel/XLSTART/posbt.xlam"
    assert layout.conf_path == layout.user_home / ".posbt" / "posbt.conf"
    assert conf_settings(layout) == {"INTERPRETER_WIN": str(layout.interpreter),
                                     "UDF MODULES": "xlbridge.udfs",
                                     "POSBT_HOME": str(layout.posbt_home)}


def test_windows_task_xml_runs_hidden_on_battery_without_time_limit(tmp_path: Path) -> None:
    layout = _windows(tmp_path)
    path = autostart.write_service_file(layout, user=r"DESK\trader")
    raw = path.read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 with a BOM, as schtasks reads it
    root = ElementTree.fromstring(raw.decode("utf-16").split("\n", 1)[1])
    settings = root.find(f"{T}Settings")
    assert settings is not None
    assert settings.findtext(f"{T}DisallowStartIfOnBatteries") == "false"
    assert settings.findtext(f"{T}StopIfGoingOnBatteries") == "false"
    assert settings.findtext(f"{T}ExecutionTimeLimit") == "PT0S"  # no time limit
    assert settings.findtext(f"{T}MultipleInstancesPolicy") == "IgnoreNew"
    trigger = root.find(f"{T}Triggers/{T}LogonTrigger")
    assert trigger is not None and trigger.findtext(f"{T}UserId") == r"DESK\trader"
    exe = root.find(f"{T}Actions/{T}Exec")
    assert exe is not None
    # pythonw.exe: no console window at login
    assert exe.findtext(f"{T}Command") == str(layout.interpreter.with_name("pythonw.exe"))
    args = exe.findtext(f"{T}Arguments") or ""
    assert args.startswith("-m xlbridge.excel.hidden --home ") and args.endswith("serve --port 8766")
    assert f'"{layout.posbt_home}"' in args or str(layout.posbt_home) in args
    cmds = autostart.commands(layout)
    assert cmds.register == [["schtasks", "/Create", "/TN", "posbt server", "/XML", str(path), "/F"]]
    assert cmds.start == [["schtasks", "/Run", "/TN", "posbt server"]]


def test_windows_registration_stops_on_the_first_failing_command(tmp_path: Path) -> None:
    layout = _windows(tmp_path)
    calls: list[list[str]] = []

    def schtasks(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Access is denied.")

    with pytest.raises(PosbtError, match="Access is denied"):
        autostart.register_and_start(layout, schtasks, user="trader")
    assert calls == [autostart.commands(layout).register[0]]  # /Run never attempted


def test_xlwings_dll_is_looked_for_where_the_vba_loads_it(tmp_path: Path) -> None:
    import xlwings

    venv = tmp_path / "venv"
    python = venv / "Scripts" / "python.exe"
    python.parent.mkdir(parents=True)
    check = _xlwings_dll(python)
    assert not check.ok and "xlwings==" in check.fix
    (venv / f"xlwings64-{xlwings.__version__}.dll").write_bytes(b"MZ")  # the venv root
    assert _xlwings_dll(python).ok


def test_systemd_unit_runs_this_interpreter(tmp_path: Path) -> None:
    layout = Layout(platform=Platform.LINUX, user_home=tmp_path, posbt_home=tmp_path / "h p",
                    interpreter=Path("/opt/venv/bin/python"), port=9000)
    unit = autostart.systemd_unit(layout)
    assert "ExecStart=/opt/venv/bin/python -m xlbridge.excel.hidden --home " \
           f"'{tmp_path / 'h p'}' serve --port 9000" in unit
    assert "Restart=on-failure" in unit and "WantedBy=default.target" in unit


def test_onedrive_url_and_locked_results_get_clear_messages(tmp_path: Path) -> None:
    url = "https://d.docs.live.net/abc123/Documents/book.xlsx"
    with pytest.raises(PosbtError, match="local synced copy") as err:
        local_book_path(url)
    assert url in err.value.message and "ONEDRIVE_CONSUMER_WIN" in err.value.message
    assert local_book_path(str(tmp_path / "b.xlsx")) == tmp_path / "b.xlsx"
    check_writable(tmp_path / "absent.xlsx")  # nothing there yet: fine
    locked = tmp_path / "book_results.xlsx"
    locked.write_bytes(b"x")
    check_writable(locked)  # writable: fine


def test_a_results_file_locked_by_excel_is_named(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    import xlbridge.resultbooks as rb

    locked = tmp_path / "book_results.xlsx"
    locked.write_bytes(b"x")
    real_open = builtins.open

    def windows_open(file: object, mode: str = "r", *a: object, **k: object) -> object:
        if Path(str(file)) == locked and "+" in mode:  # what Windows says while Excel has it
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr(rb, "open", windows_open, raising=False)
    with pytest.raises(PosbtError, match=r"book_results\.xlsx is open in Excel") as err:
        check_writable(locked)
    assert err.value.place == str(locked) and "RESULTS_TO = sheets" in err.value.message


INSTALLER = Path(__file__).resolve().parents[3] / "installer"


def test_shell_installer_stops_at_the_first_failing_step(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\n"  # the version check passes, creating the venv fails
                    "case \"$*\" in *version_info*) exit 0 ;; esac\n"
                    "echo 'Error: ensurepip is not available' >&2; exit 1\n")
    fake.chmod(0o755)
    done = subprocess.run(["sh", str(INSTALLER / "install.sh"), str(tmp_path / "src")],
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "PYTHON": str(fake)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "posbt install FAILED at: creating the environment" in done.stderr
    assert not (tmp_path / ".local/share/posbt/venv/bin/posbt").exists()


def test_windows_installer_checks_every_native_exit_code() -> None:
    text = (INSTALLER / "install_windows.ps1").read_text()
    assert '$ErrorActionPreference = "Stop"' in text
    assert 'if ($LASTEXITCODE -ne 0) { throw "posbt install FAILED at: $What' in text
    native = [line for line in text.splitlines() if line.startswith("Invoke-Step")]
    assert len(native) == 5 and any("excel install" in n for n in native) and \
        any("excel doctor" in n for n in native)
    assert "Done." not in text  # success is doctor's "All good.", never printed regardless
    un = (INSTALLER / "uninstall_windows.ps1").read_text()
    assert '$ErrorActionPreference = "Stop"' in un and "$LASTEXITCODE -ne 0" in un
