"""Build ``posbt.xlam`` from the text in this folder: ``python -m xlbridge.addin.build OUT``.

Excel-side build step (run by the installers and the tests). Why ms-ovba and not Excel
automation: it runs anywhere (CI on Linux included) without Excel, and the add-in's VBA
stays reviewable text. The package is xlwings' own ribbon add-in template from the
INSTALLED xlwings (so the workbook parts are ones Excel already opens) with:

- ``xl/vbaProject.bin`` rebuilt by ms-ovba from ``posbt.bas`` plus the installed xlwings
  package's ``xlwings_custom_addin.bas`` (xlwings refuses a VBA module of another version),
  the ``Dictionary.cls`` it needs on macOS, and blank ThisWorkbook/Sheet1 documents;
- ``customUI/customUI14.xml`` (the 2009 ribbon schema) in place of the template's ribbon.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xlbridge.addin.ovba import compress

HERE = Path(__file__).resolve().parent
CUSTOM_UI = "customUI/customUI14.xml"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
PROJECT_ID = "{6B0C2A3E-2B71-4C57-9A51-3F0D6C1E7A42}"


def xlwings_dir() -> Path:
    """The installed xlwings package folder."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings

    return str(xlwings.__version__)


def vba_sources() -> dict[str, Path]:
    """Module name -> source file, in the order they go into the project."""
    xw = xlwings_dir()
    return {"xlwings": xw / "xlwings_custom_addin.bas", "Dictionary": xw / "addin" / "Dictionary.cls",
            "posbt": HERE / "posbt.bas"}


def build_vba_project(out: Path) -> Path:
    """Write ``vbaProject.bin`` (ms-ovba writes beside its inputs, so work in a temp dir)."""
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    blank = Path(str(__import__("ms_ovba").__file__)).resolve().parent / "blank_files"
    cwd = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with _fixed_compression():
                project = VbaProject()
                project.project_id = PROJECT_ID
                for name, guid in (("ThisWorkbook", "0002081900000000C000000000000046"),
                                   ("Sheet1", "0002082000000000C000000000000046")):
                    shutil.copy(blank / f"{name}.cls", f"{name}.cls")
                    doc = DocModule(name)
                    doc.add_file(str(Path(tmp) / f"{name}.cls"))
                    doc.add_guid(uuid.UUID(guid))
                    doc.normalize_file()
                    project.add_module(doc)
                for name, src in vba_sources().items():
                    text = src.read_text(encoding="utf-8").replace("\r\n", "\n")
                    if src.suffix == ".cls":  # the VERSION/BEGIN/END header is not in the stream
                        text = text[text.index("Attribute VB_Name"):]
                    local = Path(tmp) / f"{name}{src.suffix}"
                    local.write_text(text, encoding="utf-8")
                    module = _class_module(name) if src.suffix == ".cls" else StdModule(name)
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


def _rels(template_rels: str) -> str:
    """The package relationships with the ribbon pointing at customUI14.xml."""
    import re

    rels = re.sub(r"<Relationship [^>]*ui/extensibility[^>]*/>", "", template_rels)
    ours = f'<Relationship Id="posbtUI" Type="{UI_REL_TYPE}" Target="{CUSTOM_UI}"/>'
    return rels.replace("</Relationships>", ours + "</Relationships>")


def build(out: Path) -> Path:
    """Write ``posbt.xlam`` to ``out`` and return it."""
    template = xlwings_dir() / "quickstart_addin_ribbon.xlam"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vba = build_vba_project(Path(tmp) / "vbaProject.bin")
        with zipfile.ZipFile(template) as src, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                if item.filename in ("xl/vbaProject.bin", "customUI/customUI.xml"):
                    continue
                data = src.read(item.filename)
                if item.filename == "_rels/.rels":
                    data = _rels(data.decode("utf-8")).encode("utf-8")
                dst.writestr(item.filename, data)
            dst.write(vba, "xl/vbaProject.bin")
            dst.write(HERE / "customUI14.xml", CUSTOM_UI)
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("posbt.xlam")
    build(out)
    print(f"wrote {out} (xlwings VBA {xlwings_version()})")


if __name__ == "__main__":
    main()
