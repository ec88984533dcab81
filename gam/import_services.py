"""Import of customers (subsidiaries), contacts and opportunities from CSV or Excel.

An import is an ``ImportJob``: the upload parses the file (gam/import_files.py) and stores its
rows; a Celery task (gam/import_tasks.py) checks every row and stores the dry-run preview
(what would be created, matched or updated, and every bad row with its field and a message);
applying runs the same checks again and writes everything in one transaction, or nothing.

Cost: rows are checked in chunks; each chunk fetches what its rows refer to (customers,
users, global accounts, existing contacts or opportunities, the candidates of the duplicate
detector) in a fixed number of queries and then works from dicts, so checking a file costs
the same number of queries for 10 rows as for 500. Writes are ``bulk_create`` /
``bulk_update`` (with django-simple-history's history rows).

Permissions are the sharing model (teams/selectors.py): every row is checked as if the
importing user typed it in, and every reference is looked up in the current tenant only, so
another tenant's id is "not found" like a typo.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import Lower, RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.matching import NAME_MATCH_THRESHOLD, MatchingKeys, matching_keys, names_match
from accounts.models import Contact, GlobalAccount, Subsidiary
from gam import search
from gam.audit import audit
from gam.import_files import FileError, parse_file
from gam.models import Country, ExchangeRate, ImportJob, User, current_tenant
from gam.tenancy import current_tenant_id
from opportunities.models import (
    CreditSplit,
    Opportunity,
    OpportunityStatus,
    ProductLine,
    Stage,
    StageChange,
    status_for_phase,
)
from opportunities.services import stage_summaries_refresh
from teams.models import TeamMembership, TeamRole
from teams.selectors import (
    changeable_records,
    global_accounts_changeable_by,
    subsidiaries_changeable_by,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Rows per write step of an apply; after each step the rows written so far are reported.
WRITE_CHUNK = 1000
WRITE_PROGRESS_SECONDS = 3600
FUZZY_CANDIDATES = 500
CREATE, UPDATE, MATCH, ERROR = "create", "update", "match", "error"
HUNDRED = Decimal(100)


# --- cell parsing ---------------------------------------------------------------------------


class CellError(ValueError):
    pass


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_amount(text: str) -> Decimal:
    """'1234.50', '1 234,50', '1.234,50', '1,234.50' -> Decimal('1234.50')."""
    value = _SPACES.sub("", text)
    value = re.sub(r"[A-Za-z€$£¥]+", "", value)  # "1 200 SEK", "€ 90"
    if "," in value and "." in value:
        # The separator that comes last is the decimal one.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif value.count(",") == 1:
        whole, frac = value.split(",")
        if len(frac) == 3 and whole.lstrip("-").isdigit():
            raise CellError(
                _("“%(text)s” could mean %(a)s or %(b)s: write it without a thousands separator.")
                % {"text": text, "a": whole + frac, "b": whole + "." + frac}
            )
        value = value.replace(",", ".")
    elif value.count(",") > 1:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise CellError(_("“%(text)s” is not a number.") % {"text": text}) from exc
    if not amount.is_finite():
        raise CellError(_("“%(text)s” is not a number.") % {"text": text})
    return amount


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d")


def parse_date(text: str) -> datetime.date:
    value = text.strip()
    if "T" in value or " " in value:
        value = re.split(r"[T ]", value, maxsplit=1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(
        _("“%(text)s” is not a date: write it as YYYY-MM-DD (or DD.MM.YYYY).") % {"text": text}
    )


def _int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


# --- results --------------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    action: str = CREATE
    label: str = ""
    target: int | None = None
    changes: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
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
            "errors": [{"field": e["field"], "message": e["message"]} for e in self.errors],
        }


def _cell(row: dict, column: str) -> str:
    return str(row.get(column) or "").strip()


def _change_repr(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    return str(value)


# --- shared lookups -------------------------------------------------------------------------


class _Importer:
    """Checks rows of one kind; subclasses say which columns, how to check and how to write."""

    kind: str
    columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    # Columns that name what a row belongs to, for the template's help text.
    model = None

    def __init__(self, *, user: User, country: Country | None):
        self.user = user
        self.country = country
        self.is_admin = user.is_tenant_admin
        self.countries = {c.code: c for c in Country.objects.all()}
        self.seen: dict[tuple, int] = {}

    # Users -------------------------------------------------------------------------------

    def _prefetch_users(self, values: Iterable[str]) -> None:
        emails = {v.lower() for v in values if "@" in v}
        names = {v.lower() for v in values if v and "@" not in v}
        self.users_by_email: dict[str, User] = {}
        self.users_by_name: dict[str, list[User]] = defaultdict(list)
        if not emails and not names:
            return
        for user in User.in_tenant.annotate(lname=Lower("name")).filter(
            Q(email__in=emails) | Q(lname__in=names)
        ):
            self.users_by_email[user.email.lower()] = user
            self.users_by_name[user.lname].append(user)

    def _user(self, result: RowResult, column: str, text: str) -> User | None:
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
            user = found[0] if found else None
        if user is None:
            result.error(column, _("No user “%(v)s” in your company.") % {"v": text})
        elif not user.is_active:
            result.error(column, _("%(v)s is deactivated.") % {"v": text})
            return None
        return user

    def _country(self, result: RowResult, row: dict) -> Country | None:
        code = _cell(row, "country").upper()
        if self.country is not None:
            if code and code != self.country.code:
                result.error(
                    "country",
                    _("This import is for %(chosen)s, but the row says %(code)s.")
                    % {"chosen": self.country.code, "code": code},
                )
                return None
            return self.country
        if not code:
            result.error("country", _("A country code (such as SE or DE) is required."))
            return None
        country = self.countries.get(code)
        if country is None:
            result.error(
                "country",
                _("%(code)s is not one of your countries (Settings → Countries).") % {"code": code},
            )
        return country

    # Subsidiaries named by id or by name (contacts, opportunities) ------------------------

    def _prefetch_subsidiaries(self, chunk: list[dict]) -> None:
        ids = {i for r in chunk if (i := _int_or_none(_cell(r, "subsidiary"))) is not None}
        names = {
            _cell(r, "subsidiary").lower()
            for r in chunk
            if _cell(r, "subsidiary") and _int_or_none(_cell(r, "subsidiary")) is None
        }
        self.subs_by_id: dict[int, Subsidiary] = {}
        self.subs_by_name: dict[str, list[Subsidiary]] = defaultdict(list)
        self.changeable_subs: set[int] = set()
        if not ids and not names:
            return
        rows = (
            Subsidiary.objects.annotate(lname=Lower("name"))
            .filter(Q(pk__in=ids) | Q(lname__in=names))
            .select_related("country", "global_account")
        )
        for sub in rows:
            self.subs_by_id[sub.pk] = sub
            self.subs_by_name[sub.lname].append(sub)
        self.changeable_subs = self._changeable_subsidiary_ids(self.subs_by_id)

    def _changeable_subsidiary_ids(self, ids: Iterable[int]) -> set[int]:
        ids = list(ids)
        if self.is_admin:
            return set(ids)
        if not ids:
            return set()
        return set(
            subsidiaries_changeable_by(self.user).filter(pk__in=ids).values_list("pk", flat=True)
        )

    def _subsidiary(self, result: RowResult, row: dict) -> Subsidiary | None:
        text = _cell(row, "subsidiary")
        if not text:
            result.error("subsidiary", _("The customer (its id or name) is required."))
            return None
        pk = _int_or_none(text)
        if pk is not None:
            sub = self.subs_by_id.get(pk)
        else:
            found = self.subs_by_name.get(text.lower(), [])
            code = _cell(row, "country").upper() or (self.country.code if self.country else "")
            if code:
                found = [s for s in found if s.country.code == code]
            if len(found) > 1:
                result.error(
                    "subsidiary",
                    _("Several customers are called “%(v)s”: use the id or add the country.")
                    % {"v": text},
                )
                return None
            sub = found[0] if found else None
        if sub is None:
            result.error("subsidiary", _("No customer “%(v)s” in GAM.") % {"v": text})
            return None
        if self.country is not None and sub.country_id != self.country.pk:
            result.error(
                "subsidiary",
                _("%(name)s is in %(code)s, but this import is for %(chosen)s.")
                % {"name": sub.name, "code": sub.country.code, "chosen": self.country.code},
            )
            return None
        return sub

    def _first_time(self, result: RowResult, key: tuple, column: str) -> bool:
        """Two rows of one file for the same record: the second is an error."""
        earlier = self.seen.get(key)
        if earlier is not None:
            result.error(
                column, _("Row %(row)s of this file is the same record.") % {"row": earlier}
            )
            return False
        self.seen[key] = result.row
        return True

    # To be provided --------------------------------------------------------------------------

    def prefetch(self, chunk: list[dict]) -> None:
        raise NotImplementedError

    def check(self, row: dict) -> RowResult:
        raise NotImplementedError

    def write(self, results: list[RowResult]) -> None:
        raise NotImplementedError


# --- customers (subsidiaries) ---------------------------------------------------------------


def _match_rank(keys: MatchingKeys, sub: Subsidiary) -> tuple[int, tuple[str, ...]]:
    """The evidence of accounts.matching.find_matches, for a candidate fetched in bulk."""
    reasons = []
    if keys.registration_key and sub.registration_key == keys.registration_key:
        reasons.append("registration_number")
    if keys.domain_key and sub.domain_key == keys.domain_key:
        reasons.append("website")
    if names_match(keys.name_key, sub.name_key):
        reasons.append("name")
    rank = 4 * ("registration_number" in reasons) + 2 * ("website" in reasons) + ("name" in reasons)
    return rank, tuple(reasons)


REASON_LABELS = {
    "registration_number": gettext_lazy("same registration number"),
    "website": gettext_lazy("same website"),
    "name": gettext_lazy("same name"),
}


class SubsidiaryImporter(_Importer):
    kind = ImportJob.Kind.SUBSIDIARIES
    model = Subsidiary
    columns = (
        "id",
        "name",
        "country",
        "registration_number",
        "website",
        "address",
        "global_account",
        "owner",
    )
    required_columns = ("name",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Where the user is local account manager: they add customers of that account there.
        self.lam_places = set(
            TeamMembership.objects.filter(
                user=self.user, role=TeamRole.LOCAL_ACCOUNT_MANAGER
            ).values_list("global_account_id", "country_id")
        )

    def prefetch(self, chunk: list[dict]) -> None:
        self.keys: dict[int, MatchingKeys] = {}
        regs, domains, blocks, ids = set(), set(), set(), set()
        for row in chunk:
            code = _cell(row, "country").upper() or (self.country.code if self.country else "")
            keys = matching_keys(
                name=_cell(row, "name"),
                registration_number=_cell(row, "registration_number"),
                website=_cell(row, "website"),
                country_code=code,
            )
            self.keys[row["_row"]] = keys
            regs.add(keys.registration_key)
            domains.add(keys.domain_key)
            blocks.add(keys.name_block)
            if (pk := _int_or_none(_cell(row, "id"))) is not None:
                ids.add(pk)
        regs.discard("")
        domains.discard("")
        blocks.discard("")
        names = {k.name_key for k in self.keys.values()} - {""}
        exact = Q(pk__in=ids) | Q(registration_key__in=regs) | Q(domain_key__in=domains)
        exact |= Q(name_key__in=names)
        rows = Subsidiary.objects.select_related("country", "global_account")
        self.candidates = {s.pk: s for s in rows.filter(exact)}
        # For the fuzzy name comparison: the first customers of each name block and country.
        if blocks:
            crowd = rows.filter(name_block__in=blocks).annotate(
                place=Window(
                    RowNumber(), partition_by=[F("name_block"), F("country_id")], order_by="id"
                )
            )
            for sub in crowd.filter(place__lte=FUZZY_CANDIDATES):
                self.candidates.setdefault(sub.pk, sub)
        self.by_key: dict[tuple[str, str], list[Subsidiary]] = defaultdict(list)
        # Fuzzy name comparison only inside a name block and country, capped like the
        # detector's candidate set, so one crowded block cannot make a file quadratic.
        self.by_block: dict[tuple[str, int], list[Subsidiary]] = defaultdict(list)
        for sub in sorted(self.candidates.values(), key=lambda s: s.pk):
            for kind, value in (
                ("r", sub.registration_key),
                ("d", sub.domain_key),
                ("n", sub.name_key),
            ):
                if value:
                    self.by_key[(kind, value)].append(sub)
            block = self.by_block[(sub.name_block, sub.country_id)]
            if sub.name_block and len(block) < FUZZY_CANDIDATES:
                block.append(sub)
        self.block_names = {key: [s.name_key for s in subs] for key, subs in self.by_block.items()}
        self.changeable = self._changeable_subsidiary_ids(self.candidates)
        # Global accounts named by id or name, and which of them the user may change.
        ga_values = {_cell(r, "global_account") for r in chunk} - {""}
        ga_ids = {i for v in ga_values if (i := _int_or_none(v)) is not None}
        ga_names = {v.lower() for v in ga_values if _int_or_none(v) is None}
        self.accounts_by_id: dict[int, GlobalAccount] = {}
        self.accounts_by_name: dict[str, GlobalAccount] = {}
        if ga_values:
            for account in GlobalAccount.objects.annotate(lname=Lower("name")).filter(
                Q(pk__in=ga_ids) | Q(lname__in=ga_names)
            ):
                self.accounts_by_id[account.pk] = account
                self.accounts_by_name[account.lname] = account
        if self.is_admin or not self.accounts_by_id:
            self.changeable_accounts = set(self.accounts_by_id)
        else:
            self.changeable_accounts = set(
                global_accounts_changeable_by(self.user)
                .filter(pk__in=self.accounts_by_id)
                .values_list("pk", flat=True)
            )
        self._prefetch_users({_cell(r, "owner") for r in chunk})

    def _account(self, result: RowResult, text: str) -> GlobalAccount | None:
        if not text:
            return None
        pk = _int_or_none(text)
        account = self.accounts_by_id.get(pk) if pk is not None else None
        account = account or self.accounts_by_name.get(text.lower())
        if account is None:
            result.error("global_account", _("No global account “%(v)s”.") % {"v": text})
        return account

    def _may_place(self, account: GlobalAccount, country: Country) -> bool:
        """Whether the user may put a customer of ``account`` in ``country``."""
        return (
            self.is_admin
            or account.pk in self.changeable_accounts
            or (account.pk, country.pk) in self.lam_places
        )

    def _matches(
        self, keys: MatchingKeys, country_id: int
    ) -> list[tuple[int, Subsidiary, tuple[str, ...]]]:
        """Existing customers this row probably is, best first (as find_matches ranks)."""
        found: dict[int, Subsidiary] = {}
        for kind, value in (
            ("r", keys.registration_key),
            ("d", keys.domain_key),
            ("n", keys.name_key),
        ):
            if value:
                for sub in self.by_key.get((kind, value), ()):
                    found[sub.pk] = sub
        if keys.name_block and not any(s.country_id == country_id for s in found.values()):
            names = self.block_names.get((keys.name_block, country_id))
            if names:
                best = process.extractOne(
                    keys.name_key,
                    names,
                    scorer=fuzz.token_sort_ratio,
                    score_cutoff=NAME_MATCH_THRESHOLD,
                )
                if best is not None:
                    sub = self.by_block[(keys.name_block, country_id)][best[2]]
                    found[sub.pk] = sub
        ranked = []
        for sub in found.values():
            rank, reasons = _match_rank(keys, sub)
            if reasons:
                ranked.append((rank, sub, reasons))
        ranked.sort(key=lambda item: (-item[0], item[1].pk))
        return ranked

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = _cell(row, "name")
        result.label = name
        if not name:
            result.error("name", _("A name is required."))
        elif len(name) > 200:
            result.error("name", _("The name is longer than 200 characters."))
        country = self._country(result, row)
        registration = _cell(row, "registration_number")
        website = _cell(row, "website")
        address = _cell(row, "address")
        if len(registration) > 64:
            result.error("registration_number", _("Longer than 64 characters."))
        if len(website) > 255:
            result.error("website", _("Longer than 255 characters."))
        account = self._account(result, _cell(row, "global_account"))
        owner = self._user(result, "owner", _cell(row, "owner"))
        explicit_id = _cell(row, "id")
        if explicit_id and _int_or_none(explicit_id) is None:
            result.error("id", _("“%(v)s” is not an id.") % {"v": explicit_id})
        if result.errors:
            return result
        result.label = f"{name} ({country.code})"
        keys = self.keys[row["_row"]]

        target = None
        if explicit_id:
            target = self.candidates.get(int(explicit_id))
            if target is None:
                result.error("id", _("No customer with id %(v)s.") % {"v": explicit_id})
                return result
        else:
            for _rank, sub, reasons in self._matches(keys, country.pk)[:4]:
                if sub.country_id == country.pk:
                    target = sub
                    result.notes.append(
                        _("Already in GAM as %(name)s (%(why)s).")
                        % {
                            "name": sub.name,
                            "why": ", ".join(str(REASON_LABELS[r]) for r in reasons),
                        }
                    )
                    break
                result.notes.append(
                    _("Looks like %(name)s in %(code)s (%(why)s).")
                    % {
                        "name": sub.name,
                        "code": sub.country.code,
                        "why": ", ".join(str(REASON_LABELS[r]) for r in reasons),
                    }
                )
        # The same company twice in one file.
        file_keys = [("id", target.pk)] if target else []
        for kind, value in (
            ("reg", keys.registration_key),
            ("dom", keys.domain_key),
            ("name", keys.name_key),
        ):
            if value:
                file_keys.append((kind, country.pk, value))
        for key in file_keys:
            if not self._first_time(result, key, "name"):
                return result

        if target is None:
            if account is not None and not self._may_place(account, country):
                result.error(
                    "global_account",
                    _("You may not add customers of %(account)s in %(code)s.")
                    % {"account": account.name, "code": country.code},
                )
                return result
            gives_away = owner is not None and owner.pk != self.user.pk and not self.is_admin
            if gives_away and (account is None or not self._may_place(account, country)):
                result.error(
                    "owner",
                    _("Only a tenant admin may give a new local customer to someone else."),
                )
                return result
            result.action = CREATE
            result.obj = Subsidiary(
                tenant_id=current_tenant_id(),
                name=name,
                country=country,
                registration_number=registration,
                website=website,
                address=address,
                global_account=account,
                owner=owner or self.user,
                # The matching keys Subsidiary.set_matching_keys would compute (bulk_create
                # skips save()), already computed for this row.
                name_key=keys.name_key,
                name_block=keys.name_block,
                registration_key=keys.registration_key,
                domain_key=keys.domain_key,
            )
            return result

        result.target = target.pk
        result.label = f"{target.name} ({target.country.code})"
        changes = {}
        # The same number or domain in another spelling is no change.
        if registration and keys.registration_key != target.registration_key:
            changes["registration_number"] = registration
        if website and (keys.domain_key != target.domain_key or not target.website):
            changes["website"] = website
        if address and address != target.address:
            changes["address"] = address
        if explicit_id and name != target.name:
            changes["name"] = name
        if account is not None and account.pk != target.global_account_id:
            changes["global_account"] = account
        if owner is not None and owner.pk != target.owner_id:
            changes["owner"] = owner
        if not changes:
            result.action = MATCH
            return result
        if target.pk not in self.changeable:
            if explicit_id:
                result.error("id", _("You may not change %(name)s.") % {"name": target.name})
            else:
                result.action = MATCH
                result.notes.append(_("You may not change it, so it is left as it is."))
            return result
        if "global_account" in changes and not self._may_place(account, target.country):
            result.error(
                "global_account",
                _("You may not move customers to %(account)s in %(code)s.")
                % {"account": account.name, "code": target.country.code},
            )
            return result
        result.changes = {
            column: [_change_repr(getattr(target, column)), _change_repr(value)]
            for column, value in changes.items()
        }
        for column, value in changes.items():
            setattr(target, column, value)
        result.action = UPDATE
        result.obj = target
        return result

    def write(self, results: list[RowResult]) -> None:
        creates = [r.obj for r in results if r.action == CREATE]
        updates = [r.obj for r in results if r.action == UPDATE]
        bulk_create_with_history(creates, Subsidiary, batch_size=1000, default_user=self.user)
        search.index_records(creates, created=True)
        if updates:
            for sub in updates:
                sub.set_matching_keys()
                sub.version += 1
            bulk_update_with_history(
                updates,
                Subsidiary,
                [
                    "name",
                    "registration_number",
                    "website",
                    "address",
                    "global_account",
                    "owner",
                    "name_key",
                    "name_block",
                    "registration_key",
                    "domain_key",
                    "version",
                ],
                batch_size=1000,
                default_user=self.user,
            )
            search.index_records(updates, created=False)  # renamed ones


# --- contacts -------------------------------------------------------------------------------


def _choice(result: RowResult, column: str, text: str, choices) -> str | None:
    """A choice given as its value ('decision_maker') or its label ('Decision maker')."""
    if not text:
        return ""
    wanted = re.sub(r"[\s_-]+", " ", text.strip().lower())
    for value, label in choices:
        if wanted in (value.replace("_", " "), str(label).lower()):
            return value
    result.error(
        column,
        _("“%(v)s” is not one of: %(choices)s.")
        % {"v": text, "choices": ", ".join(str(label) for _v, label in choices)},
    )
    return None


class ContactImporter(_Importer):
    kind = ImportJob.Kind.CONTACTS
    model = Contact
    columns = (
        "subsidiary",
        "country",
        "name",
        "title",
        "email",
        "phone",
        "buying_role",
        "attitude",
    )
    required_columns = ("subsidiary", "name")

    def prefetch(self, chunk: list[dict]) -> None:
        self._prefetch_subsidiaries(chunk)
        emails = {_cell(r, "email").lower() for r in chunk} - {""}
        self.existing: dict[tuple[int, str], Contact] = {}
        if emails and self.subs_by_id:
            for contact in Contact.objects.annotate(lemail=Lower("email")).filter(
                subsidiary_id__in=self.subs_by_id, lemail__in=emails
            ):
                self.existing.setdefault((contact.subsidiary_id, contact.lemail), contact)

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = _cell(row, "name")
        email = _cell(row, "email")
        result.label = name or email
        sub = self._subsidiary(result, row)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                result.error("email", _("“%(v)s” is not an email address.") % {"v": email})
        values = {
            "title": _cell(row, "title"),
            "phone": _cell(row, "phone"),
            "buying_role": _choice(
                result, "buying_role", _cell(row, "buying_role"), Contact.BuyingRole.choices
            ),
            "attitude": _choice(
                result, "attitude", _cell(row, "attitude"), Contact.Attitude.choices
            ),
        }
        for column, limit in (("name", 200), ("title", 200), ("phone", 50)):
            if len(_cell(row, column)) > limit:
                result.error(column, _("Longer than %(n)s characters.") % {"n": limit})
        if result.errors:
            return result
        result.label = f"{name or email} · {sub.name} ({sub.country.code})"
        if sub.pk not in self.changeable_subs:
            result.error(
                "subsidiary",
                _("You may not change contacts at %(name)s.") % {"name": sub.name},
            )
            return result
        if email and not self._first_time(result, ("email", sub.pk, email.lower()), "email"):
            return result
        target = self.existing.get((sub.pk, email.lower())) if email else None
        if target is None:
            if not name:
                result.error("name", _("A name is required."))
                return result
            result.obj = Contact(
                tenant_id=current_tenant_id(),
                subsidiary=sub,
                name=name,
                email=email,
                title=values["title"],
                phone=values["phone"],
                buying_role=values["buying_role"],
                attitude=values["attitude"] or Contact.Attitude.UNKNOWN,
            )
            result.action = CREATE
            return result
        result.target = target.pk
        changes = {c: v for c, v in values.items() if v and v != getattr(target, c)}
        if name and name != target.name:
            changes["name"] = name
        if not changes:
            result.action = MATCH
            return result
        result.changes = {c: [getattr(target, c), v] for c, v in changes.items()}
        for column, value in changes.items():
            setattr(target, column, value)
        result.action = UPDATE
        result.obj = target
        return result

    def write(self, results: list[RowResult]) -> None:
        creates = [r.obj for r in results if r.action == CREATE]
        updates = [r.obj for r in results if r.action == UPDATE]
        bulk_create_with_history(creates, Contact, batch_size=1000, default_user=self.user)
        if updates:
            bulk_update_with_history(
                updates,
                Contact,
                ["name", "title", "phone", "buying_role", "attitude"],
                batch_size=1000,
                default_user=self.user,
            )


# --- opportunities --------------------------------------------------------------------------


class OpportunityImporter(_Importer):
    kind = ImportJob.Kind.OPPORTUNITIES
    model = Opportunity
    columns = (
        "subsidiary",
        "country",
        "name",
        "stage",
        "close_date",
        "amount",
        "currency",
        "product_line",
        "owner",
        "next_step",
    )
    required_columns = ("subsidiary", "name")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stages = list(Stage.objects.order_by("order", "id"))
        self.product_lines = {p.name.lower(): p for p in ProductLine.objects.all()}
        self.reporting_currency = current_tenant().currency
        self.rates: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
        for currency, valid_from, rate in ExchangeRate.objects.order_by(
            "currency", "-valid_from"
        ).values_list("currency", "valid_from", "rate"):
            self.rates[currency].append((valid_from, rate))

    def _stages_for(self, country_id: int) -> list[Stage]:
        """As opportunities.selectors.stages_for_country, from the stages read once."""
        own = [s for s in self.stages if s.country_id == country_id]
        return own or [s for s in self.stages if s.country_id is None]

    def _rate(self, currency: str, day: datetime.date) -> Decimal | None:
        if currency == self.reporting_currency:
            return Decimal(1)
        for valid_from, rate in self.rates.get(currency, ()):
            if valid_from <= day:
                return rate
        return None

    def prefetch(self, chunk: list[dict]) -> None:
        self._prefetch_subsidiaries(chunk)
        self._prefetch_users({_cell(r, "owner") for r in chunk})
        names = {_cell(r, "name").lower() for r in chunk} - {""}
        self.existing: dict[tuple[int, str], Opportunity] = {}
        self.changeable_opportunities: set[int] = set()
        if names and self.subs_by_id:
            for opportunity in (
                Opportunity.objects.annotate(lname=Lower("name"))
                .filter(subsidiary_id__in=self.subs_by_id, lname__in=names)
                .select_related("stage")
                .order_by("id")
            ):
                self.existing.setdefault(
                    (opportunity.subsidiary_id, opportunity.lname), opportunity
                )
            ids = [o.pk for o in self.existing.values()]
            if self.is_admin:
                self.changeable_opportunities = set(ids)
            elif ids:
                self.changeable_opportunities = set(
                    changeable_records(
                        self.user, Opportunity.objects.filter(pk__in=ids)
                    ).values_list("pk", flat=True)
                )

    def _stage(self, result: RowResult, text: str, sub: Subsidiary) -> Stage | None:
        if not text:
            return None
        wanted = text.strip().lower()
        allowed = self._stages_for(sub.country_id)
        for stage in allowed:
            if wanted in (stage.slug.lower(), stage.name.lower()):
                return stage
        result.error(
            "stage",
            _("“%(v)s” is not a stage of the sales process in %(code)s (%(stages)s).")
            % {"v": text, "code": sub.country.code, "stages": ", ".join(s.slug for s in allowed)},
        )
        return None

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = _cell(row, "name")
        result.label = name
        if not name:
            result.error("name", _("A name is required."))
        elif len(name) > 200:
            result.error("name", _("The name is longer than 200 characters."))
        sub = self._subsidiary(result, row)
        stage = self._stage(result, _cell(row, "stage"), sub) if sub else None
        close_date = amount = None
        if _cell(row, "close_date"):
            try:
                close_date = parse_date(_cell(row, "close_date"))
            except CellError as exc:
                result.error("close_date", str(exc))
        if _cell(row, "amount"):
            try:
                amount = parse_amount(_cell(row, "amount"))
            except CellError as exc:
                result.error("amount", str(exc))
            else:
                if amount < 0:
                    result.error("amount", _("The amount cannot be negative."))
                elif abs(amount) >= Decimal("1e14"):
                    result.error("amount", _("The amount is too large."))
                amount = amount.quantize(Decimal("0.01"))
        currency = _cell(row, "currency").upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            result.error("currency", _("Use a three-letter code such as EUR or SEK."))
        product_line = None
        if _cell(row, "product_line"):
            product_line = self.product_lines.get(_cell(row, "product_line").lower())
            if product_line is None:
                result.error(
                    "product_line",
                    _("No product line “%(v)s” (Settings → Product lines).")
                    % {"v": _cell(row, "product_line")},
                )
        owner = self._user(result, "owner", _cell(row, "owner"))
        next_step = _cell(row, "next_step")
        if len(next_step) > 200:
            result.error("next_step", _("Longer than 200 characters."))
        if result.errors:
            return result
        result.label = f"{name} · {sub.name} ({sub.country.code})"
        if not self._first_time(result, ("opportunity", sub.pk, name.lower()), "name"):
            return result
        target = self.existing.get((sub.pk, name.lower()))

        if target is None:
            if stage is None:
                result.error("stage", _("A stage is required for a new opportunity."))
            if close_date is None:
                result.error("close_date", _("A close date is required for a new opportunity."))
            owner = owner or self.user
            if owner.pk != self.user.pk and sub.pk not in self.changeable_subs:
                result.error(
                    "owner",
                    _("You may record your own opportunities at %(name)s, not someone else's.")
                    % {"name": sub.name},
                )
            if result.errors:
                return result
            opportunity = Opportunity(
                tenant_id=current_tenant_id(),
                name=name,
                subsidiary=sub,
                stage=stage,
                close_date=close_date,
                amount=amount or Decimal(0),
                currency=currency or sub.country.currency,
                product_line=product_line,
                owner=owner,
                next_step=next_step,
            )
            if not self._derive(result, opportunity):
                return result
            result.action = CREATE
            result.obj = opportunity
            return result

        result.target = target.pk
        if target.pk not in self.changeable_opportunities:
            result.error(
                "name",
                _("“%(name)s” is already an opportunity at %(sub)s that you may not change.")
                % {"name": target.name, "sub": sub.name},
            )
            return result
        changes = {}
        for column, value in (
            ("stage", stage),
            ("close_date", close_date),
            ("amount", amount),
            ("currency", currency),
            ("product_line", product_line),
            ("owner", owner),
            ("next_step", next_step),
        ):
            if value not in (None, "") and value != getattr(target, column):
                changes[column] = value
        if not changes:
            result.action = MATCH
            return result
        result.extra["previous_stage"] = target.stage
        result.changes = {
            c: [_change_repr(getattr(target, c)), _change_repr(v)] for c, v in changes.items()
        }
        for column, value in changes.items():
            setattr(target, column, value)
        if not self._derive(result, target):
            return result
        target.version += 1
        target.updated_at = timezone.now()
        result.action = UPDATE
        result.obj = target
        return result

    def _derive(self, result: RowResult, opportunity: Opportunity) -> bool:
        """The fields opportunities.services derives: account, country, status, closed_at
        and the amount in the reporting currency."""
        sub = opportunity.subsidiary
        opportunity.global_account_id = sub.global_account_id
        opportunity.country_id = sub.country_id
        status = status_for_phase(opportunity.stage.phase)
        if status != opportunity.status or (status != "open" and opportunity.closed_at is None):
            opportunity.closed_at = None if status == OpportunityStatus.OPEN else timezone.now()
        opportunity.status = status
        rate = self._rate(opportunity.currency, opportunity.close_date)
        if rate is None:
            result.error(
                "currency",
                _(
                    "No exchange rate from %(currency)s to %(reporting)s is known on or before "
                    "%(day)s. A tenant admin can add one under Settings → Exchange rates."
                )
                % {
                    "currency": opportunity.currency,
                    "reporting": self.reporting_currency,
                    "day": opportunity.close_date.isoformat(),
                },
            )
            return False
        opportunity.amount_reporting = (opportunity.amount * rate).quantize(Decimal("0.01"))
        return True

    def write(self, results: list[RowResult]) -> None:
        creates = [r.obj for r in results if r.action == CREATE]
        updated = [r for r in results if r.action == UPDATE]
        # PostgreSQL and SQLite return the new ids, which the splits and moves need.
        bulk_create_with_history(creates, Opportunity, batch_size=1000, default_user=self.user)
        search.index_records(creates, created=True)  # updates never change the name
        tenant_id = current_tenant_id()
        CreditSplit.objects.bulk_create(
            [
                CreditSplit(
                    tenant_id=tenant_id,
                    opportunity=o,
                    user=o.owner,
                    country_id=o.country_id,
                    percent=HUNDRED,
                )
                for o in creates
                if o.owner_id
            ],
            batch_size=1000,
        )
        moves = [
            StageChange(tenant_id=tenant_id, opportunity=o, to_stage=o.stage, changed_by=self.user)
            for o in creates
        ]
        if updated:
            bulk_update_with_history(
                [r.obj for r in updated],
                Opportunity,
                [
                    "stage",
                    "status",
                    "closed_at",
                    "close_date",
                    "amount",
                    "currency",
                    "amount_reporting",
                    "product_line",
                    "owner",
                    "next_step",
                    "version",
                    "updated_at",
                ],
                batch_size=1000,
                default_user=self.user,
            )
            moves += [
                StageChange(
                    tenant_id=tenant_id,
                    opportunity=r.obj,
                    from_stage=r.extra["previous_stage"],
                    to_stage=r.obj.stage,
                    changed_by=self.user,
                )
                for r in updated
                if r.obj.stage_id != r.extra["previous_stage"].pk
            ]
        StageChange.objects.bulk_create(moves, batch_size=1000)
        # The stage history summary kept on each opportunity (opportunities.services).
        moved = [m.opportunity_id for m in moves]
        for i in range(0, len(moved), 1000):
            stage_summaries_refresh(Opportunity.objects.filter(pk__in=moved[i : i + 1000]))


IMPORTERS: dict[str, type[_Importer]] = {
    ImportJob.Kind.SUBSIDIARIES: SubsidiaryImporter,
    ImportJob.Kind.CONTACTS: ContactImporter,
    ImportJob.Kind.OPPORTUNITIES: OpportunityImporter,
}


def template_columns(kind: str) -> tuple[str, ...]:
    """The header of the downloadable CSV template of a kind."""
    return IMPORTERS[kind].columns


# --- jobs -----------------------------------------------------------------------------------


def import_job_create(
    *,
    user: User,
    kind: str,
    country: Country | None,
    filename: str,
    data: bytes,
    dry_run: bool = True,
) -> ImportJob:
    """Parse an upload into a job (nothing else is written yet) and queue its dry run, or
    with ``dry_run=False`` its checking and writing in one go."""
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Choose what the file contains.")})
    try:
        parsed = parse_file(data, filename)
    except FileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    importer = IMPORTERS[kind]
    missing = [c for c in importer.required_columns if c not in parsed.columns]
    if "country" not in parsed.columns and country is None and kind == ImportJob.Kind.SUBSIDIARIES:
        missing.append("country")
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The file has no column %(columns)s. Its first row must name the columns, "
                    "as in the template."
                )
                % {"columns": ", ".join(f"“{c}”" for c in missing)}
            }
        )
    if not parsed.rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    ignored = [c for c in parsed.columns if c not in importer.columns]
    job = ImportJob.objects.create(
        kind=kind,
        country=country,
        filename=(filename or "")[:255],
        created_by=user,
        rows=parsed.rows,
        total_rows=len(parsed.rows),
        summary={"ignored_columns": ignored},
        status=ImportJob.Status.QUEUED if dry_run else ImportJob.Status.APPLYING,
    )
    _queue(job, apply=not dry_run)
    return job


def import_job_apply(*, job: ImportJob, user: User) -> ImportJob:
    """Queue the writing of a previewed job (it is checked again first)."""
    if job.status != ImportJob.Status.PREVIEW:
        raise ValidationError(
            {"status": _("Only an import that was checked without errors can be applied.")}
        )
    job.status = ImportJob.Status.APPLYING
    job.progress = 0
    job.processed_rows = 0
    job.save(update_fields=["status", "progress", "processed_rows"])
    _queue(job, apply=True)
    return job


def _queue(job: ImportJob, *, apply: bool) -> None:
    from gam.import_tasks import run_import

    tenant_id, job_id = job.tenant_id, job.pk
    transaction.on_commit(lambda: run_import.delay(tenant_id, job_id, apply))


def check_rows(
    *,
    kind: str,
    rows: list[dict],
    user: User,
    country: Country | None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[_Importer, list[RowResult]]:
    """Check every row (nothing is written): per row what would happen, or its errors."""
    importer = IMPORTERS[kind](user=user, country=country)
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        importer.prefetch(chunk)
        results.extend(importer.check(row) for row in chunk)
        if on_progress is not None:
            on_progress(len(results))
    return importer, results


def _summary(job: ImportJob, results: list[RowResult]) -> dict:
    counts = {CREATE: 0, UPDATE: 0, MATCH: 0, ERROR: 0}
    for result in results:
        counts[result.action] += 1
    return {**counts, "ignored_columns": job.summary.get("ignored_columns", [])}


def _written_key(job_id: int) -> str:
    return f"gam:import:{job_id}:written"


def rows_written(job: ImportJob) -> int | None:
    """Rows the running apply has written so far, or None outside the write. The write is
    one transaction, so the job row cannot show it; the worker reports through the cache
    (Redis in production, shared with the web processes), which the polling page reads."""
    if job.status != ImportJob.Status.APPLYING:
        return None
    return cache.get(_written_key(job.pk))


def live_progress(job: ImportJob) -> int:
    """The job's percentage: checking the rows is the first 80 % of an apply, writing them
    the rest."""
    written = rows_written(job)
    if written is None:
        return job.progress
    return min(99, 80 + int(20 * written / max(job.total_rows, 1)))


def _set_progress(job: ImportJob, processed: int, *, share: float = 1.0) -> None:
    """Written outside any transaction, so the page polling the job sees it move."""
    total = max(job.total_rows, 1)
    progress = min(99, int(100 * share * processed / total))
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed, progress=progress)


def _store_check(job: ImportJob, results: list[RowResult]) -> None:
    job.preview = [r.as_preview() for r in results]
    job.errors = [e for r in results for e in r.errors]
    job.summary = _summary(job, results)


def import_preview(*, job: ImportJob) -> ImportJob:
    """The dry run: what every row would do, and every bad row. Writes only the job."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
    _importer, results = check_rows(
        kind=job.kind,
        rows=job.rows,
        user=job.created_by,
        country=job.country,
        on_progress=lambda n: _set_progress(job, n),
    )
    _store_check(job, results)
    job.status = ImportJob.Status.INVALID if job.errors else ImportJob.Status.PREVIEW
    job.progress, job.processed_rows = 100, len(results)
    job.finished_at = timezone.now()
    job.save()
    return job


def import_apply(*, job: ImportJob) -> ImportJob:
    """Check again (the data may have changed since the preview) and write all rows in one
    transaction; with any bad row nothing is written and every bad row is reported."""
    importer, results = check_rows(
        kind=job.kind,
        rows=job.rows,
        user=job.created_by,
        country=job.country,
        on_progress=lambda n: _set_progress(job, n, share=0.8),
    )
    _store_check(job, results)
    if job.errors:
        job.status = ImportJob.Status.INVALID
        job.finished_at = timezone.now()
        job.progress = 100
        job.save()
        return job
    written_key = _written_key(job.pk)
    cache.set(written_key, 0, WRITE_PROGRESS_SECONDS)
    try:
        with transaction.atomic():
            for start in range(0, len(results), WRITE_CHUNK):
                chunk = results[start : start + WRITE_CHUNK]
                importer.write(chunk)
                cache.set(written_key, start + len(chunk), WRITE_PROGRESS_SECONDS)
            _finish_apply(job, results)
    finally:
        cache.delete(written_key)
    return job


def _finish_apply(job: ImportJob, results: list[RowResult]) -> None:
    """Inside the apply's transaction: the audit entry, the job done, a conflict scan queued."""
    audit(
        job.created_by,
        "import.apply",
        job,
        kind=job.kind,
        created=job.summary[CREATE],
        updated=job.summary[UPDATE],
        matched=job.summary[MATCH],
    )
    job.status = ImportJob.Status.DONE
    job.progress, job.processed_rows = 100, len(results)
    job.finished_at = timezone.now()
    job.save()
    if job.kind != ImportJob.Kind.CONTACTS and (job.summary[CREATE] or job.summary[UPDATE]):
        _queue_conflict_scan(job.tenant_id)


def _queue_conflict_scan(tenant_id: int) -> None:
    """New customers and opportunities may be duplicate work: one scan of the tenant rather
    than a check per imported row."""
    from opportunities.tasks import scan_tenant_conflicts

    transaction.on_commit(lambda: scan_tenant_conflicts.delay(tenant_id))


def import_run(*, job_id: int, apply: bool) -> None:
    """The Celery task's body (tenant in context). A failure marks the job failed, with
    nothing written (the write is one transaction)."""
    job = ImportJob.objects.select_related("created_by", "country").filter(pk=job_id).first()
    if job is None or job.status == ImportJob.Status.DONE:
        return  # a task delivered again after it finished: nothing to do
    user = job.created_by
    if user is None or not user.is_active or user.tenant_id != job.tenant_id:
        _fail(job, _("The user who uploaded this file can no longer import."))
        return
    try:
        # Messages of the preview are stored in the language of the person importing.
        with translation.override(user.language or None):
            if apply:
                import_apply(job=job)
            else:
                import_preview(job=job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job, _("The import failed unexpectedly; nothing was changed. Try again."))


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()
    )
