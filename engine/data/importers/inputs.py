"""What the user named on the command line, as the data files to import, in date order.

Stage: data ingestion, before any importer. A name may be a data file, a ``.zip``
archive (the exchanges publish bhavcopies zipped: ``fo04JAN2024bhav.csv.zip``,
``BhavCopy_NSE_FO_0_0_0_20240814_F_0000.csv.zip``) or a folder, read recursively. Each
CSV inside an archive is one input, named ``archive.zip!member.csv`` in every message.
Inputs are ordered by the trade date in their file name (``04JAN2024``, ``20240814``,
``04012024``, ``2024-01-04``), then by name; a name without a date sorts last.

What cannot be imported is listed with its reason instead of stopping the others: a
truncated or corrupt archive, an archive member that is not a data file, a file in a
folder that is not one (hidden files and macOS ``__MACOSX`` folders are passed over).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.data.importers.report import ImportReport
from engine.errors import ImportRejectedError

CSV_SUFFIXES = (".csv",)
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DMONY = re.compile(r"(\d{2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(\d{4})", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DIGITS8 = re.compile(r"(?<!\d)(\d{8})(?!\d)")


@dataclass(frozen=True)
class InputFile:
    """One data file to import: on disk, or a member of a zip archive."""

    label: str
    path: Path
    member: str | None = None
    day: dt.date | None = None

    def sort_key(self) -> tuple[bool, dt.date, str]:
        """Dated inputs first, by date, then by label."""
        return (self.day is None, self.day or dt.date.max, self.label)


@dataclass
class Inputs:
    """The inputs found, and the names that cannot be imported with the reason."""

    files: list[InputFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _date8(digits: str) -> dt.date | None:
    for fmt in ("%Y%m%d", "%d%m%Y"):
        try:
            day = dt.datetime.strptime(digits, fmt).date()
        except ValueError:
            continue
        if 1990 <= day.year <= 2100:
            return day
    return None


def date_in_name(name: str) -> dt.date | None:
    """The trade date a file name carries, or None."""
    base = Path(name.replace("!", "/")).name
    if m := _DMONY.search(base):
        try:
            return dt.date(int(m[3]), _MONTHS.index(m[2].upper()) + 1, int(m[1]))
        except ValueError:
            pass
    if m := _ISO.search(base):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    for m in _DIGITS8.finditer(base):
        day = _date8(m[1])
        if day is not None:
            return day
    return None


def _is_data(name: str, suffixes: Sequence[str]) -> bool:
    return name.lower().endswith(tuple(suffixes))


def _hidden(name: str) -> bool:
    parts = Path(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _archive(path: Path, suffixes: Sequence[str], found: Inputs) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        found.problems.append((str(path), f"not a readable zip archive (truncated or corrupt: "
                                          f"{exc})"))
        return
    for member in names:
        if _hidden(member):
            continue
        label = f"{path}!{member}"
        if _is_data(member, suffixes):
            found.files.append(InputFile(label, path, member, date_in_name(member)
                                         or date_in_name(path.name)))
        else:
            found.problems.append((label, "archive member is not a "
                                          f"{' or '.join(suffixes)} file"))
    if not names:
        found.problems.append((str(path), "the zip archive is empty"))


def _walk(folder: Path, suffixes: Sequence[str], found: Inputs) -> None:
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.is_dir() or _hidden(str(rel)):
            continue
        if p.suffix.lower() == ".zip":
            _archive(p, suffixes, found)
        elif _is_data(p.name, suffixes):
            found.files.append(InputFile(str(p), p, None, date_in_name(p.name)))
        else:
            found.skipped.append((str(p), f"not a {' or '.join(suffixes)} or .zip file"))


def expand_inputs(paths: Sequence[str | Path], suffixes: Sequence[str] = CSV_SUFFIXES) -> Inputs:
    """Files, archives and folders -> the data files to import, in date order."""
    found = Inputs()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            _walk(p, suffixes, found)
        elif not p.exists():
            found.problems.append((str(p), "no such file or folder"))
        elif p.suffix.lower() == ".zip":
            _archive(p, suffixes, found)
        else:
            found.files.append(InputFile(str(p), p, None, date_in_name(p.name)))
    found.files.sort(key=InputFile.sort_key)
    return found


@contextmanager
def materialised(item: InputFile) -> Iterator[Path]:
    """A path on disk holding ``item`` (a zip member is extracted to a temporary folder)."""
    if item.member is None:
        yield item.path
        return
    tmp = Path(tempfile.mkdtemp(prefix="posbt-import-"))
    try:
        target = tmp / Path(item.member).name
        try:
            with zipfile.ZipFile(item.path) as zf, zf.open(item.member) as src, \
                    open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportRejectedError(f"cannot read the archive member: {exc}",
                                      place=item.label) from None
        except Exception as exc:  # zlib.error and friends from a corrupt deflate stream
            raise ImportRejectedError(f"cannot read the archive member (corrupt data: {exc})",
                                      place=item.label) from None
        yield target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relabel_report(report: ImportReport, disk: str, label: str) -> ImportReport:
    if disk == label:
        return report
    report.file = label
    report.rejected = [replace(r, file=label) for r in report.rejected]
    report.notes = [n.replace(disk, label) for n in report.notes]
    return report


def import_input(item: InputFile, importer: Callable[[Path], ImportReport]) -> ImportReport:
    """Run ``importer`` on ``item``; its report and errors name ``item.label``."""
    with materialised(item) as disk:
        try:
            report = importer(disk)
        except ImportRejectedError as exc:
            if str(disk) == item.label:
                raise
            place = (exc.place or "").replace(str(disk), item.label) or item.label
            raise ImportRejectedError(exc.message.replace(str(disk), item.label),
                                      place=place) from None
        return _relabel_report(report, str(disk), item.label)
