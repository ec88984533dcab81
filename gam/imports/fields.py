"""The fields an importer reads and how a file's header row is recognized.

Each importer lists its fields with the other spellings a header may have ("Registration /
VAT number", "vat" and "Org.nr" are one field). A header is compared after
``normalize_header`` (lower case, any run of other characters one ``_``), so a file exported
from GAM or typed by hand imports alike. A header no field claims is kept under its
normalized text, so the job can list it as not used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gam.imports.files import Table


@dataclass(frozen=True)
class Field:
    """One column an importer reads; ``name`` is the header of its CSV template."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def normalize_header(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text or "").strip().lower()).strip("_")


def header_names(fields: Iterable[Field]) -> dict[str, str]:
    """Normalized header -> field name, for every field's name and aliases."""
    names: dict[str, str] = {}
    for f in fields:
        for spelling in (f.name, *f.aliases):
            names.setdefault(normalize_header(spelling), f.name)
    return names


def recognize(headers: Sequence[object], fields: Iterable[Field]) -> list[str]:
    """Per header of the file: the field it is, or its normalized text when it is none."""
    names = header_names(fields)
    return [names.get(key, key) for key in map(normalize_header, headers)]


@dataclass
class Rows:
    """A table read with an importer's fields."""

    # The columns of the file, recognized, each once, in the file's order.
    columns: list[str]
    # Each row: {"_row": its number in the spreadsheet, column: text}; the first of two
    # columns that are one field wins.
    rows: list[dict]

    def unused(self, fields: Iterable[Field]) -> list[str]:
        known = {f.name for f in fields}
        return [c for c in self.columns if c not in known]


def read_rows(table: Table, fields: Sequence[Field]) -> Rows:
    headers = recognize(table.headers, fields)
    columns = list(dict.fromkeys(h for h in headers if h))
    rows = []
    for number, values in table.rows:
        row: dict = {"_row": number}
        for header, value in zip(headers, values, strict=False):
            if header and header not in row:
                row[header] = value
        rows.append(row)
    return Rows(columns=columns, rows=rows)


# Fields of the platform's own records, which importers of several kinds read.
ID = Field("id", _("id"))
COUNTRY = Field("country", _("country"), aliases=("country_code", "land", "country_region"))
OWNER = Field("owner", _("owner"), aliases=("owner_email",))
