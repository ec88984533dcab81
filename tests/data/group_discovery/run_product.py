"""Run the product on the labelled set: enter every record as a local customer, scan, read back.

Used by ``tests/conflicts_quality/test_group_discovery_set.py`` and meant for ``make bench``.
Needs a Django database (a test database: it creates a tenant of its own and leaves it there).

- One tenant, one country per ISO code of the set, one local sales rep per country.
- Each record is created by its country's rep through ``accounts.services.subsidiary_create``,
  the call the API's ``POST /subsidiaries/`` makes, with no global account: a local customer.
- The full scan runs through its public entry, ``manage.py scan_conflicts --tenant``.
- The open conflicts of kind ``duplicate_customer`` and ``unlinked_group`` (the second kind may
  not exist yet; then none are found) are read back, and their subsidiaries mapped to
  record_ids: the findings ``evaluate.evaluate`` scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO

from django.core.management import call_command
from django.db import transaction

from accounts.models import Subsidiary
from accounts.services import subsidiary_create
from gam.models import Country, Tenant, User
from gam.tenancy import tenant_context
from opportunities.conflicts.models import Conflict, ConflictStatus
from tests.data.group_discovery import Record, load_records
from tests.data.group_discovery.evaluate import KINDS, Report, evaluate

TENANT_SLUG = "group-discovery"


@dataclass
class ProductRun:
    tenant: Tenant
    subsidiary_of: dict[str, int]  # record_id -> subsidiary pk
    findings: list[tuple[str, frozenset[str]]]
    unmapped_refs: int  # conflict records that are not subsidiaries of the set
    scan_output: str

    def report(self) -> Report:
        return evaluate(self.findings)


def _setup_tenant(records: tuple[Record, ...]) -> tuple[Tenant, dict[str, User]]:
    tenant = Tenant.objects.create(name="Group discovery set", slug=TENANT_SLUG, currency="EUR")
    reps: dict[str, User] = {}
    with tenant_context(tenant):
        for code in sorted({record.country for record in records}):
            country = Country.objects.create(tenant=tenant, code=code, name=code, currency="EUR")
            reps[code] = User.objects.create_user(
                email=f"rep.{code.lower()}@{TENANT_SLUG}.test",
                password=None,
                name=f"Local rep {code}",
                tenant=tenant,
                country=country,
            )
    return tenant, reps


def enter_records(records: tuple[Record, ...] | None = None) -> tuple[Tenant, dict[str, int]]:
    """Create the tenant and every record as a local customer, the way the API does."""
    records = records if records is not None else load_records()
    tenant, reps = _setup_tenant(records)
    subsidiary_of: dict[str, int] = {}
    with tenant_context(tenant):
        countries = {country.code: country for country in Country.objects.all()}
        for record in records:
            # One transaction per record, as one API request makes one.
            with transaction.atomic():
                subsidiary = subsidiary_create(
                    actor=reps[record.country],
                    name=record.name,
                    country=countries[record.country],
                    registration_number=record.registration_number,
                    website=record.website,
                )
            subsidiary_of[record.record_id] = subsidiary.pk
    return tenant, subsidiary_of


def read_findings(tenant: Tenant, subsidiary_of: dict[str, int]):
    record_of = {pk: record_id for record_id, pk in subsidiary_of.items()}
    findings: list[tuple[str, frozenset[str]]] = []
    unmapped = 0
    with tenant_context(tenant):
        conflicts = Conflict.objects.filter(status=ConflictStatus.OPEN, kind__in=KINDS).order_by(
            "id"
        )
        for conflict in conflicts:
            ids = set()
            for ref in conflict.records or []:
                is_subsidiary = ref.get("type") == "subsidiary"
                record_id = record_of.get(ref.get("id")) if is_subsidiary else None
                if record_id is None:
                    unmapped += 1
                else:
                    ids.add(record_id)
            if len(ids) > 1:
                findings.append((conflict.kind, frozenset(ids)))
    return findings, unmapped


def run_product(records: tuple[Record, ...] | None = None) -> ProductRun:
    tenant, subsidiary_of = enter_records(records)
    out = StringIO()
    call_command("scan_conflicts", tenant=TENANT_SLUG, stdout=out, stderr=out)
    findings, unmapped = read_findings(tenant, subsidiary_of)
    return ProductRun(tenant, subsidiary_of, findings, unmapped, out.getvalue())


def subsidiaries_created(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return Subsidiary.objects.count()
