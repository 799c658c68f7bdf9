"""Turn an openpyxl-written .xlsx into a real .xlsm: a VBA project built by ms-ovba
(the add-in's own builder), the macro-enabled content type and the workbook relationship.
Generated, never a checked-in binary."""

from __future__ import annotations

import tempfile
import zipfile
from functools import cache
from pathlib import Path

MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_CT = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


@cache
def vba_project_bytes() -> bytes:
    """A real vbaProject.bin (posbt's add-in modules), built once per test session."""
    from xlbridge.addin.build import build

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(build(Path(tmp) / "posbt.xlam")) as xlam:
        return xlam.read("xl/vbaProject.bin")


def make_xlsm(xlsx: Path, out: Path) -> Path:
    """Copy ``xlsx`` to ``out`` (.xlsm) with a VBA project."""
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8").replace(PLAIN_CT, MACRO_CT)
                text = text.replace("</Types>", f'<Override PartName="/xl/vbaProject.bin" '
                                    f'ContentType="{VBA_CT}"/></Types>')
                data = text.encode("utf-8")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                text = data.decode("utf-8").replace(
                    "</Relationships>", f'<Relationship Id="rIdVBA" Type="{VBA_REL}" '
                    'Target="vbaProject.bin"/></Relationships>')
                data = text.encode("utf-8")
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba_project_bytes())
    return out


def content_types(path: Path) -> str:
    """The package's [Content_Types].xml text."""
    with zipfile.ZipFile(path) as z:
        return z.read("[Content_Types].xml").decode("utf-8")


def vba_bytes(path: Path) -> bytes | None:
    """The package's xl/vbaProject.bin, or None."""
    with zipfile.ZipFile(path) as z:
        return z.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in z.namelist() else None
