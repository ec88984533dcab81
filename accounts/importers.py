"""The importers of customers (subsidiaries) and contacts, registered with the import engine
(gam.imports.registry) in AccountsConfig.ready.

Customers are matched with the duplicate detector's keys (accounts.matching): the same
registration number, web domain or name in the same country is the existing customer, so an
import updates it instead of adding a duplicate. Contacts are matched by email at their
customer. Every row is checked with the sharing model (teams.selectors) as if the importing
user typed it in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Q, Window
from django.db.models.functions import Lower, RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.matching import NAME_MATCH_THRESHOLD, MatchingKeys, matching_keys, names_match
from accounts.models import Contact, GlobalAccount, Subsidiary
from accounts.services import global_account_create
from gam import search
from gam.imports import sources
from gam.imports.base import CREATE, ERROR, MATCH, UPDATE, Importer, RowResult
from gam.imports.cells import CellError, cell, change_repr, int_or_none, parse_choice
from gam.imports.fields import COUNTRY, ID, OWNER, SOURCE_ID, Field, Preset
from gam.models import Country
from gam.tenancy import current_tenant_id
from teams.models import TeamMembership, TeamRole
from teams.selectors import global_accounts_changeable_by, subsidiaries_changeable_by

FUZZY_CANDIDATES = 500
SUBSIDIARY_MODEL = "accounts.subsidiary"
CONTACT_MODEL = "accounts.contact"
GLOBAL_ACCOUNT_MODEL = "accounts.globalaccount"

# The headers of a customer's name, registration number, website and address in
# English, Swedish, German and French spreadsheets and in CRM exports.
NAME_ALIASES = (
    "company", "company_name", "customer_name", "account_name", "account", "customer",
    "kund", "kundnamn", "namn", "foretag", "foretagsnamn", "bolag", "firma", "firmenname",
    "unternehmen", "kunde", "kundenname", "nom", "raison_sociale", "societe", "entreprise",
    "nom_du_compte", "client",
)  # fmt: skip
REGISTRATION_ALIASES = (
    "registration_vat_number", "registration_no", "registration_number", "vat", "vat_number",
    "vat_no", "vat_id", "vat_number_c", "vat_c", "registration_number_c", "org_number_c",
    "org_nr", "orgnr", "organisationsnummer", "organisation_number", "organization_number",
    "momsnummer", "momsreg_nr", "vat_nr", "ust_idnr", "ust_id", "ust_id_nr",
    "umsatzsteuer_id", "handelsregisternummer", "steuernummer", "siret", "siren",
    "n_tva", "numero_de_tva", "tva_intracommunautaire", "tax_id", "business_id", "y_tunnus",
)  # fmt: skip
WEBSITE_ALIASES = (
    "web", "domain", "url", "company_domain_name", "website_url", "webbplats", "hemsida",
    "webbadress", "webseite", "internetseite", "homepage", "site_web", "site_internet",
)  # fmt: skip
ADDRESS_ALIASES = (
    "street", "street_address", "billing_street", "address_1_street_1", "adress",
    "gatuadress", "besoksadress", "anschrift", "strasse", "adresse", "rue",
    # the rest of the address, joined after the street
    "postal_code", "zip", "zip_code", "city", "billing_postal_code", "billing_city",
    "postnummer", "ort", "postort", "plz", "postleitzahl", "stadt", "code_postal", "ville",
)  # fmt: skip
PARENT_ALIASES = (
    "parent_id", "parent_company", "parent_account", "parent", "moderbolag", "koncernmoder",
    "muttergesellschaft", "societe_mere", "maison_mere",
)  # fmt: skip
# The customer a contact or an opportunity belongs to: its id, or its name (with the row's
# country when two customers share a name).
SUBSIDIARY = Field(
    "subsidiary",
    gettext_lazy("customer"),
    aliases=(
        "subsidiary_id", "customer", "customer_id", "account_id", "account_name", "account",
        "company", "company_name", "associated_company", "associated_company_ids",
        "company_id", "kund", "kundnamn", "foretag", "kunde", "firma", "client", "societe",
    ),
    required=True,
)  # fmt: skip


class SubsidiaryReferences(Importer):
    """The base of importers whose rows name a customer (``subsidiary``): the chunk's
    customers read at once, and which of them the user may change."""

    def prefetch_subsidiaries(self, chunk: list[dict]) -> None:
        texts = {cell(r, "subsidiary") for r in chunk} - {""}
        # In a file from another system, a customer is named by that system's id (its
        # AccountId) or its name, never by GAM's id.
        self.subs_by_source = sources.lookup(self.source, SUBSIDIARY_MODEL, texts)
        ids = set(self.subs_by_source.values())
        if not self.source:
            ids |= {i for t in texts if (i := int_or_none(t)) is not None}
        names = {t.lower() for t in texts if int_or_none(t) is None}
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
        self.changeable_subs = self.changeable_subsidiary_ids(self.subs_by_id)

    def changeable_subsidiary_ids(self, ids: Iterable[int]) -> set[int]:
        ids = list(ids)
        if self.is_admin:
            return set(ids)
        if not ids:
            return set()
        return set(
            subsidiaries_changeable_by(self.user).filter(pk__in=ids).values_list("pk", flat=True)
        )

    def subsidiary_ref(self, result: RowResult, row: dict) -> Subsidiary | None:
        text = cell(row, "subsidiary")
        if not text:
            result.error("subsidiary", _("The customer (its id or name) is required."))
            return None
        pk = self.subs_by_source.get(text)
        if pk is None and not self.source:
            pk = int_or_none(text)
        if pk is not None:
            sub = self.subs_by_id.get(pk)
        else:
            found = self.subs_by_name.get(text.lower(), [])
            code = self.country_code(row)
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
        return sub


# --- customers (subsidiaries) ---------------------------------------------------------------


def _match_rank(keys: MatchingKeys, sub: Subsidiary) -> tuple[int, tuple[str, ...]]:
    """The evidence of accounts.discovery.find_matches, for a candidate fetched in bulk."""
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


# The account exports of Salesforce (Data Loader / data export: API names, 31 standard
# columns plus custom fields such as VAT_Number__c), HubSpot (companies export) and
# Dynamics 365 (Excel export of the accounts view, with its hidden "(Do Not Modify)" columns).
ACCOUNT_PRESETS = (
    Preset(
        "salesforce",
        gettext_lazy("Salesforce accounts"),
        {
            "Id": SOURCE_ID,
            "Name": "name",
            "ParentId": "parent",
            "BillingStreet": "address",
            "BillingPostalCode": "address",
            "BillingCity": "address",
            "BillingCountry": "country",
            "Website": "website",
            "OwnerId": "owner",
            "VAT_Number__c": "registration_number",
            "Registration_Number__c": "registration_number",
            "ShippingCountry": "",
            "AccountNumber": "",
        },
        signature=("BillingCountry", "ParentId", "OwnerId", "IsDeleted", "BillingCity",
                   "SystemModstamp", "MasterRecordId", "CreatedById"),
    ),
    Preset(
        "hubspot",
        gettext_lazy("HubSpot companies"),
        {
            "Record ID": SOURCE_ID,
            "Company name": "name",
            "Company Domain Name": "website",
            "Website URL": "website",
            "Country/Region": "country",
            "Company owner": "owner",
            "Parent Company": "parent",
            "Street Address": "address",
            "Postal Code": "address",
            "City": "address",
            "VAT number": "registration_number",
        },
        signature=("Record ID", "Company Domain Name", "Company owner", "Parent Company",
                   "Country/Region", "Lifecycle Stage", "Create Date"),
    ),
    Preset(
        "dynamics",
        gettext_lazy("Dynamics 365 accounts"),
        {
            "(Do Not Modify) Account": SOURCE_ID,
            "(Do Not Modify) Row Checksum": "",
            "(Do Not Modify) Modified On": "",
            "Account Name": "name",
            "Website": "website",
            "Address 1: Street 1": "address",
            "Address 1: ZIP/Postal Code": "address",
            "Address 1: City": "address",
            "Address 1: Country/Region": "country",
            "Parent Account": "parent",
            "Owner": "owner",
            "VAT Number": "registration_number",
        },
        signature=("(Do Not Modify) Account", "(Do Not Modify) Row Checksum",
                   "(Do Not Modify) Modified On", "Address 1: Country/Region", "Parent Account"),
    ),
)  # fmt: skip


class SubsidiaryImporter(SubsidiaryReferences):
    kind = "subsidiaries"
    label = gettext_lazy("Customers (subsidiaries)")
    model = Subsidiary
    fields = (
        ID,
        Field("name", gettext_lazy("name"), aliases=NAME_ALIASES, required=True),
        COUNTRY,
        Field(
            "registration_number", gettext_lazy("registration number"), aliases=REGISTRATION_ALIASES
        ),
        Field("website", gettext_lazy("website"), aliases=WEBSITE_ALIASES),
        Field("address", gettext_lazy("address"), aliases=ADDRESS_ALIASES, joined=", "),
        Field(
            "global_account",
            gettext_lazy("global account"),
            aliases=("global_account_id", "group", "koncern", "konzern", "groupe"),
        ),
        Field("parent", gettext_lazy("parent company"), aliases=PARENT_ALIASES),
        OWNER,
    )
    presets = ACCOUNT_PRESETS
    needs_country = True
    matching_help = gettext_lazy(
        "Customers: the same registration or VAT number (in any format), the same web domain "
        "or the same name once legal forms are removed, in the same country, update the "
        "existing customer instead of adding a duplicate. Give an id to update a customer "
        "directly."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Where the user is local account manager: they add customers of that account there.
        self.lam_places = set(
            TeamMembership.objects.filter(
                user=self.user, role=TeamRole.LOCAL_ACCOUNT_MANAGER
            ).values_list("global_account_id", "country_id")
        )

    def prepare(self, rows: list[dict]) -> None:
        # Parents may be rows further down the file: its source ids and names, known upfront.
        self.file_source_ids = {cell(r, SOURCE_ID): cell(r, "name") for r in rows}
        self.file_source_ids.pop("", None)
        self.file_names = {cell(r, "name").lower() for r in rows} - {""}

    def prefetch(self, chunk: list[dict]) -> None:
        self.keys: dict[int, MatchingKeys] = {}
        regs, domains, blocks, ids = set(), set(), set(), set()
        self.by_source_id = sources.lookup(
            self.source, SUBSIDIARY_MODEL, {cell(r, SOURCE_ID) for r in chunk}
        )
        ids |= set(self.by_source_id.values())
        parents = {cell(r, "parent") for r in chunk} - {""}
        self.parent_source_ids = set(sources.lookup(self.source, SUBSIDIARY_MODEL, parents))
        wanted = {p.lower() for p in parents} - self.file_names
        self.parent_names = (
            set(
                Subsidiary.objects.annotate(lname=Lower("name"))
                .filter(lname__in=wanted)
                .values_list("lname", flat=True)
            )
            if wanted
            else set()
        )
        for row in chunk:
            code = self.country_code(row)
            keys = matching_keys(
                name=cell(row, "name"),
                registration_number=cell(row, "registration_number"),
                website=cell(row, "website"),
                country_code=code,
            )
            self.keys[row["_row"]] = keys
            regs.add(keys.registration_key)
            domains.add(keys.domain_key)
            blocks.add(keys.name_block)
            if (pk := int_or_none(cell(row, "id"))) is not None:
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
        self.changeable = self.changeable_subsidiary_ids(self.candidates)
        # Global accounts named by id or name, and which of them the user may change.
        ga_values = {cell(r, "global_account") for r in chunk} - {""}
        ga_ids = {i for v in ga_values if (i := int_or_none(v)) is not None}
        ga_names = {v.lower() for v in ga_values if int_or_none(v) is None}
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
        self.prefetch_users({cell(r, "owner") for r in chunk})

    def _account(self, result: RowResult, text: str) -> GlobalAccount | None:
        if not text:
            return None
        pk = int_or_none(text)
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
        name = cell(row, "name")
        result.label = name
        if not name:
            result.error("name", _("A name is required."))
        elif len(name) > 200:
            result.error("name", _("The name is longer than 200 characters."))
        country = self.row_country(result, row)
        registration = cell(row, "registration_number")
        website = cell(row, "website")
        address = cell(row, "address")
        if len(registration) > 64:
            result.error("registration_number", _("Longer than 64 characters."))
        if len(website) > 255:
            result.error("website", _("Longer than 255 characters."))
        account = self._account(result, cell(row, "global_account"))
        owner = self.find_user(result, "owner", cell(row, "owner"))
        explicit_id = cell(row, "id")
        if explicit_id and int_or_none(explicit_id) is None:
            result.error("id", _("“%(v)s” is not an id.") % {"v": explicit_id})
        source_id = cell(row, SOURCE_ID)
        if len(source_id) > sources.MAX_LENGTH:
            result.error(SOURCE_ID, _("Longer than %(n)s characters.") % {"n": sources.MAX_LENGTH})
        parent = cell(row, "parent")
        if parent:
            self._check_parent(result, parent, source_id, name)
        if result.errors:
            return result
        result.label = f"{name} ({country.code})"
        result.extra = {"source_id": source_id, "name": name, "parent": parent}
        keys = self.keys[row["_row"]]

        target = None
        known = self.by_source_id.get(source_id) if source_id else None
        if known is not None and known in self.candidates and not explicit_id:
            # Imported from this system before: the same record, whatever its name is now,
            # and named as directly as by its id.
            explicit_id = str(known)
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
        # The same company twice in one file. A row naming its record (id, source id) is
        # that record, even when another row's name or number looks alike ("Mueller AG" and
        # "Müller GmbH" both exported with their ids).
        file_keys = [("id", target.pk)] if target else []
        if source_id:
            file_keys.append(("source", source_id))
        for kind, value in (
            ("reg", keys.registration_key),
            ("dom", keys.domain_key),
            ("name", keys.name_key),
        ):
            if value and not explicit_id:
                file_keys.append((kind, country.pk, value))
        for key in file_keys:
            if not self.first_time(result, key, "name"):
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
            column: [change_repr(getattr(target, column)), change_repr(value)]
            for column, value in changes.items()
        }
        for column, value in changes.items():
            setattr(target, column, value)
        result.action = UPDATE
        result.obj = target
        return result

    def _check_parent(self, result: RowResult, parent: str, source_id: str, name: str) -> None:
        """A parent company (by its source id or name) in this file or in GAM; the apply
        makes it a global account and this customer one of its subsidiaries."""
        if not self.is_admin:
            result.error(
                "parent",
                _("Only a tenant admin imports the group structure (parent companies)."),
            )
        elif parent in (source_id, name):
            result.error("parent", _("A company cannot be its own parent."))
        elif not (
            parent in self.file_source_ids
            or parent in self.parent_source_ids
            or parent.lower() in self.file_names
            or parent.lower() in self.parent_names
        ):
            result.error(
                "parent", _("No parent company “%(v)s” in this file or in GAM.") % {"v": parent}
            )
        else:
            name = self.file_source_ids.get(parent) or parent
            result.notes.append(_("Part of the group of “%(v)s”.") % {"v": name})

    def write(self, results: list[RowResult]) -> None:
        creates = [r.obj for r in results if r.action == CREATE]
        updates = [r.obj for r in results if r.action == UPDATE]
        bulk_create_with_history(creates, Subsidiary, batch_size=1000, default_user=self.user)
        search.index_records(creates, created=True)
        sources.link(
            self.source,
            SUBSIDIARY_MODEL,
            (
                (r.extra["source_id"], r.obj.pk if r.obj is not None else r.target)
                for r in results
                if r.action != ERROR and r.extra.get("source_id")
            ),
        )
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

    def finish(self, results: list[RowResult]) -> dict:
        """The group structure of the file: each top parent becomes a global account (or
        is the one it belongs to, or matches one by name), and its companies down the
        parent links its subsidiaries."""
        linked = [r for r in results if r.action != ERROR and r.extra.get("parent")]
        if not linked:
            return {}
        pk_of = {}
        by_name: dict[str, int] = {}
        for r in results:
            pk = r.obj.pk if r.obj is not None else r.target
            if pk is not None and r.action != ERROR:
                by_name.setdefault(r.extra["name"].lower(), pk)
                pk_of[r.row] = pk
        refs = {r.extra["parent"] for r in linked}
        by_source = sources.lookup(self.source, SUBSIDIARY_MODEL, refs)
        names = {p.lower() for p in refs} - set(by_name)
        if names:
            for sub in (
                Subsidiary.objects.annotate(lname=Lower("name"))
                .filter(lname__in=names)
                .order_by("id")
            ):
                by_name.setdefault(sub.lname, sub.pk)
        parent_of = {}
        for r in linked:
            ref = r.extra["parent"]
            parent_pk = by_source.get(ref) or by_name.get(ref.lower())
            if parent_pk is not None and parent_pk != pk_of[r.row]:
                parent_of[pk_of[r.row]] = parent_pk

        def root(pk: int) -> int:
            seen = {pk}
            while pk in parent_of and parent_of[pk] not in seen:
                pk = parent_of[pk]
                seen.add(pk)
            return pk

        groups: dict[int, set[int]] = defaultdict(set)
        for child in parent_of:
            top = root(child)
            groups[top].update({top, child})
        subs = Subsidiary.objects.select_related("global_account", "country").in_bulk(
            {pk for members in groups.values() for pk in members}
        )
        accounts = {a.name.lower(): a for a in GlobalAccount.objects.all().only("id", "name")}
        created = 0
        changed = []
        for top, members in groups.items():
            head = subs[top]
            account = head.global_account or accounts.get(head.name.lower())
            if account is None:
                account = global_account_create(
                    actor=self.user,
                    name=head.name,
                    headquarters_country=head.country,
                    website=head.website,
                )
                accounts[account.name.lower()] = account
                created += 1
            for pk in sorted(members):
                sub = subs[pk]
                if sub.global_account_id != account.pk:
                    sub.global_account = account
                    sub.version += 1
                    changed.append(sub)
        bulk_update_with_history(
            changed, Subsidiary, ["global_account", "version"], batch_size=1000,
            default_user=self.user,
        )  # fmt: skip
        return {
            "groups": len(groups),
            "global_accounts_created": created,
            "subsidiaries_linked": len(changed),
        }


# --- contacts -------------------------------------------------------------------------------


def _choice(result: RowResult, row: dict, column: str, choices) -> str | None:
    """A choice given as its value ('decision_maker') or its label ('Decision maker')."""
    try:
        return parse_choice(cell(row, column), choices)
    except CellError as exc:
        result.error(column, str(exc))
        return None


class ContactImporter(SubsidiaryReferences):
    kind = "contacts"
    label = gettext_lazy("Contacts")
    model = Contact
    fields = (
        SUBSIDIARY,
        COUNTRY,
        Field(
            "name",
            gettext_lazy("name"),
            aliases=(
                "full_name",
                "contact_name",
                "first_name",
                "last_name",
                "namn",
                "fornamn",
                "efternamn",
                "kontaktperson",
                "vorname",
                "nachname",
                "prenom",
                "nom",
            ),
            required=True,
            joined=" ",
        ),
        Field(
            "title",
            gettext_lazy("title"),
            aliases=("job_title", "titel", "befattning", "position", "fonction", "poste"),
        ),
        Field(
            "email",
            gettext_lazy("email"),
            aliases=("e_mail", "email_address", "e_post", "epost", "mejl", "courriel"),
        ),
        Field(
            "phone",
            gettext_lazy("phone"),
            aliases=(
                "telephone",
                "phone_number",
                "mobile_phone",
                "telefon",
                "telefonnummer",
                "mobil",
                "mobiltelefon",
                "business_phone",
                "telephone_fixe",
            ),
        ),  # fmt: skip
        Field("buying_role", gettext_lazy("buying role"), aliases=("role", "roll", "rolle")),
        Field("attitude", gettext_lazy("attitude")),
    )
    presets = (
        Preset(
            "salesforce",
            gettext_lazy("Salesforce contacts"),
            {
                "Id": SOURCE_ID,
                "AccountId": "subsidiary",
                "Name": "name",
                "FirstName": "",
                "LastName": "",
                "Salutation": "",
                "MailingCountry": "country",
                "Email": "email",
                "Phone": "phone",
                "MobilePhone": "",
                "Title": "title",
                "OwnerId": "",
            },
            signature=("AccountId", "MailingCountry", "OwnerId", "IsDeleted", "FirstName",
                       "LastName", "SystemModstamp"),
        ),
        Preset(
            "hubspot",
            gettext_lazy("HubSpot contacts"),
            {
                "Record ID": SOURCE_ID,
                "First Name": "name",
                "Last Name": "name",
                "Email": "email",
                "Phone Number": "phone",
                "Job Title": "title",
                "Associated Company IDs": "subsidiary",
                "Associated Company": "",
                "Company Name": "",
                "Country/Region": "country",
                "Contact owner": "",
            },
            signature=("Record ID", "First Name", "Last Name", "Contact owner",
                       "Associated Company IDs", "Lifecycle Stage"),
        ),
    )  # fmt: skip
    matching_help = gettext_lazy(
        "Contacts: the same source id (a re-import), or the same email at the same customer."
    )

    def prefetch(self, chunk: list[dict]) -> None:
        self.prefetch_subsidiaries(chunk)
        self.by_source_id = sources.lookup(
            self.source, CONTACT_MODEL, {cell(r, SOURCE_ID) for r in chunk}
        )
        self.known = Contact.objects.in_bulk(set(self.by_source_id.values()))
        emails = {cell(r, "email").lower() for r in chunk} - {""}
        self.existing: dict[tuple[int, str], Contact] = {}
        if emails and self.subs_by_id:
            for contact in Contact.objects.annotate(lemail=Lower("email")).filter(
                subsidiary_id__in=self.subs_by_id, lemail__in=emails
            ):
                self.existing.setdefault((contact.subsidiary_id, contact.lemail), contact)

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = cell(row, "name")
        email = cell(row, "email")
        result.label = name or email
        sub = self.subsidiary_ref(result, row)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                result.error("email", _("“%(v)s” is not an email address.") % {"v": email})
        values = {
            "title": cell(row, "title"),
            "phone": cell(row, "phone"),
            "buying_role": _choice(result, row, "buying_role", Contact.BuyingRole.choices),
            "attitude": _choice(result, row, "attitude", Contact.Attitude.choices),
        }
        for column, limit in (("name", 200), ("title", 200), ("phone", 50)):
            if len(cell(row, column)) > limit:
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
        if email and not self.first_time(result, ("email", sub.pk, email.lower()), "email"):
            return result
        source_id = cell(row, SOURCE_ID)[: sources.MAX_LENGTH]
        if source_id and not self.first_time(result, ("source", source_id), SOURCE_ID):
            return result
        result.extra = {"source_id": source_id}
        target = self.known.get(self.by_source_id.get(source_id)) if source_id else None
        if target is None and email:
            target = self.existing.get((sub.pk, email.lower()))
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
        sources.link(
            self.source,
            CONTACT_MODEL,
            (
                (r.extra["source_id"], r.obj.pk if r.obj is not None else r.target)
                for r in results
                if r.action != ERROR and r.extra.get("source_id")
            ),
        )
        if updates:
            bulk_update_with_history(
                updates,
                Contact,
                ["name", "title", "phone", "buying_role", "attitude"],
                batch_size=1000,
                default_user=self.user,
            )


# --- global accounts ------------------------------------------------------------------------


class GlobalAccountImporter(Importer):
    """Global accounts (customer groups) in their own right: matched by source id, id or
    name; created by tenant admins, changed by those who may change the account."""

    kind = "global_accounts"
    label = gettext_lazy("Global accounts (groups)")
    model = GlobalAccount
    fields = (
        ID,
        Field(
            "name",
            gettext_lazy("name"),
            aliases=(
                "global_account",
                "group",
                "group_name",
                "koncern",
                "konzern",
                "groupe",
                *NAME_ALIASES,
            ),
            required=True,
        ),  # fmt: skip
        Field(
            "country",
            gettext_lazy("headquarters country"),
            aliases=("headquarters_country", "hq_country", "hq", *COUNTRY.aliases),
        ),
        Field("website", gettext_lazy("website"), aliases=WEBSITE_ALIASES),
        Field(
            "industry",
            gettext_lazy("industry"),
            aliases=("bransch", "branche", "secteur", "sector", "sic_desc"),
        ),
        Field("description", gettext_lazy("description"), aliases=("beskrivning", "beschreibung")),
    )
    matching_help = gettext_lazy(
        "Global accounts: the same source id (a re-import), id or name updates the account."
    )

    def prefetch(self, chunk: list[dict]) -> None:
        self.by_source_id = sources.lookup(
            self.source, GLOBAL_ACCOUNT_MODEL, {cell(r, SOURCE_ID) for r in chunk}
        )
        ids = set(self.by_source_id.values())
        ids |= {i for r in chunk if (i := int_or_none(cell(r, "id"))) is not None}
        names = {cell(r, "name").lower() for r in chunk} - {""}
        self.accounts = {}
        self.by_name = {}
        for account in GlobalAccount.objects.annotate(lname=Lower("name")).filter(
            Q(pk__in=ids) | Q(lname__in=names)
        ):
            self.accounts[account.pk] = account
            self.by_name[account.lname] = account
        self.changeable = (
            set(self.accounts)
            if self.is_admin
            else set(
                global_accounts_changeable_by(self.user)
                .filter(pk__in=self.accounts)
                .values_list("pk", flat=True)
            )
        )

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = cell(row, "name")
        result.label = name
        if not name:
            result.error("name", _("A name is required."))
        elif len(name) > 200:
            result.error("name", _("The name is longer than 200 characters."))
        country = self.row_country(result, row) if cell(row, "country") else None
        values = {
            "headquarters_country": country,
            "website": cell(row, "website"),
            "industry": cell(row, "industry"),
            "description": cell(row, "description"),
        }
        for column, limit in (("website", 255), ("industry", 100)):
            if len(values[column]) > limit:
                result.error(column, _("Longer than %(n)s characters.") % {"n": limit})
        explicit_id = cell(row, "id")
        if explicit_id and int_or_none(explicit_id) is None:
            result.error("id", _("“%(v)s” is not an id.") % {"v": explicit_id})
        if result.errors:
            return result
        source_id = cell(row, SOURCE_ID)[: sources.MAX_LENGTH]
        result.extra = {"source_id": source_id}
        if source_id and not self.first_time(result, ("source", source_id), SOURCE_ID):
            return result
        target = None
        named = False
        if source_id and self.by_source_id.get(source_id) in self.accounts:
            target, named = self.accounts[self.by_source_id[source_id]], True
        elif explicit_id:
            target, named = self.accounts.get(int(explicit_id)), True
            if target is None:
                result.error("id", _("No global account with id %(v)s.") % {"v": explicit_id})
                return result
        else:
            target = self.by_name.get(name.lower())
        key = ("id", target.pk) if target else ("name", name.lower())
        if not self.first_time(result, key, "name"):
            return result
        if target is None:
            if not self.is_admin:
                result.error("name", _("Only a tenant admin may add global accounts."))
                return result
            result.action = CREATE
            result.extra["create"] = {"name": name, **values}
            return result
        result.target = target.pk
        result.label = target.name
        changes = {c: v for c, v in values.items() if v and v != getattr(target, c)}
        if named and name != target.name:
            changes["name"] = name
        if not changes:
            result.action = MATCH
            return result
        if target.pk not in self.changeable:
            result.error("name", _("You may not change %(name)s.") % {"name": target.name})
            return result
        result.changes = {
            c: [change_repr(getattr(target, c)), change_repr(v)] for c, v in changes.items()
        }
        for column, value in changes.items():
            setattr(target, column, value)
        result.action = UPDATE
        result.obj = target
        return result

    def write(self, results: list[RowResult]) -> None:
        for r in results:
            if r.action == CREATE:
                # Few rows (groups, not companies): the service scores and audits each.
                r.obj = global_account_create(actor=self.user, **r.extra["create"])
        updates = [r.obj for r in results if r.action == UPDATE]
        for account in updates:
            account.version += 1
        bulk_update_with_history(
            updates,
            GlobalAccount,
            ["name", "headquarters_country", "website", "industry", "description", "version"],
            batch_size=1000,
            default_user=self.user,
        )
        search.index_records(updates, created=False)
        sources.link(
            self.source,
            GLOBAL_ACCOUNT_MODEL,
            (
                (r.extra["source_id"], r.obj.pk if r.obj is not None else r.target)
                for r in results
                if r.action != ERROR and r.extra.get("source_id")
            ),
        )
