"""posbt.conf: the add-in's user settings file, in the format xlwings' VBA reads.

Excel-side settings. posbt.xlam's xlwings module has ``PROJECT_NAME = "posbt"``, so its
``GetConfig`` reads (after the workbook's and the add-in's ``posbt.conf`` sheets) the file
``%USERPROFILE%\\.posbt\\posbt.conf`` on Windows and ``posbt.conf`` in Excel's sandbox
container on macOS, one ``"KEY","VALUE"`` line per setting (VBA ``Input #``/``Write #``;
keys are matched case-insensitively). Keys are spelled exactly as the xlwings module asks
for them (``INTERPRETER_WIN``, ``UDF MODULES``, ...); posbt's own keys (``POSBT_HOME``,
``RESULTS_TO``) are read by the Python side only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from engine.errors import PosbtError
from engine.home import posbt_home

CONF_NAME = "posbt.conf"
# Keys the xlwings VBA module reads (spelled as in xlwings_custom_addin.bas).
INTERPRETER_WIN = "INTERPRETER_WIN"
INTERPRETER_MAC = "INTERPRETER_MAC"
UDF_MODULES = "UDF MODULES"
# Keys of posbt's Python side.
POSBT_HOME_KEY = "POSBT_HOME"
RESULTS_TO = "RESULTS_TO"


class ResultsTo(StrEnum):
    """Where Run Backtest puts the BT_* sheets."""

    SHEETS = "sheets"  # into the open workbook, replacing the previous run's BT_* sheets
    FILE = "file"      # into <book>_results.xlsx beside it (what `posbt run` writes)


def conf_path(platform: str = sys.platform, user_home: Path | None = None) -> Path:
    """Where posbt.xlam's xlwings module looks for the user settings file."""
    if platform.startswith("win"):  # Environ("USERPROFILE") & "\.posbt\posbt.conf"
        base = user_home or Path(os.environ.get("USERPROFILE") or Path.home())
        return base / ".posbt" / CONF_NAME
    home = user_home or Path.home()
    if platform == "darwin":  # GetMacDir("$HOME"): Excel's sandbox container
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / CONF_NAME
    return home / ".posbt" / CONF_NAME


def read_conf(path: Path) -> dict[str, str]:
    """The settings of a conf file, keys upper-cased; {} when the file is absent.
    PosbtError naming the line when one is not ``"KEY","VALUE"``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split('","')
        if len(parts) != 2 or not parts[0].startswith('"') or not parts[1].endswith('"'):
            raise PosbtError(f'expected "KEY","VALUE", got {line.strip()!r}',
                             place=f"{path}:{n}")
        out[parts[0][1:].upper()] = parts[1][:-1]
    return out


def write_conf(path: Path, settings: Mapping[str, str]) -> Path:
    """Set ``settings`` in the conf file, keeping its other lines (written atomically)."""
    current = read_conf(path)
    for key, value in settings.items():
        if '"' in key or '"' in value or "\n" in value:
            raise PosbtError(f"a posbt.conf value cannot hold quotes or line breaks: {value!r}",
                             place=key)
        current[key.upper()] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f'"{k}","{v}"\r\n' for k, v in current.items()), encoding="utf-8")
    os.replace(tmp, path)
    return path


def excel_home(conf: Mapping[str, str] | None = None) -> Path:
    """The posbt home the Excel side uses: ``$POSBT_HOME``, else posbt.conf's POSBT_HOME
    (Excel does not pass the installer's environment on), else ``~/.posbt``."""
    if os.environ.get("POSBT_HOME"):
        return posbt_home()
    settings = read_conf(conf_path()) if conf is None else conf
    return Path(settings[POSBT_HOME_KEY]) if settings.get(POSBT_HOME_KEY) else posbt_home()


def results_to(conf: Mapping[str, str]) -> ResultsTo:
    """The RESULTS_TO setting (default: sheets in the open workbook)."""
    raw = conf.get(RESULTS_TO, ResultsTo.SHEETS.value).strip().lower()
    try:
        return ResultsTo(raw)
    except ValueError:
        raise PosbtError(f"RESULTS_TO must be 'sheets' or 'file', got {raw!r}",
                         place=f"{CONF_NAME} ({RESULTS_TO})") from None
