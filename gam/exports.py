"""CSV export of lists: every list page and endpoint offers its rows as a download.

Rows are streamed, so an export of a large list does not sit in memory; the queryset must
already be filtered by the sharing model (teams/selectors.py) like the list it exports.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from gam.tenancy import current_tenant_id, tenant_context


class _Echo:
    """A file-like object whose write returns the line, for csv.writer over a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    rows: Iterable[Any],
) -> StreamingHttpResponse:
    """``columns`` is a list of (header, getter); each getter turns a row into a cell.

    Example: ``csv_response("subsidiaries.csv", [("Name", lambda s: s.name)], qs.iterator())``.
    """
    writer = csv.writer(_Echo())
    # Translated headers now, in the request's language (the body is sent after the view).
    headers = [str(header) for header, _ in columns]

    def lines():
        yield "\ufeff"  # BOM, so Excel opens UTF-8 (å, ä, ö, ß) correctly
        yield writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_cell(getter(row)) for _, getter in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
