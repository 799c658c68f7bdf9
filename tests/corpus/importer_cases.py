"""The corpus's importer family: bad files for every ``posbt data import`` command.

Each case is derived by a script from a fixture in the exchange's real layout
(tests/fixtures/importers: NSE's old F&O bhavcopy of 25 Jul 2019, an NSE index close file,
BSE's UDiFF F&O bhavcopy, NSE's India VIX history, a GDFL 1-minute file), by changing one
thing a real or careless user's file could hold. Nothing here is a hand-made binary.

A case names the command (``kind``), its extra arguments, an optional file imported first
(``pre``: the store the user already has) and whether the file fails whole (``whole``:
then the store must be unchanged by it), besides the family's usual expected outcome and
a fragment the message must hold.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
BHAV = FIXTURES / "fo25JUL2019bhav.csv"  # NSE old layout, 15 data rows, trailing commas
CLOSE = FIXTURES / "ind_close_all_25072019.csv"
BSE = FIXTURES / "BhavCopy_BSE_FO_0_0_0_20250107_F_0000.CSV"
VIX = FIXTURES / "india_vix_history.csv"
GDFL = FIXTURES / "gdfl_minute_20250701.csv"


@dataclass(frozen=True)
class ImporterCase:
    """What one importer case writes and what the user should see."""

    kind: str                         # the import command: bhavcopy, spot, vix, minute
    write: Callable[[Path], Path]     # writes the input under a folder; returns its path
    expect: str                       # "error", "warning" or "ok"
    words: str                        # a fragment the output must hold
    whole: bool = False               # the file fails whole: the store must be unchanged
    args: tuple[str, ...] = ()
    pre: tuple[str, Path] | None = None   # (kind, file) imported before the case


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines(keepends=True)


def _bhav_row(n: int) -> list[str]:
    """Fields of data row ``n`` (1-based; the header is row 0) of the bhavcopy fixture."""
    return _lines(BHAV)[n].rstrip("\r\n").split(",")


def _bhav_with(n: int, **fields: str) -> Callable[[Path], Path]:
    """The fixture with data row ``n``'s named fields changed."""
    def write(folder: Path) -> Path:
        lines = _lines(BHAV)
        head = lines[0].rstrip("\r\n").split(",")
        row = _bhav_row(n)
        for name, value in fields.items():
            row[head.index(name)] = value
        lines[n] = ",".join(row) + "\n"
        return _put(folder / "fo25JUL2019bhav.csv", "".join(lines).encode())
    return write


def _put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _bytes(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    return lambda folder: _put(folder / name, data())


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    return buf.getvalue()


def _folder(folder: Path) -> Path:
    """A folder of a zipped day, the plain day in a subfolder and a stray README."""
    root = folder / "bhav_folder"
    _put(root / "fo25JUL2019bhav.csv.zip",
         _zip({"fo25JUL2019bhav.csv": BHAV.read_bytes()}))
    _put(root / "notes" / "README.txt", b"downloaded from nseindia.com\n")
    return root


def _repeated_header(folder: Path) -> Path:
    lines = _lines(BHAV)
    return _put(folder / "fo25JUL2019bhav.csv",
                "".join([*lines[:8], lines[0], *lines[8:]]).encode())


def _sunday(folder: Path) -> Path:
    """The whole day stamped Sunday 21 Jul 2019 (a closed day: stored, with a warning)."""
    head, *rows = _lines(BHAV)
    # the expiry-day rows that trade down to 0 are real only on 25 Jul: leave them out
    kept = [r for r in rows if "0" not in r.split(",")[5:9] or r.split(",")[5:9] == ["0"] * 4]
    text = (head + "".join(kept)).replace("25-JUL-2019,", "21-JUL-2019,")
    return _put(folder / "fo21JUL2019bhav.csv", text.encode())


def _newline_in_symbol(folder: Path) -> Path:
    lines = _lines(BHAV)
    row = _bhav_row(4)
    row[1] = '"NIF\nTY"'
    lines[4] = ",".join(row) + "\n"
    return _put(folder / "fo25JUL2019bhav.csv", "".join(lines).encode())


def _close_other_indices(folder: Path) -> Path:
    head, *rows = _lines(CLOSE)
    other = [r for r in rows if r.startswith(("Nifty Next 50", "Nifty IT", "Nifty Auto"))]
    return _put(folder / "ind_close_all_25072019.csv", (head + "".join(other)).encode())


def _bse_unknown_symbol(folder: Path) -> Path:
    head, *rows = _lines(BSE)
    extra = rows[1].replace("SENSEX", "SENSEX50", 1)
    return _put(folder / BSE.name, (head + "".join(rows) + extra).encode())


def _minute_row(old: str, new: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        text = GDFL.read_text(encoding="utf-8")
        assert old in text, old
        return _put(folder / GDFL.name, text.replace(old, new, 1).encode())
    return write


def _vix_row(old: str, new: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        text = VIX.read_text(encoding="utf-8-sig")
        assert old in text, old
        return _put(folder / VIX.name, text.replace(old, new, 1).encode())
    return write


SPOT_LATER = b"date,close\n2020-07-29,11202.85\n2020-07-30,11102.15\n"

CASES: dict[str, ImporterCase] = {
    "bhav_valid": ImporterCase("bhavcopy", lambda f: _put(f / BHAV.name, BHAV.read_bytes()),
                               "ok", ""),
    # rows that are truly wrong: rejected with file and line, the rest stored
    "bhav_negative_open": ImporterCase("bhavcopy", _bhav_with(4, OPEN="-5"), "error",
                                       "must be > 0"),
    "bhav_high_below_low": ImporterCase("bhavcopy", _bhav_with(4, HIGH="1", LOW="6"),
                                        "error", "below low"),
    "bhav_price_1e300": ImporterCase("bhavcopy", _bhav_with(4, CLOSE="1e300"), "error",
                                     "CLOSE"),
    "bhav_contracts_1e25": ImporterCase("bhavcopy", _bhav_with(4, CONTRACTS="1e25"), "error",
                                        "CONTRACTS"),
    "bhav_expiry_feb_31": ImporterCase("bhavcopy", _bhav_with(4, EXPIRY_DT="31-Feb-2019"),
                                       "error", "EXPIRY_DT"),
    "bhav_expiry_9999": ImporterCase("bhavcopy", _bhav_with(4, EXPIRY_DT="25-Jul-9999"),
                                     "error", "expiry"),
    "bhav_expiry_before_trade": ImporterCase("bhavcopy", _bhav_with(4, EXPIRY_DT="27-Jun-2019"),
                                             "error", "expiry"),
    "bhav_strike_0": ImporterCase("bhavcopy", _bhav_with(4, STRIKE_PR="0"), "error", "strike"),
    "bhav_newline_in_symbol": ImporterCase("bhavcopy", _newline_in_symbol, "error", "SYMBOL"),
    "bhav_repeated_header": ImporterCase("bhavcopy", _repeated_header, "error",
                                         "header line repeats"),
    "bhav_sunday": ImporterCase("bhavcopy", _sunday, "warning", "closed"),
    # files that fail whole: nothing of them is stored
    "bhav_empty": ImporterCase("bhavcopy", _bytes("fo26JUL2019bhav.csv", lambda: b""), "error",
                               "empty file", whole=True),
    "bhav_header_only": ImporterCase(
        "bhavcopy", _bytes("fo26JUL2019bhav.csv", lambda: _lines(BHAV)[0].encode()), "warning",
        "0 rows read"),
    "bhav_binary_junk": ImporterCase("bhavcopy", _bytes("fo26JUL2019bhav.csv",
                                                        lambda: bytes(range(256)) * 16),
                                     "error", "", whole=True),
    "bhav_latin1": ImporterCase(
        "bhavcopy", _bytes("fo26JUL2019bhav.csv",
                           lambda: BHAV.read_text().replace("NIFTY", "NIFTÉ", 1)
                           .encode("latin-1")), "error", "UTF-8", whole=True),
    "bhav_utf16": ImporterCase("bhavcopy", _bytes("fo26JUL2019bhav.csv",
                                                  lambda: BHAV.read_text().encode("utf-16")),
                               "error", "", whole=True),
    "bhav_truncated_zip": ImporterCase(
        "bhavcopy", _bytes("fo25JUL2019bhav.csv.zip",
                           lambda: _zip({BHAV.name: BHAV.read_bytes() * 40})[:900]),
        "error", "zip", whole=True),
    "bhav_zip_holding_a_pdf": ImporterCase(
        "bhavcopy", _bytes("fo25JUL2019bhav.zip",
                           lambda: _zip({"circular.pdf": b"%PDF-1.4\n%\xe2\xe3\n"})),
        "error", "not a .csv", whole=True),
    "bhav_folder_with_a_stray_file": ImporterCase("bhavcopy", _folder, "warning",
                                                  "not a .csv or .zip"),
    # spot files
    "spot_other_indices": ImporterCase("spot", _close_other_indices, "error", "no row for NIFTY",
                                       whole=True),
    "spot_plain_without_symbol": ImporterCase(
        "spot", _bytes("nifty_close.csv", lambda: b"date,close\n2019-07-25,11252.15\n"),
        "error", "--symbol", whole=True),
    "spot_after_the_options": ImporterCase(
        "spot", _bytes("nifty_2020.csv", lambda: SPOT_LATER), "error", "after the store",
        whole=True, args=("--symbol", "NIFTY"), pre=("bhavcopy", BHAV)),
    # BSE
    "bse_unknown_symbol": ImporterCase("bhavcopy", _bse_unknown_symbol, "warning",
                                       "contract master"),
    # India VIX
    "vix_a_million": ImporterCase("vix", _vix_row("14.96,15.20,14.48,14.96",
                                                  "14.96,1000000,14.48,14.96"), "error", ""),
    "vix_negative_low": ImporterCase("vix", _vix_row("14.48", "-14.48"), "error", ""),
    # vendor minute files (GDFL tickers)
    "minute_strike_0": ImporterCase(
        "minute", _minute_row("NIFTY03JUL2525500PE.NFO,01/07/2025,10:58:59",
                              "NIFTY03JUL250PE.NFO,01/07/2025,10:58:59"), "error", "strike"),
    "minute_bad_day": ImporterCase("minute", _minute_row("01/07/2025,09:16:59",
                                                         "32/07/2025,09:16:59"), "error", ""),
    "minute_truncated": ImporterCase(
        "minute", _bytes(GDFL.name, lambda: GDFL.read_bytes().rstrip(b"\n")[:-12]), "error",
        "truncated", whole=True),
}


def write_importer_cases(out: Path) -> dict[str, Path]:
    """Write every importer case's input under ``out``; returns the input path by name."""
    paths: dict[str, Path] = {}
    for name, case in CASES.items():
        paths[name] = case.write(out / name)
    return paths
