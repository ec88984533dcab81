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
from gam.iso import country_code, fold


@dataclass(frozen=True)
class Field:
    """One column an importer reads; ``name`` is the header of its CSV template."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    # Several columns mapped to this field are joined (street, postal code and city into
    # one address; first and last name into one name); otherwise the first one wins.
    joined: str = ""


def normalize_header(text: object) -> str:
    """Lower case without accents, any run of other characters one ``_``: "Org.nr" ->
    "org_nr", "Företag" -> "foretag", "Straße" -> "strasse"."""
    return re.sub(r"[^0-9a-z]+", "_", fold(str(text or ""))).strip("_")


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


def read_rows(table: Table, fields: Sequence[Field], mapping: Sequence[str] | None = None) -> Rows:
    """The table's rows as {field: text}. ``mapping`` gives each column's field ("" to
    ignore the column); without it the headers are recognized by the fields' spellings."""
    headers = list(mapping) if mapping is not None else recognize(table.headers, fields)
    columns = list(dict.fromkeys(h for h in headers if h))
    joiners = {f.name: f.joined for f in fields if f.joined}
    rows = []
    for number, values in table.rows:
        row: dict = {"_row": number}
        for header, value in zip(headers, values, strict=False):
            if not header:
                continue
            if header not in row:
                row[header] = value
            elif header in joiners and value:
                row[header] = joiners[header].join(v for v in (row[header], value) if v)
        rows.append(row)
    return Rows(columns=columns, rows=rows)


# --- mappings: which column is which field ------------------------------------------------

# The id of a record in the system the file comes from (Salesforce's 18-character Id,
# HubSpot's Record ID, Dynamics' GUID): kept with the record, never read as GAM's own id.
SOURCE_ID = "source_id"
IGNORE = ""


def header_shape(headers: Sequence[object]) -> str:
    """The file's header row as one key, for finding the mapping saved for that shape."""
    return "|".join(normalize_header(h) for h in headers)[:2000]


@dataclass(frozen=True)
class Preset:
    """The columns of one system's export of one record type: header -> field."""

    source: str
    label: str
    columns: dict[str, str]
    # Headers that only this system's export has; a file with enough of them is its export.
    signature: tuple[str, ...] = ()

    def claims(self, headers: Sequence[object]) -> int:
        keys = {normalize_header(h) for h in headers}
        return sum(1 for h in self.signature if normalize_header(h) in keys)

    def field_for(self, header: object) -> str | None:
        key = normalize_header(header)
        for spelling, name in self.columns.items():
            if normalize_header(spelling) == key:
                return name
        return None


def detect_preset(headers: Sequence[object], presets: Sequence[Preset]) -> Preset | None:
    """The preset whose export this file looks like (two of its signature headers at
    least), or None."""
    scored = [(p.claims(headers), i, p) for i, p in enumerate(presets)]
    scored = [item for item in scored if item[0] >= 2]
    return max(scored, key=lambda item: (item[0], -item[1]))[2] if scored else None


_WEBSITE = re.compile(r"^(https?://)?(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_REGISTRATION = re.compile(r"^([A-Z]{2}[0-9A-Z]{8,12}|\d{6}-?\d{4}|\d{7}-\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4}$")


def guess_from_values(values: Sequence[str]) -> str:
    """The field a column's values look like ("" when unclear): countries, web addresses,
    emails, registration/VAT numbers, dates. Most of the filled values must agree."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return IGNORE

    def most(test) -> bool:
        return sum(1 for v in values if test(v)) >= max(1, int(0.8 * len(values)))

    if most(lambda v: not v.isdigit() and country_code(v) is not None):
        return "country"
    if most(_EMAIL.match):
        return "email"
    if most(lambda v: "@" not in v and _WEBSITE.match(v) and not v.replace(".", "").isdigit()):
        return "website"
    if most(lambda v: _REGISTRATION.match(v.replace(" ", ""))):
        return "registration_number"
    if most(_DATE.match):
        return "close_date"
    return IGNORE


def suggest_mapping(
    headers: Sequence[object],
    fields: Sequence[Field],
    preset: Preset | None = None,
    samples: Sequence[Sequence[str]] = (),
) -> list[str]:
    """Per column its field, or "" (ignored): the preset's column if it names one, else the
    fields' spellings. Each field once (but a joined field may take several columns); a
    column called "Id" in a system's export is its source id, never GAM's id."""
    names = header_names(fields)
    known = {f.name for f in fields}
    joined = {f.name for f in fields if f.joined}
    mapping: list[str] = []
    taken: set[str] = set()
    for header in headers:
        name = preset.field_for(header) if preset else None
        if name is None:
            name = names.get(normalize_header(header), IGNORE)
            if preset is not None and name == "id":
                name = SOURCE_ID
        if name and name not in known and name != SOURCE_ID:
            name = IGNORE
        if name in taken and name not in joined:
            name = IGNORE
        if name:
            taken.add(name)
        mapping.append(name)
    # Columns no header spelling claims: by what their values look like, unless a preset
    # says the column is to be ignored.
    for i, header in enumerate(headers):
        if mapping[i] or (preset is not None and preset.field_for(header) is not None):
            continue
        guess = guess_from_values([row[i] for row in samples if i < len(row)])
        if guess and guess in known and guess not in taken:
            mapping[i] = guess
            taken.add(guess)
    return mapping


def check_mapping(mapping: Sequence[str], headers: Sequence[object], fields: Sequence[Field]):
    """Problems of a mapping given by a person or a program, as messages ([] when fine)."""
    known = {f.name for f in fields} | {SOURCE_ID}
    joined = {f.name for f in fields if f.joined}
    problems = []
    if len(mapping) != len(headers):
        problems.append(
            _("The mapping names %(m)s columns; the file has %(n)s.")
            % {"m": len(mapping), "n": len(headers)}
        )
    for name in mapping:
        if name and name not in known:
            problems.append(_("“%(v)s” is not a field of this import.") % {"v": name})
    used = [n for n in mapping if n and n not in joined]
    for name in sorted({n for n in used if used.count(n) > 1}):
        problems.append(_("Two columns are mapped to “%(v)s”.") % {"v": name})
    return problems


# Fields of the platform's own records, which importers of several kinds read, with their
# headers in English, Swedish, German and French and in the exports of CRM systems.
ID = Field("id", _("id"), aliases=("gam_id",))
COUNTRY = Field(
    "country",
    _("country"),
    aliases=(
        "country_code", "country_region", "billing_country", "land", "landskod", "pays",
        "address_1_country_region", "mailing_country", "staat",
    ),
)  # fmt: skip
OWNER = Field(
    "owner",
    _("owner"),
    aliases=(
        "owner_email", "account_owner", "company_owner", "contact_owner", "deal_owner",
        "opportunity_owner", "ansvarig", "saljare", "kundansvarig", "agare",
        "verantwortlich", "betreuer", "besitzer", "kundenbetreuer", "proprietaire",
        "responsable", "commercial",
    ),
)  # fmt: skip
