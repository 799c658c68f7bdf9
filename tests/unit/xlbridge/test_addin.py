"""The built posbt.xlam read back: package parts, ribbon XML against an allow-list of the
customUI schema, and VBA (via oletools): the xlwings module reads posbt's settings, a
generated wrapper for every cell function calls the matching Python function with its
arguments, every ribbon callback exists and calls Python that exists, and the document
modules carry the template's code names."""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlwings

import xlbridge.udfs
from xlbridge.addin.build import CONF_SHEET, CUSTOM_UI, UDF_VBA_MODULE, build
from xlbridge.macros import ACTIONS, TEXT_ACTIONS

NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
# The elements and attributes of the customUI 2009 schema that the ribbon may use.
ALLOWED = {
    "customUI": {"onLoad"}, "ribbon": {"startFromScratch"}, "tabs": set(),
    "tab": {"id", "idMso", "label", "insertAfterMso", "insertBeforeMso", "visible", "keytip"},
    "group": {"id", "idMso", "label", "visible", "imageMso", "keytip"},
    "button": {"id", "label", "size", "imageMso", "onAction", "screentip", "supertip",
               "enabled", "visible", "keytip", "showLabel", "showImage"},
    "separator": {"id"},
}


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("addin") / "posbt.xlam")


def _vba(path: Path) -> dict[str, str]:
    with warnings.catch_warnings():  # oletools' pyparsing use warns about deprecations
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(str(path))
    try:
        return {name: code.replace("\r\n", "\n") for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


CELL_FUNCTIONS = ["POSBT_ATRP", "POSBT_CALENDAR_BE", "POSBT_GREEKS", "POSBT_HV", "POSBT_IRONFLY_BE",
                  "POSBT_IVHV", "POSBT_IVP", "POSBT_IVR", "POSBT_PRICE", "POSBT_REGIME",
                  "POSBT_SKEW", "POSBT_TERM", "POSBT_VOLSNAPSHOT"]


def test_package_has_the_ribbon_and_the_project(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as z:
        names = set(z.namelist())
        rels = z.read("_rels/.rels").decode()
        ui = z.read(CUSTOM_UI)
    assert {"xl/vbaProject.bin", CUSTOM_UI, "xl/workbook.xml"} <= names
    assert "customUI/customUI.xml" not in names
    assert f'Target="{CUSTOM_UI}"' in rels and rels.count("ui/extensibility") == 1
    root = ElementTree.fromstring(ui)  # well-formed, or this raises
    for el in root.iter():
        tag = el.tag.removeprefix(NS)
        assert el.tag.startswith(NS) and tag in ALLOWED, el.tag
        assert set(el.attrib) <= ALLOWED[tag], (tag, set(el.attrib) - ALLOWED[tag])
    ids = [b.get("id") for b in root.iter(NS + "button")]
    assert ids == ["RunBacktest", "CancelBacktest", "Validate", "RunSweep", "ABTest",
                   "NewStrategy", "OpenResults", "ServerStatus"]
    assert set(ids) <= set(ACTIONS) | set(TEXT_ACTIONS)  # every button has a Python action
    labels = {b.get("id"): b.get("label") for b in root.iter(NS + "button")}
    assert (labels["RunSweep"], labels["ABTest"]) == ("Run Sweep", "A/B Test")


def test_xlwings_module_reads_posbt_settings(xlam: Path) -> None:
    modules = _vba(xlam)
    xw = modules["xlwings.bas"]
    # the installed package's own module: same version line, project name set to posbt
    assert f"'Version: {xlwings.__version__}" in xw and "Function RunPython(" in xw
    assert re.findall(r'PROJECT_NAME As String = "(\w+)"', xw) == ["posbt"]
    assert "myaddin" not in xw
    # xlwings builds the file and sheet names from PROJECT_NAME: %USERPROFILE%\.posbt\posbt.conf
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in xw
    assert 'wb.Sheets(PROJECT_NAME & ".conf")' in xw


def _conf_rows(xlam: Path) -> list[tuple[str, object]]:
    """Columns A and B of the add-in's only sheet, read from the package's XML (openpyxl
    refuses an add-in's content type)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(xlam) as z:
        strings = [si.findtext(f"{main}t") for si in
                   ElementTree.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{main}si")]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells: dict[str, object] = {}
    for c in sheet.iter(f"{main}c"):
        v = c.findtext(f"{main}v")
        kind = c.get("t")
        cells[str(c.get("r"))] = strings[int(v or 0)] if kind == "s" else \
            (v == "1") if kind == "b" else v
    n = max(int(ref[1:]) for ref in cells)
    return [(str(cells[f"A{r}"]), cells.get(f"B{r}")) for r in range(1, n + 1)]


def test_conf_sheet_holds_posbt_settings_only_with_values(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == [CONF_SHEET]
    rows = _conf_rows(xlam)
    # xlwings reads column A from A1 down to the first blank: keys upper-cased, values in B;
    # a key with a blank value would hide the user file's value, so none is blank
    assert dict(rows) == {"UDF MODULES": "xlbridge.udfs", "USE UDF SERVER": True,
                          "ADD_WORKBOOK_TO_PYTHONPATH": False}
    assert all(v is not None and v != "" for _, v in rows)


def test_a_wrapper_for_every_cell_function_with_its_arguments(xlam: Path) -> None:
    code = _vba(xlam)[f"{UDF_VBA_MODULE}.bas"]
    heads = dict(re.findall(r"^Function (POSBT_\w+)\(([^)]*)\)$", code, re.M))
    assert sorted(heads) == CELL_FUNCTIONS  # the 13 cell functions, no more
    for name in CELL_FUNCTIONS:
        params = inspect.signature(getattr(xlbridge.udfs, name)).parameters.values()
        expected = [p.name if p.default is inspect.Parameter.empty else f"Optional {p.name}"
                    for p in params]
        assert heads[name].split(", ") == expected, name
        names = ", ".join(p.name for p in params)
        # the call into Python: module, function and every argument, in order
        assert (f'{name} = XLPy.CallUDF("xlbridge.udfs", "{name}", Array({names}), '
                f"ActiveWorkbook, Application.Caller)") in code, name
    assert code.count("End Function") == len(CELL_FUNCTIONS)


def test_every_ribbon_callback_exists_and_calls_existing_python(xlam: Path) -> None:
    modules = _vba(xlam)
    posbt = modules["posbt.bas"]
    with zipfile.ZipFile(xlam) as z:
        root = ElementTree.fromstring(z.read(CUSTOM_UI))
    actions = {el.get("onAction") for el in root.iter() if el.get("onAction")}
    subs = dict(re.findall(r"Sub (\w+)\(control As IRibbonControl\)(.*?)End Sub", posbt, re.S))
    assert actions == set(subs) == {"PosbtOnAction", "PosbtRunBacktest", "PosbtRunSweep",
                                    "PosbtABTest"}
    bodies = dict(re.findall(r"Sub (\w+)\([^)]*\)(.*?)End Sub", posbt, re.S))
    called = []
    for body in bodies.values():
        for module_name, qualifier, func, arg in re.findall(
                r'RunPython "import ([\w.]+); ([\w.]+)\.(\w+)\(\'?(\w*)', body):
            assert qualifier == module_name
            assert callable(getattr(importlib.import_module(module_name), func))
            called.append(arg)
    # the Run Backtest button posts the job and starts the timer that polls it
    assert "RunBacktest" in called and "PollBacktest" in called
    assert {"RunBacktest", "PollBacktest", "CancelBacktest"} <= set(ACTIONS)
    # Run Sweep and A/B Test post their jobs and start the same timer
    assert {"RunSweep", "ABTest"} <= set(called)
    for sub in ("PosbtRunSweep", "PosbtABTest"):
        assert "PosbtSchedulePoll" in subs[sub], sub
    assert "RunSweep" in ACTIONS and "ABTest" in TEXT_ACTIONS
    # A/B Test: an input box filled from the selection; the text goes as character codes
    ab = subs["PosbtABTest"]
    assert "InputBox(" in ab and "PosbtSelectedStrategies()" in ab
    assert "dispatch('ABTest', [\" & PosbtCodes(answer) & \"])" in ab
    functions = dict(re.findall(r"Function (\w+)\([^)]*\)[^\n]*(.*?)End Function", posbt, re.S))
    assert "AscW(Mid$(text, i, 1))" in functions["PosbtCodes"]
    from engine.config.layout import FIRST_STRATEGY_COL

    assert f"col.Column >= {FIRST_STRATEGY_COL}" in functions["PosbtSelectedStrategies"]
    assert 'Application.OnTime Now + TimeSerial(0, 0, POSBT_POLL_SECONDS), "PosbtPoll"' in posbt


def test_document_modules_carry_the_template_code_names(xlam: Path) -> None:
    modules = _vba(xlam)
    with zipfile.ZipFile(xlam) as z:
        workbook = z.read("xl/workbook.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    wb_code = re.search(r'<workbookPr[^>]*codeName="(\w+)"', workbook)
    sh_code = re.search(r'<sheetPr[^>]*codeName="(\w+)"', sheet)
    assert wb_code and sh_code
    assert {f"{wb_code.group(1)}.cls", f"{sh_code.group(1)}.cls"} <= set(modules)
    assert {"xlwings.bas", "posbt.bas", f"{UDF_VBA_MODULE}.bas", "Dictionary.cls"} <= set(modules)
    assert f'<sheet name="{CONF_SHEET}"' in workbook


def test_build_leaves_no_pywin32_stand_ins_behind(xlam: Path) -> None:
    import sys

    assert xlam.exists()
    assert "pythoncom" not in sys.modules and "win32com.client" not in sys.modules
    assert "xlwings.udfs" not in sys.modules
