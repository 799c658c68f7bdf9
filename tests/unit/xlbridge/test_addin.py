"""The built posbt.xlam read back: package parts, ribbon XML against an allow-list of the
customUI schema, and VBA (via oletools) whose Subs match the ribbon and call Python that
exists."""

from __future__ import annotations

import importlib
import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlwings

from xlbridge.addin.build import CUSTOM_UI, build
from xlbridge.macros import ACTIONS

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
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


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
    assert ids == ["RunBacktest", "Validate", "NewStrategy", "OpenResults", "ServerStatus"]
    assert set(ids) == set(ACTIONS)  # every button has a Python action, and no extra


def test_every_onaction_has_a_sub_that_calls_existing_python(xlam: Path) -> None:
    modules = _vba(xlam)
    assert {"xlwings.bas", "posbt.bas", "Dictionary.cls"} <= set(modules)
    # the xlwings module is the installed package's own: same version line
    assert f"'Version: {xlwings.__version__}" in modules["xlwings.bas"]
    assert "Function RunPython(" in modules["xlwings.bas"]
    with zipfile.ZipFile(xlam) as z:
        root = ElementTree.fromstring(z.read(CUSTOM_UI))
    actions = {el.get("onAction") for el in root.iter() if el.get("onAction")}
    subs = dict(re.findall(r"Sub (\w+)\(control As IRibbonControl\)(.*?)End Sub",
                           modules["posbt.bas"], re.S))
    assert actions == set(subs) == {"PosbtOnAction"}
    for body in subs.values():
        calls = re.findall(r'RunPython "import ([\w.]+); ([\w.]+)\.(\w+)\(', body)
        assert calls, body
        for module_name, qualifier, func in calls:
            assert qualifier == module_name
            assert callable(getattr(importlib.import_module(module_name), func))
