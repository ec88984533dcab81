"""CSV and Excel export of lists: every list page and endpoint offers its rows as a download.

CSV is written the way the reader's spreadsheet opens it: in Swedish, German and the other
decimal-comma locales with ``;`` between cells and a decimal comma, in English with ``,``
and a decimal point (Excel splits a CSV by the list separator of the computer's region).
The page offers both (``?sep=semicolon`` / ``?sep=comma``) and .xlsx (``?format=xlsx``),
which has no such ambiguity. CSV rows are streamed, so an export of a large list does not
sit in memory; the queryset must already be filtered by the sharing model
(teams/selectors.py) like the list it exports.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from gam.tenancy import current_tenant_id, tenant_context


class _Echo:
    """A file-like object whose write returns the line, for csv.writer over a generator."""

    def write(self, value: str) -> str:
        return value


# Languages whose spreadsheets use the decimal comma and so ";" between CSV cells.
DECIMAL_COMMA_LANGUAGES = ("sv", "de", "fr", "fi", "da", "nb", "nn", "no", "nl", "es", "it",
                           "pl", "pt", "cs", "et", "lv", "lt")  # fmt: skip
SEPARATORS = {"semicolon": ";", "comma": ","}


def locale_separator(language: str | None = None) -> str:
    language = (language or translation.get_language() or "en").split("-")[0].lower()
    return ";" if language in DECIMAL_COMMA_LANGUAGES else ","


def csv_response(
    filename: str,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    rows: Iterable[Any],
    *,
    delimiter: str | None = None,
) -> StreamingHttpResponse:
    """``columns`` is a list of (header, getter); each getter turns a row into a cell.
    ``delimiter`` defaults to the one of the active language; with ``;`` numbers get a
    decimal comma.

    Example: ``csv_response("subsidiaries.csv", [("Name", lambda s: s.name)], qs.iterator())``.
    """
    delimiter = delimiter or locale_separator()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    comma = delimiter == ";"
    # Translated headers now, in the request's language (the body is sent after the view).
    headers = [str(header) for header, _ in columns]

    def lines():
        yield "\ufeff"  # BOM, so Excel opens UTF-8 (å, ä, ö, ß) correctly
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_csv_value(getter(row), comma) for _, getter in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_value(value: Any, decimal_comma: bool) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and decimal_comma:
        return format(value, "f").replace(".", ",")
    if isinstance(value, float) and decimal_comma:
        return repr(value).replace(".", ",")
    return _cell(value)


def xlsx_response(
    filename: str,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    rows: Iterable[Any],
) -> HttpResponse:
    """The same rows as an Excel workbook: numbers and dates as such, text always as text
    (never a formula, whatever it starts with)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append([str(header) for header, _ in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, getter(row)) for _, getter in columns])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(sheet, value: Any):
    if value is None:
        return None
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # openpyxl would read "=..." as a formula
    return cell


def export_response(
    request,
    name: str,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    rows: Iterable[Any],
):
    """A list's export as the page asked: ``?format=xlsx`` an Excel file, else CSV with the
    separator of ``?sep=`` (semicolon or comma) or of the user's language."""
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"{name}.xlsx", columns, rows)
    delimiter = SEPARATORS.get(request.GET.get("sep", ""))
    return csv_response(f"{name}.csv", columns, rows, delimiter=delimiter)


def wants_export(request) -> bool:
    return request.GET.get("format") in ("csv", "xlsx")


FORMULA_STARTS = frozenset("=+-@")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    text = str(value)
    # Cells starting with these are formulas to spreadsheet programs (CSV injection), also
    # after leading spaces and in their full-width forms (＝ ＋ － ＠), which spreadsheets
    # read as the ASCII ones; a leading tab or carriage return can hide one.
    first = text.lstrip(" ")[:1]
    if not first:
        return text
    if first in "\t\r\n" or (
        unicodedata.normalize("NFKC", first) in FORMULA_STARTS and not _is_number(text)
    ):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def rows_in_tenant(queryset, chunk_size: int = 500):
    """The rows of ``queryset`` for a streamed export. The response is iterated after the
    middleware has left the tenant context, so the generator enters it again itself."""
    tenant_id = current_tenant_id()

    def rows():
        with tenant_context(tenant_id):
            yield from queryset.iterator(chunk_size=chunk_size)

    return rows()
