"""What an importer is: the record type's side of an import.

The engine (gam/imports/runner.py) reads the file, calls ``prefetch`` once per chunk of rows,
``check`` once per row and, when the apply writes, ``write`` with chunks of checked rows, all
inside one transaction. An importer checks every row as if the importing user typed it in
(the sharing model decides what they may create or change) and looks every reference up in
the current tenant only, so another tenant's id is "not found" like a typo.

Cost: ``prefetch`` fetches what a chunk's rows refer to in a fixed number of queries, and
``check`` works from what it fetched, so checking a file costs the same number of queries
for 10 rows as for 500. ``write`` writes in bulk.

The platform's own references (users, countries) are read here, so every importer reads
them alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from django.db.models import Model, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from gam import iso
from gam.imports import sources
from gam.imports.cells import cell
from gam.imports.fields import Field, Preset
from gam.models import Country, User

CREATE, UPDATE, MATCH, ERROR = "create", "update", "match", "error"
ACTIONS = (CREATE, UPDATE, MATCH, ERROR)


@dataclass
class RowResult:
    """What one row does (create, update, match) or its errors."""

    row: int
    action: str = CREATE
    label: str = ""
    target: int | None = None
    changes: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    # The row named no country and took the file's default.
    default_country: bool = False
    # What the write step saves (not stored in the preview).
    obj: object = None
    extra: dict = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.append({"row": self.row, "field": column, "message": str(message)})
        self.action = ERROR

    def as_preview(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "label": self.label,
            "target": self.target,
            "changes": self.changes,
            "notes": self.notes,
            "default_country": self.default_country,
            "errors": [{"field": e["field"], "message": e["message"]} for e in self.errors],
        }


class Importer:
    """Checks and writes the rows of one kind; an app subclasses it and registers the
    subclass (gam.imports.registry)."""

    # The kind's value in jobs, URLs and the API, and its label on the pages.
    kind: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[Model]]
    # The columns of the CSV template, in order, with the header spellings each accepts.
    fields: ClassVar[tuple[Field, ...]] = ()
    # Rows name their country, unless the upload form chose one for the whole file.
    needs_country: ClassVar[bool] = False
    # How rows find the records they update, for the upload page.
    matching_help: ClassVar[str] = ""
    # The exports of other systems this kind reads (gam.imports.fields.Preset).
    presets: ClassVar[tuple[Preset, ...]] = ()

    def __init__(self, *, user: User, country: Country | None, source: str = ""):
        self.user = user
        self.country = country
        # The system the file comes from: the namespace of its source ids.
        self.source = source
        self.is_admin = user.is_tenant_admin
        self.countries = {c.code: c for c in Country.objects.all()}
        self.seen: dict[tuple, int] = {}

    @classmethod
    def column_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.fields)

    @classmethod
    def required_columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.fields if f.required)

    # To be provided --------------------------------------------------------------------------

    def prepare(self, rows: list[dict]) -> None:
        """Look at the whole file once before the chunks (rows referring to other rows of
        the same file, such as a parent company further down). Optional."""

    def finish(self, results: list[RowResult]) -> dict:
        """After every chunk is written, in the same transaction: work that needs all rows
        written (linking rows to each other). Returns notes for the job's summary."""
        return {}

    def prefetch(self, chunk: list[dict]) -> None:
        """Fetch what the rows of ``chunk`` refer to, before ``check`` sees them."""
        raise NotImplementedError

    def check(self, row: dict) -> RowResult:
        """What ``row`` would do; nothing is written. An update changes ``result.obj`` in
        memory only."""
        raise NotImplementedError

    def write(self, results: list[RowResult]) -> None:
        """Write the created and updated rows of a chunk (no errors among them)."""
        raise NotImplementedError

    # Users -------------------------------------------------------------------------------

    def prefetch_users(self, values: Iterable[str]) -> None:
        """Users named by email, by name or by the id they have in the file's source system
        (mapped once, gam.imports.sources) in a chunk, for ``find_user``."""
        values = {v for v in values if v}
        emails = {v.lower() for v in values if "@" in v}
        names = {v.lower() for v in values if "@" not in v}
        self.users_by_email: dict[str, User] = {}
        self.users_by_name: dict[str, list[User]] = defaultdict(list)
        self.users_by_source: dict[str, User] = {}
        if not values:
            return
        for user in User.in_tenant.annotate(lname=Lower("name")).filter(
            Q(email__in=emails) | Q(lname__in=names)
        ):
            self.users_by_email[user.email.lower()] = user
            self.users_by_name[user.lname].append(user)
        others = {v for v in values if "@" not in v and v.lower() not in self.users_by_name}
        known = sources.lookup(self.source, sources.USER, others)
        if known:
            users = User.in_tenant.in_bulk(set(known.values()))
            self.users_by_source = {e: users[pk] for e, pk in known.items() if pk in users}

    def find_user(self, result: RowResult, column: str, text: str) -> User | None:
        if not text:
            return None
        if "@" in text:
            user = self.users_by_email.get(text.lower())
        else:
            found = self.users_by_name.get(text.lower(), [])
            if len(found) > 1:
                result.error(
                    column, _("Several users are called “%(v)s”: use the email.") % {"v": text}
                )
                return None
            user = found[0] if found else self.users_by_source.get(text)
        if user is None:
            result.error(
                column,
                _("No user “%(v)s” in your company (by email, name or a mapped owner id).")
                % {"v": text},
            )
        elif not user.is_active:
            result.error(column, _("%(v)s is deactivated.") % {"v": text})
            return None
        return user

    # Countries ---------------------------------------------------------------------------

    def row_country_code(self, row: dict) -> str:
        """The ISO code of the row's own country (by code, name or alias, gam.iso), or the
        default chosen for the file when the row names none; "" when unknown."""
        text = cell(row, "country")
        if text:
            return iso.country_code(text) or ""
        return self.country.code if self.country else ""

    # The code of the row's country, for matching keys and name look-ups.
    country_code = row_country_code

    def row_country(self, result: RowResult, row: dict) -> Country | None:
        """The row's country: its own cell wins; the file's default country only fills a
        row that names none, and the preview says so. A country the tenant does not sell
        in is an error naming it."""
        text = cell(row, "country")
        if not text:
            if self.country is None:
                result.error("country", _("A country (such as SE, Sweden or Sverige) is required."))
                return None
            result.default_country = True
            result.notes.append(
                _("No country in the row: %(code)s, the default chosen for the file.")
                % {"code": self.country.code}
            )
            return self.country
        code = iso.country_code(text)
        if code is None:
            result.error("country", _("“%(v)s” is not a country.") % {"v": text})
            return None
        country = self.countries.get(code)
        if country is None:
            result.error(
                "country",
                _(
                    "%(name)s (%(code)s) is not one of your countries; a tenant admin adds it "
                    "in Settings → Countries."
                )
                % {"name": iso.country_name(code), "code": code},
            )
        return country

    # The file itself -----------------------------------------------------------------------

    def first_time(self, result: RowResult, key: tuple, column: str) -> bool:
        """Two rows of one file for the same record: the second is an error."""
        earlier = self.seen.get(key)
        if earlier is not None:
            result.error(
                column, _("Row %(row)s of this file is the same record.") % {"row": earlier}
            )
            return False
        self.seen[key] = result.row
        return True
