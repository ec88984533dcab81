"""Reading an uploaded CSV or Excel file into its header row and its rows of text.

CSV comes out of many programs: UTF-8 with or without a byte-order mark (Excel writes one),
Windows-1252 from older Excel, and ``;`` instead of ``,`` where the decimal comma is used
(Sweden, Germany, France). Excel files are read with openpyxl in read-only mode. What the
headers mean is the importer's business (gam/imports/fields.py).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000


class FileError(ValueError):
    """The file as a whole cannot be read (wrong format, too big, no header)."""


@dataclass
class Table:
    """The header row as written, and every non-blank row below it."""

    headers: list[str] = field(default_factory=list)
    # (the row's number in the spreadsheet, its cells as text)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell_text(value) -> str:
    """A cell as text: Excel numbers without a spurious '.0', dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Older Excel saves "CSV" in the Windows code page.
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    return [[cell.strip() for cell in row] for row in reader]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    # Whatever a damaged or foreign file makes openpyxl raise is the file's problem (400).
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        raise FileError(_("This Excel file cannot be read (%(error)s).") % {"error": exc}) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception as exc:  # noqa: BLE001
        raise FileError(_("This Excel file cannot be read (%(error)s).") % {"error": exc}) from exc
    finally:
        workbook.close()


# How far down a title ("Customer list Sweden, March 2026") and blank lines may push the
# header row.
HEADER_SEARCH_ROWS = 10


def _header_index(raw: list[list[str]]) -> int | None:
    """The header row: the first non-blank row, unless it is a title above the table (a
    row with one cell filled where a row below has several)."""
    filled = [(i, sum(1 for c in r if c)) for i, r in enumerate(raw[: HEADER_SEARCH_ROWS + 1])]
    filled = [(i, n) for i, n in filled if n]
    if not filled:
        return None
    widest = max(n for _i, n in filled)
    if widest < 2:
        return filled[0][0]
    return next(i for i, n in filled if n >= 2)


def _refuse_nul(raw: list[list[str]]) -> None:
    for number, row in enumerate(raw, start=1):
        if any("\x00" in cell for cell in row):
            raise FileError(_("Row %(row)s contains a NUL character; remove it.") % {"row": number})


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet (Excel) or the CSV: its first non-blank row is the header."""
    if not data:
        raise FileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        raw = _xlsx_rows(data)
        _refuse_nul(raw)
    elif name.endswith(".xls"):
        raise FileError(_("Old .xls files are not supported: save the sheet as .xlsx or CSV."))
    else:
        if b"\x00" in data:
            # Not a text file (or a UTF-16 one); the database cannot store NUL either.
            raise FileError(_("This file contains NUL bytes: save it as UTF-8 CSV or .xlsx."))
        try:
            raw = _csv_rows(data)
        except csv.Error as exc:
            raise FileError(
                _("This CSV file cannot be read (%(error)s).") % {"error": exc}
            ) from exc
    start = _header_index(raw)
    if start is None:
        raise FileError(_("The file has no header row."))
    table = Table(headers=list(raw[start]))
    for number, values in enumerate(raw[start + 1 :], start=start + 2):
        if not any(v for v in values):
            continue
        table.rows.append((number, values))
        if len(table.rows) > MAX_ROWS:
            raise FileError(
                _("The file has more than %(n)s rows; split it into smaller files.")
                % {"n": f"{MAX_ROWS:,}"}
            )
    return table
