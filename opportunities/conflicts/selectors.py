"""Who sees which conflict, and the records of conflicts as they are shown side by side.

Conflict detection needs a tenant-wide view, but the sharing model still holds (DESIGN.md):

- the tenant admin and the global account manager (GAM) of an account the conflict is about
  see it whole and handle it. The accounts a conflict is about are its ``global_account``
  and, for a duplicate customer entered under two accounts, the accounts of the
  subsidiaries involved: both GAMs see it and may act on it;
- the owners of the records involved see that there is a conflict on their record, with a
  minimal hint about the other records only (country, product line, the GAM to talk to),
  never their name, amount or stage;
- everyone else does not see it at all (404).

A conflict's records are a JSON list of ``{"type", "id"}``; "which conflicts involve these
records" is answered inside the database by ``RecordsInvolve`` (one query, whatever the
number of conflicts), on PostgreSQL and on SQLite (the embedded default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import FrameworkAgreement, GlobalAccount, Subsidiary
from gam.models import User
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    Conflict,
    ConflictEvent,
    ConflictKind,
    ConflictStatus,
    ScanRun,
)
from opportunities.models import Campaign, Opportunity, OpportunityStatus
from teams.selectors import global_accounts_managed_by

OPEN_STATUS = OpportunityStatus.OPEN.value
RECORD_TYPES = ("subsidiary", "opportunity", "campaign", "framework_agreement")
FULL, HINT = "full", "hint"


def open_conflicts_at_account(account: str = "pk") -> Coalesce:
    """The number of open and acknowledged conflicts at the global account that the outer
    query's field ``account`` names (0 if none), as one correlated subquery: a count, which
    hides which records. The one definition for the account page, the dashboards and the
    deviations list."""
    counted = (
        Conflict.objects.filter(global_account=OuterRef(account), status__in=ACTIVE_STATUSES)
        .order_by()
        .values("global_account")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class RecordsInvolve(Expression):
    """True when a conflict's ``records`` list holds a record of ``record_type`` whose id is
    among ``ids`` (a ``values("pk")`` queryset). Compiled from the resolved ``records``
    column, so it keeps working when Django aliases the table (subqueries, counts)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, record_type: str, ids: QuerySet):
        super().__init__(output_field=BooleanField())
        self.record_type = record_type
        self.records = F("records")
        self.ids = Subquery(ids.order_by())  # a set of ids: no ORDER BY in the subquery

    def get_source_expressions(self):
        return [self.records, self.ids]

    def set_source_expressions(self, exprs):
        self.records, self.ids = exprs

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        clone = self.copy()
        clone.records = self.records.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        clone.ids = self.ids.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler, connection):
        records_sql, records_params = compiler.compile(self.records)
        ids_sql, ids_params = compiler.compile(self.ids)
        if not ids_sql.startswith("("):
            ids_sql = f"({ids_sql})"
        if connection.vendor == "postgresql":
            sql = (
                f"EXISTS (SELECT 1 FROM jsonb_array_elements({records_sql}) AS rec "
                f"WHERE rec->>'type' = %s AND (rec->>'id')::bigint IN {ids_sql})"
            )
        else:  # SQLite, the embedded default
            sql = (
                f"EXISTS (SELECT 1 FROM json_each({records_sql}) AS rec "
                f"WHERE json_extract(rec.value, '$.type') = %s "
                f"AND CAST(json_extract(rec.value, '$.id') AS INTEGER) IN {ids_sql})"
            )
        return sql, (*records_params, self.record_type, *ids_params)


class CountriesInclude(Expression):
    """True when a conflict's ``countries`` list holds ``code`` (the country filter)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, code: str):
        super().__init__(output_field=BooleanField())
        self.code = code
        self.countries = F("countries")

    def get_source_expressions(self):
        return [self.countries]

    def set_source_expressions(self, exprs):
        (self.countries,) = exprs

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        clone = self.copy()
        clone.countries = self.countries.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        return clone

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.countries)
        if connection.vendor == "postgresql":
            return f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({sql}) AS c WHERE c = %s)", (
                *params,
                self.code,
            )
        return f"EXISTS (SELECT 1 FROM json_each({sql}) AS c WHERE c.value = %s)", (
            *params,
            self.code,
        )


# --- who sees what --------------------------------------------------------------------------


def _full_view_filter(user: User) -> Q:
    managed = global_accounts_managed_by(user).values("pk")
    return Q(global_account__in=managed) | Q(
        RecordsInvolve(
            "subsidiary", Subsidiary.objects.filter(global_account__in=managed).values("pk")
        )
    )


def _owner_filter(user: User) -> Q:
    return (
        Q(RecordsInvolve("subsidiary", Subsidiary.objects.filter(owner=user).values("pk")))
        | Q(RecordsInvolve("opportunity", Opportunity.objects.filter(owner=user).values("pk")))
        | Q(RecordsInvolve("campaign", Campaign.objects.filter(owner=user).values("pk")))
    )


def _rows(qs: QuerySet[Conflict]) -> QuerySet[Conflict]:
    return qs.select_related("global_account", "global_account__manager", "assignee")


def conflicts_visible_to(user: User) -> QuerySet[Conflict]:
    """Every conflict the user may see, annotated ``full_view`` (True: the whole conflict and
    the right to handle it; False: the owner's hint only). Owners appear in lists too, with
    hint rows: knowing that their own record is in someone's way is the point."""
    if user.is_tenant_admin:
        return _rows(Conflict.objects.annotate(full_view=Value(True, BooleanField())))
    full = _full_view_filter(user)
    return _rows(
        Conflict.objects.filter(full | _owner_filter(user)).annotate(
            full_view=Case(When(full, then=Value(True)), default=Value(False))
        )
    )


def conflicts_handled_by(user: User) -> QuerySet[Conflict]:
    """The inbox proper: the conflicts the user sees whole and may act on."""
    if user.is_tenant_admin:
        return conflicts_visible_to(user)
    return _rows(
        Conflict.objects.filter(_full_view_filter(user)).annotate(
            full_view=Value(True, BooleanField())
        )
    )


def conflict_access(user: User, conflict: Conflict) -> str | None:
    """``"full"``, ``"hint"`` or None (not visible)."""
    full_view = getattr(conflict, "full_view", None)
    if full_view is None:
        row = conflicts_visible_to(user).filter(pk=conflict.pk).values("full_view").first()
        if row is None:
            return None
        full_view = row["full_view"]
    return FULL if full_view else HINT


def can_handle(user: User, conflict: Conflict) -> bool:
    return conflict_access(user, conflict) == FULL


def open_conflict_count(user: User, account: GlobalAccount) -> int:
    """Open and acknowledged conflicts of an account that the user sees whole."""
    return (
        conflicts_handled_by(user)
        .filter(global_account=account, status__in=ACTIVE_STATUSES)
        .count()
    )


def conflict_events(conflict: Conflict) -> QuerySet[ConflictEvent]:
    return ConflictEvent.objects.filter(conflict=conflict).select_related("actor")


def conflicts_involving(record_type: str, ids: QuerySet) -> QuerySet[Conflict]:
    return Conflict.objects.filter(RecordsInvolve(record_type, ids))


# --- the records of conflicts ---------------------------------------------------------------


@dataclass
class RecordSummary:
    """One record of a conflict as the side-by-side view shows it (None fields: n/a)."""

    type: str
    id: int
    exists: bool = True
    name: str = ""
    country: str = ""
    owner: User | None = None
    owner_id: int | None = None
    global_account_id: int | None = None
    global_account_name: str = ""
    subsidiary_id: int | None = None
    subsidiary_name: str = ""
    product_line: str = ""
    stage: str = ""
    status: str = ""
    amount: Decimal | None = None
    currency: str = ""
    dates: str = ""
    registration_number: str = ""
    website: str = ""
    manager: User | None = None  # the GAM of the record's global account
    extra: dict[str, Any] = field(default_factory=dict)


def _refs(conflicts) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = {t: set() for t in RECORD_TYPES}
    for conflict in conflicts:
        for ref in conflict.records or []:
            kind, pk = ref.get("type"), ref.get("id")
            if kind in wanted and str(pk).isdigit():
                wanted[kind].add(int(pk))
    return wanted


def record_summaries(conflicts) -> dict[tuple[str, int], RecordSummary]:
    """Summaries of every record of ``conflicts``: one query per record type that occurs,
    never one per record or per conflict."""
    wanted = _refs(conflicts)
    out: dict[tuple[str, int], RecordSummary] = {}
    if wanted["subsidiary"]:
        for s in Subsidiary.objects.filter(pk__in=wanted["subsidiary"]).select_related(
            "country", "owner", "global_account", "global_account__manager"
        ):
            out[("subsidiary", s.pk)] = RecordSummary(
                type="subsidiary",
                id=s.pk,
                name=s.name,
                country=s.country.code,
                owner=s.owner,
                owner_id=s.owner_id,
                global_account_id=s.global_account_id,
                global_account_name=s.global_account.name if s.global_account else "",
                manager=s.global_account.manager if s.global_account else None,
                registration_number=s.registration_number,
                website=s.website,
            )
    if wanted["opportunity"]:
        for o in Opportunity.objects.filter(pk__in=wanted["opportunity"]).select_related(
            "country",
            "owner",
            "global_account",
            "global_account__manager",
            "subsidiary",
            "product_line",
            "stage",
        ):
            out[("opportunity", o.pk)] = RecordSummary(
                type="opportunity",
                id=o.pk,
                name=o.name,
                country=o.country.code,
                owner=o.owner,
                owner_id=o.owner_id,
                global_account_id=o.global_account_id,
                global_account_name=o.global_account.name if o.global_account else "",
                manager=o.global_account.manager if o.global_account else None,
                subsidiary_id=o.subsidiary_id,
                subsidiary_name=o.subsidiary.name,
                product_line=o.product_line.name if o.product_line else "",
                stage=o.stage.name,
                status=o.status,
                amount=o.amount,
                currency=o.currency,
                dates=o.close_date.isoformat(),
            )
    if wanted["campaign"]:
        for c in Campaign.objects.filter(pk__in=wanted["campaign"]).select_related(
            "country", "owner", "global_account", "global_account__manager", "subsidiary"
        ):
            out[("campaign", c.pk)] = RecordSummary(
                type="campaign",
                id=c.pk,
                name=c.name,
                country=c.country.code,
                owner=c.owner,
                owner_id=c.owner_id,
                global_account_id=c.global_account_id,
                global_account_name=c.global_account.name if c.global_account else "",
                manager=c.global_account.manager if c.global_account else None,
                subsidiary_id=c.subsidiary_id,
                subsidiary_name=c.subsidiary.name,
                dates=f"{c.starts_on.isoformat()} – {c.ends_on.isoformat()}",
            )
    if wanted["framework_agreement"]:
        agreements = FrameworkAgreement.objects.filter(
            pk__in=wanted["framework_agreement"]
        ).select_related("global_account", "global_account__manager")
        for a in agreements.prefetch_related("countries"):
            out[("framework_agreement", a.pk)] = RecordSummary(
                type="framework_agreement",
                id=a.pk,
                name=a.name,
                country=", ".join(sorted(c.code for c in a.countries.all())),
                global_account_id=a.global_account_id,
                global_account_name=a.global_account.name,
                manager=a.global_account.manager,
                dates=f"{a.valid_from.isoformat()} – "
                f"{a.valid_until.isoformat() if a.valid_until else '…'}",
                extra={"discount_percent": a.discount_percent},
            )
    return out


def records_of(conflict: Conflict, summaries: dict) -> list[RecordSummary]:
    """The conflict's records in its own order; a record deleted since is marked so."""
    rows = []
    for ref in conflict.records or []:
        kind, pk = ref.get("type"), ref.get("id")
        if kind not in RECORD_TYPES or not str(pk).isdigit():
            continue
        rows.append(
            summaries.get((kind, int(pk))) or RecordSummary(type=kind, id=int(pk), exists=False)
        )
    return rows


@dataclass
class Hint:
    """What the owner of one record of a conflict learns about another record."""

    type: str
    country: str
    product_line: str


@dataclass
class HintView:
    own_records: list[RecordSummary]
    others: list[Hint]
    contact: User | None  # the GAM to talk to (else the conflict's assignee)


def hint_view(user: User, conflict: Conflict, summaries: dict) -> HintView:
    """The owner's view: their own records in full, the others as a hint only."""
    own, others = [], []
    for record in records_of(conflict, summaries):
        if record.exists and record.owner_id == user.pk:
            own.append(record)
        else:
            others.append(
                Hint(type=record.type, country=record.country, product_line=record.product_line)
            )
    contact = conflict.global_account.manager if conflict.global_account else None
    if contact is None:
        managers = [r.manager for r in records_of(conflict, summaries) if r.manager]
        contact = managers[0] if managers else conflict.assignee
    return HintView(own_records=own, others=others, contact=contact)


def accounts_of(conflict: Conflict, summaries: dict) -> list[int]:
    """The global accounts a conflict is about: its own and those of its records."""
    ids = [conflict.global_account_id] if conflict.global_account_id else []
    for record in records_of(conflict, summaries):
        if record.global_account_id and record.global_account_id not in ids:
            ids.append(record.global_account_id)
    return ids


def duplicate_subsidiaries(conflict: Conflict, summaries: dict) -> list[RecordSummary]:
    """The two (or more) existing subsidiaries of a duplicate-customer conflict."""
    if conflict.kind != ConflictKind.DUPLICATE_CUSTOMER:
        return []
    return [r for r in records_of(conflict, summaries) if r.type == "subsidiary" and r.exists]


# The findings of the scan the import engine queues after an apply (tasks.scan_after_import).
IMPORT_FINDINGS = (
    ConflictKind.DUPLICATE_CUSTOMER,
    ConflictKind.UNLINKED_GROUP,
    ConflictKind.PARALLEL_OPPORTUNITY,
)


def findings_after_import(job, user: User) -> list[dict]:
    """For an applied import: the open conflicts of the kinds an import causes, found since
    it was applied and visible to ``user``, per kind with a link to review them; "pending"
    while the scan queued after it has not finished."""
    if job.status != "done" or job.finished_at is None:
        return []
    scanned = ScanRun.objects.filter(
        started_at__gte=job.finished_at, status=ScanRun.Status.FINISHED
    ).exists()
    counts = dict(
        conflicts_visible_to(user)
        .filter(detected_at__gte=job.finished_at, status=ConflictStatus.OPEN,
                kind__in=IMPORT_FINDINGS)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )  # fmt: skip
    return [
        {
            "label": str(ConflictKind(kind).label),
            "count": counts.get(kind, 0),
            "url": f"{reverse('conflicts:conflict_list')}?kind={kind}",
            "pending": not scanned,
        }
        for kind in IMPORT_FINDINGS
    ]


# --- group discovery: the score in words, the proposed global accounts ----------------------

# The matcher's score is the log-odds (in bits) of "one company / one group". In words:
# strong from 10 bits (odds above 1000:1), likely from 5 (above 30:1), possible below.
STRONG_SCORE, LIKELY_SCORE = 10.0, 5.0


def score_label(score: float | None) -> str:
    """``"strong"``, ``"likely"`` or ``"possible"`` ('' when the finding has no score)."""
    if score is None:
        return ""
    if score >= STRONG_SCORE:
        return "strong"
    if score >= LIKELY_SCORE:
        return "likely"
    return "possible"


class CountryCount(Expression):
    """The number of codes in a conflict's ``countries`` list."""

    output_field = IntegerField()

    def __init__(self):
        super().__init__(output_field=IntegerField())
        self.countries = F("countries")

    def get_source_expressions(self):
        return [self.countries]

    def set_source_expressions(self, exprs):
        (self.countries,) = exprs

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        clone = self.copy()
        clone.countries = self.countries.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        return clone

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.countries)
        if connection.vendor == "postgresql":
            return f"COALESCE(jsonb_array_length({sql}), 0)", params
        return f"COALESCE(json_array_length({sql}), 0)", params


class OpenPipeline(Expression):
    """The open pipeline (sum of ``amount_reporting`` of open opportunities, in the tenant's
    reporting currency) at the subsidiaries of a conflict's ``records``: one correlated
    subquery per row of the list, inside the database."""

    output_field = DecimalField(max_digits=20, decimal_places=2)

    def __init__(self):
        super().__init__(output_field=DecimalField(max_digits=20, decimal_places=2))
        self.records = F("records")
        self.tenant = F("tenant_id")

    def get_source_expressions(self):
        return [self.records, self.tenant]

    def set_source_expressions(self, exprs):
        self.records, self.tenant = exprs

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        clone = self.copy()
        clone.records = self.records.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        clone.tenant = self.tenant.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        return clone

    def as_sql(self, compiler, connection):
        records_sql, records_params = compiler.compile(self.records)
        tenant_sql, tenant_params = compiler.compile(self.tenant)
        table = connection.ops.quote_name(Opportunity._meta.db_table)
        if connection.vendor == "postgresql":
            ids = (
                f"SELECT (rec->>'id')::bigint FROM jsonb_array_elements({records_sql}) AS rec "
                f"WHERE rec->>'type' = 'subsidiary'"
            )
        else:
            ids = (
                f"SELECT CAST(json_extract(rec.value, '$.id') AS INTEGER) "
                f"FROM json_each({records_sql}) AS rec "
                f"WHERE json_extract(rec.value, '$.type') = 'subsidiary'"
            )
        sql = (
            f"COALESCE((SELECT SUM(o.amount_reporting) FROM {table} AS o "
            f"WHERE o.tenant_id = {tenant_sql} AND o.status = %s AND o.subsidiary_id IN ({ids})"
            f"), 0)"
        )
        return sql, (*tenant_params, OPEN_STATUS, *records_params)


def proposals_for(user: User) -> QuerySet[Conflict]:
    """The proposed global accounts the user may see: active ``unlinked_group`` findings,
    ranked by the number of countries, then the open pipeline at their members.

    Tenant admins see every one (those without a global account are theirs to make into
    one; those with one, theirs or its GAM's to link). A GAM sees the findings that touch an
    account they manage (its ``global_account``, or a member already under it) — the rule
    of the conflict inbox (``conflicts_handled_by``); anyone else sees none."""
    return (
        conflicts_handled_by(user)
        .filter(kind=ConflictKind.UNLINKED_GROUP, status__in=ACTIVE_STATUSES)
        .annotate(country_count=CountryCount(), open_pipeline=OpenPipeline())
        .order_by("-country_count", "-open_pipeline", "-score", "-id")
    )


def group_members(conflict: Conflict, summaries: dict) -> list[RecordSummary]:
    """The existing subsidiaries of a group finding (or of a duplicate customer)."""
    return [r for r in records_of(conflict, summaries) if r.type == "subsidiary" and r.exists]
