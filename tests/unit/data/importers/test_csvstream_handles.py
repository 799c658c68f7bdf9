"""A file the CSV reader cannot decode is refused without leaving its handle open."""

from __future__ import annotations

import gc
import warnings
import zipfile
from pathlib import Path

import pytest

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.report import ImportReport


def test_an_undecodable_file_is_closed_when_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fo26JUL2019bhav.csv.zip"  # a zip given where a CSV is read
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("fo26JUL2019bhav.csv", "INSTRUMENT,SYMBOL\n" + "x" * 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)  # an unclosed file warns when collected
        with pytest.raises(UnicodeDecodeError):
            CsvStream(path, ImportReport(file=str(path), kind="bhavcopy"))
        gc.collect()
