"""``?format=csv`` on every API endpoint: the same rows as the JSON, as a spreadsheet.

A paginated list renders its ``results`` (one page: use ``page_size`` up to 500 and ``page``
as for JSON); a single object renders as one row. Nested objects become ``parent.child``
columns, lists of plain values are joined with "; ", anything deeper stays JSON text.
Cells are escaped against spreadsheet formulas like the page exports (gam/exports.py).
"""

from __future__ import annotations

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

from gam.exports import _cell


def _flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            out[prefix] = "; ".join("" if v is None else str(v) for v in value)
        else:
            out[prefix] = json.dumps(value, ensure_ascii=False, default=str)
    else:
        out[prefix or "value"] = value


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            records = data["results"]
        elif isinstance(data, list):
            records = data
        else:
            records = [data]
        rows = []
        columns: dict[str, None] = {}
        for record in records:
            flat: dict = {}
            _flatten(record, "", flat)
            rows.append(flat)
            columns.update(dict.fromkeys(flat))
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 correctly with a byte-order mark
        writer = csv.writer(out)
        writer.writerow(list(columns))
        for flat in rows:
            writer.writerow([_cell(flat.get(c)) for c in columns])
        response = (renderer_context or {}).get("response")
        view = (renderer_context or {}).get("view")
        if response is not None and response.status_code < 400 and view is not None:
            name = getattr(view, "basename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return out.getvalue().encode("utf-8")
