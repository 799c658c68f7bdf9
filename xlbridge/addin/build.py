"""Build ``posbt.xlam`` from the installed packages: ``python -m xlbridge.addin.build OUT``
(``posbt excel install`` calls :func:`build`).

Excel-side build step, run on the user's machine from the installed wheel (and in CI on
Linux: no Excel needed). It follows xlwings' recipe for a custom add-in
(``xlwings quickstart NAME --addin --ribbon``), done by code instead of by hand in the VBA
editor:

- the package is the INSTALLED xlwings' ``quickstart_addin_ribbon.xlam`` (workbook parts
  Excel already opens), with ``customUI/customUI14.xml`` (the 2009 ribbon schema) in
  place of the template's ribbon;
- its config sheet ``_myaddin.conf`` becomes ``posbt.conf`` with posbt's fixed settings,
  and the xlwings module's ``PROJECT_NAME`` becomes ``posbt``, so the add-in reads
  ``%USERPROFILE%\\.posbt\\posbt.conf`` (macOS: ``posbt.conf`` in Excel's container)
  and never the user's xlwings.conf;
- the cell functions' VBA wrappers are written by xlwings' own generator
  (``xlwings.udfs.generate_vba_wrapper``, the code behind *Import Functions*) for
  ``xlbridge.udfs`` and put into the add-in as module ``posbt_udfs``, so
  ``=POSBT_IVP("NIFTY")`` works in any workbook with no reference and no import;
- ``xl/vbaProject.bin`` is written by ms-ovba (our compressor: ms-ovba 0.0.1's corrupts
  long modules) with a document module for each code name the template's sheets carry.
"""

from __future__ import annotations

import functools
import gc
import importlib
import io
import os
import re
import shutil
import sys
import tempfile
import types
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from engine.errors import PosbtError
from xlbridge.addin.ovba import compress

PROJECT_NAME = "posbt"            # xlwings' PROJECT_NAME: posbt.conf file and sheet
CONF_SHEET = f"{PROJECT_NAME}.conf"
ADDIN_FILE = f"{PROJECT_NAME}.xlam"
UDF_MODULE = "xlbridge.udfs"      # the Python module the wrappers call
UDF_VBA_MODULE = "posbt_udfs"     # the VBA module holding the generated wrappers
CELL_FUNCTION_PREFIX = "POSBT_"
CUSTOM_UI = "customUI/customUI14.xml"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
PROJECT_ID = "{6B0C2A3E-2B71-4C57-9A51-3F0D6C1E7A42}"
_PROJECT_NAME_LINE = 'Public Const PROJECT_NAME As String = "myaddin"'
# Settings in the add-in's posbt.conf sheet (xlwings reads the active workbook's sheet,
# then this one, then ~/.posbt/posbt.conf). Only keys with a value: an empty cell would
# hide the user file's value. The interpreter lives in the user file (written by install).
ADDIN_SETTINGS: tuple[tuple[str, str | bool], ...] = (
    ("UDF MODULES", UDF_MODULE),
    ("USE UDF SERVER", True),                # RunPython through the running COM server: a
                                             # poll of a backtest job costs milliseconds
    ("ADD_WORKBOOK_TO_PYTHONPATH", False),   # a user's folder never shadows posbt's modules
)
_DOC_GUIDS = {"workbook": "0002081900000000C000000000000046",
              "worksheet": "0002082000000000C000000000000046"}


def xlwings_dir() -> Path:
    """The installed xlwings package folder."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings

    return str(xlwings.__version__)


def addin_text(name: str) -> str:
    """A source file of this folder (package data ``xlbridge.addin``)."""
    return resources.files("xlbridge.addin").joinpath(name).read_text(encoding="utf-8")


# -- the xlwings module, with posbt's project name -------------------------------------------
def xlwings_module_text() -> str:
    """The installed xlwings' custom add-in module with ``PROJECT_NAME = "posbt"``."""
    text = (xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="utf-8")
    if text.count(_PROJECT_NAME_LINE) != 1:
        raise PosbtError(f"xlwings {xlwings_version()}'s custom add-in module has no single "
                         f"line {_PROJECT_NAME_LINE!r}; posbt pins the xlwings it supports",
                         place=str(xlwings_dir() / "xlwings_custom_addin.bas"))
    return text.replace(_PROJECT_NAME_LINE,
                        f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')


# -- the cell functions' wrappers, by xlwings' generator ---------------------------------------
@dataclass(frozen=True)
class _Generator:
    xlfunc: Callable[[Callable[..., Any]], Callable[..., Any]]
    generate_vba_wrapper: Callable[..., None]


@contextmanager
def _xlwings_udf_generator() -> Iterator[_Generator]:
    """``xlwings.udfs``' decorator and VBA generator. On Windows (pywin32 present) the real
    module; elsewhere it is imported with inert stand-ins for pywin32's modules, which the
    generator never calls, and dropped again afterwards."""
    stubs: dict[str, types.ModuleType] = {}
    try:
        import pythoncom  # noqa: F401
    except ImportError:
        def _no_com(*_a: Any, **_k: Any) -> Any:
            raise RuntimeError("COM is not available while building the add-in")

        pythoncom_stub = types.ModuleType("pythoncom")
        pythoncom_stub.CoInitialize = _no_com  # type: ignore[attr-defined]
        pywintypes_stub = types.ModuleType("pywintypes")
        pywintypes_stub.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
        win32com_stub = types.ModuleType("win32com")
        client_stub = types.ModuleType("win32com.client")
        client_stub.Dispatch = _no_com  # type: ignore[attr-defined]
        win32com_stub.client = client_stub  # type: ignore[attr-defined]
        stubs = {"pythoncom": pythoncom_stub, "pywintypes": pywintypes_stub,
                 "win32com": win32com_stub, "win32com.client": client_stub}
    had_udfs = "xlwings.udfs" in sys.modules
    saved = {name: sys.modules[name] for name in stubs if name in sys.modules}
    sys.modules.update(stubs)
    try:
        udfs = importlib.import_module("xlwings.udfs")
        yield _Generator(xlfunc=udfs.xlfunc, generate_vba_wrapper=udfs.generate_vba_wrapper)
    finally:
        if stubs:
            for name in stubs:
                sys.modules.pop(name, None)
            sys.modules.update(saved)
            if not had_udfs:
                sys.modules.pop("xlwings.udfs", None)
                import xlwings

                if getattr(xlwings, "udfs", None) is not None:
                    delattr(xlwings, "udfs")


def cell_functions(module_name: str = UDF_MODULE) -> dict[str, Callable[..., Any]]:
    """The module's cell functions (public callables named ``POSBT_*``), by name."""
    module = importlib.import_module(module_name)
    return {name: getattr(module, name) for name in sorted(dir(module))
            if name.startswith(CELL_FUNCTION_PREFIX) and callable(getattr(module, name))}


def udf_wrappers_vba(module_name: str = UDF_MODULE) -> str:
    """The VBA module of wrappers that xlwings' *Import Functions* would write for
    ``module_name``, generated for an add-in (the wrappers call Python with
    ``ActiveWorkbook``)."""
    functions = cell_functions(module_name)
    if not functions:
        raise PosbtError(f"no {CELL_FUNCTION_PREFIX}* cell functions in {module_name}",
                         place=module_name)
    with _xlwings_udf_generator() as gen:
        namespace = types.SimpleNamespace()
        for name, func in functions.items():
            if not hasattr(func, "__xlfunc__"):  # outside Windows @xw.func is a pass-through
                proxy = functools.update_wrapper(_forward(func), func)
                func = gen.xlfunc(proxy)
            setattr(namespace, name, func)
        out = io.StringIO()
        out.write(f'Attribute VB_Name = "{UDF_VBA_MODULE}"\n'
                  f"' Cell functions of {module_name}, generated by xlwings {xlwings_version()}'s "
                  "generate_vba_wrapper when posbt.xlam was built. Do not edit.\n"
                  '#Const App = "Microsoft Excel"\n')
        gen.generate_vba_wrapper(module_name, namespace, out,
                                 types.SimpleNamespace(Name=ADDIN_FILE))
    return out.getvalue()


def _forward(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return call


# -- the workbook parts ----------------------------------------------------------------------
def code_names(parts: dict[str, bytes]) -> tuple[str, list[str]]:
    """The template's workbook code name and its sheets' code names (sheet order)."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    wb_code = re.search(r'<workbookPr[^>]*\scodeName="([^"]+)"', workbook)
    if wb_code is None:
        raise PosbtError("the xlwings add-in template has no workbook code name",
                         place="xl/workbook.xml")
    sheets = []
    for name in sorted(n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)):
        m = re.search(r'<sheetPr[^>]*\scodeName="([^"]+)"', parts[name].decode("utf-8"))
        if m is None:
            raise PosbtError("a sheet of the xlwings add-in template has no code name", place=name)
        sheets.append(m.group(1))
    return wb_code.group(1), sheets


def _conf_sheet_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    """workbook.xml, sheet1.xml and sharedStrings.xml with the config sheet renamed to
    posbt.conf and holding :data:`ADDIN_SETTINGS` (column A keys, column B values)."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    renamed, n = re.subn(r'(<sheet name=")_?[^"]*\.conf(")', rf"\g<1>{CONF_SHEET}\g<2>", workbook)
    if n != 1:
        raise PosbtError("the xlwings add-in template has no single config sheet",
                         place="xl/workbook.xml")
    strings: list[str] = []
    rows = []
    for r, (key, value) in enumerate(ADDIN_SETTINGS, start=1):
        strings.append(key)
        cells = f'<c r="A{r}" s="1" t="s"><v>{len(strings) - 1}</v></c>'
        if isinstance(value, bool):
            cells += f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>'
        else:
            strings.append(value)
            cells += f'<c r="B{r}" s="1" t="s"><v>{len(strings) - 1}</v></c>'
        rows.append(f'<row r="{r}">{cells}</row>')
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    sheet = re.sub(r"<sheetData>.*</sheetData>", "<sheetData>" + "".join(rows) + "</sheetData>",
                   sheet, flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:B{len(ADDIN_SETTINGS)}"', sheet)
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    return {"xl/workbook.xml": renamed.encode("utf-8"),
            "xl/worksheets/sheet1.xml": sheet.encode("utf-8"),
            "xl/sharedStrings.xml": sst.encode("utf-8")}


def _rels(template_rels: str) -> str:
    """The package relationships with the ribbon pointing at customUI14.xml."""
    rels = re.sub(r"<Relationship [^>]*ui/extensibility[^>]*/>", "", template_rels)
    ours = f'<Relationship Id="posbtUI" Type="{UI_REL_TYPE}" Target="{CUSTOM_UI}"/>'
    return rels.replace("</Relationships>", ours + "</Relationships>")


# -- vbaProject.bin --------------------------------------------------------------------------
def vba_modules() -> dict[str, str]:
    """Standard and class module name -> VBA text, in the order they go into the project."""
    dictionary = (xlwings_dir() / "addin" / "Dictionary.cls").read_text(encoding="utf-8")
    return {"xlwings": xlwings_module_text(),
            "Dictionary": dictionary[dictionary.index("Attribute VB_Name"):],  # no VERSION/BEGIN
            "posbt": addin_text("posbt.bas"),
            UDF_VBA_MODULE: udf_wrappers_vba()}


def build_vba_project(out: Path, workbook_code: str, sheet_codes: list[str]) -> Path:
    """Write ``vbaProject.bin`` (ms-ovba writes beside its inputs, so work in a temp dir)."""
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    blank = Path(str(__import__("ms_ovba").__file__)).resolve().parent / "blank_files"
    modules = vba_modules()
    cwd = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with _fixed_compression():
                project = VbaProject()
                project.project_id = PROJECT_ID
                docs = [(workbook_code, "ThisWorkbook", _DOC_GUIDS["workbook"])]
                docs += [(code, "Sheet1", _DOC_GUIDS["worksheet"]) for code in sheet_codes]
                for code, blank_name, guid in docs:
                    text = (blank / f"{blank_name}.cls").read_text(encoding="utf-8")
                    text = text.replace(f'"{blank_name}"', f'"{code}"')
                    local = Path(tmp) / f"{code}.cls"
                    local.write_text(text, encoding="utf-8")
                    doc = DocModule(code)
                    doc.add_file(str(local))
                    doc.add_guid(uuid.UUID(guid))
                    doc.normalize_file()
                    project.add_module(doc)
                for name, text in modules.items():
                    is_class = name == "Dictionary"
                    local = Path(tmp) / f"{name}.{'cls' if is_class else 'bas'}"
                    local.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
                    module = _class_module(name) if is_class else StdModule(name)
                    module.add_file(str(local))
                    module.normalize_file()
                    project.add_module(module)
                stdole = LibidReference(uuid.UUID("0002043000000000C000000000000046"), "2.0", "0",
                                        "C:\\Windows\\System32\\stdole2.tlb", "OLE Automation")
                office = LibidReference(uuid.UUID("2DF8D04C5BFA101BBDE500AA0044DE52"), "2.0", "0",
                                        "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16"
                                        "\\MSO.DLL", "Microsoft Office 16.0 Object Library")
                project.add_reference(Reference(ReferenceRegistered(stdole), "stdole"))
                project.add_reference(Reference(ReferenceRegistered(office), "Office"))
                ProjectOleFile.write_file(project)
                shutil.move("vbaProject.bin", out)
        finally:
            os.chdir(cwd)
    return out


@contextmanager
def _fixed_compression() -> Iterator[None]:
    """ms-ovba 0.0.1's compressor corrupts long modules; use ours while writing."""
    from ms_ovba_compression.ms_ovba import MsOvba

    original = MsOvba.compress
    MsOvba.compress = lambda _self, data: compress(bytes(data))  # type: ignore[method-assign,assignment]
    try:
        with warnings.catch_warnings():  # ms_cfb leaves its temp files for the GC to close
            warnings.simplefilter("ignore", ResourceWarning)
            yield
            gc.collect()
    finally:
        MsOvba.compress = original  # type: ignore[method-assign]


def _class_module(name: str) -> Any:
    """A class module record (ms-ovba 0.0.1 has standard and document modules only):
    ``Class=Name`` in the PROJECT stream, module type 0x0022 in the dir stream."""
    from ms_ovba.Models.Entities.std_module import StdModule

    class ClassModule(StdModule):  # type: ignore[misc]
        def __init__(self, module_name: str) -> None:
            super().__init__(module_name)
            self.type = "Document"  # selects MODULETYPE 0x0022 when packed

        def to_project_module_string(self) -> str:
            return "Class=" + str(self.modName.value)

    return ClassModule(name)


def build(out: Path) -> Path:
    """Write ``posbt.xlam`` to ``out`` (atomically) and return it."""
    template = xlwings_dir() / "quickstart_addin_ribbon.xlam"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template) as src:
        parts = {item.filename: src.read(item.filename) for item in src.infolist()}
    workbook_code, sheet_codes = code_names(parts)
    parts.update(_conf_sheet_parts(parts))
    parts["_rels/.rels"] = _rels(parts["_rels/.rels"].decode("utf-8")).encode("utf-8")
    parts.pop("customUI/customUI.xml", None)
    fd, tmp_name = tempfile.mkstemp(prefix=".posbt-", suffix=".xlam", dir=out.parent)
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            vba = build_vba_project(Path(tmp) / "vbaProject.bin", workbook_code, sheet_codes)
            with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED) as dst:
                for name, data in parts.items():
                    if name != "xl/vbaProject.bin":
                        dst.writestr(name, data)
                dst.write(vba, "xl/vbaProject.bin")
                dst.writestr(CUSTOM_UI, addin_text("customUI14.xml"))
        os.replace(tmp_name, out)
    except PermissionError as exc:
        raise PosbtError("cannot replace posbt.xlam: it is open in Excel; close Excel and run "
                         "`posbt excel install` again", place=str(out)) from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(ADDIN_FILE)
    build(out)
    print(f"wrote {out} (xlwings VBA {xlwings_version()}, settings {CONF_SHEET})")


if __name__ == "__main__":
    main()
