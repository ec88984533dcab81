"""Reads of the sales work. Who may see or change an opportunity, activity or campaign is
answered by ``teams.selectors`` (the sharing model); these functions only add what to fetch
with it so that lists stay at a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.discovery import find_matching_subsidiaries
from accounts.models import GlobalAccount, Subsidiary
from gam.access import get_visible
from gam.models import User
from opportunities.models import (
    Activity,
    Campaign,
    CreditSplit,
    Lead,
    LeadQualificationParameter,
    Opportunity,
    OpportunityStatus,
    ProductLine,
    Stage,
    StageChange,
)
from teams.selectors import (
    changeable_records,
    records_at_account,
    subsidiaries_changeable_by,
    visible_records,
)

# Hours from qualification to the first sales contact before a lead counts as overdue.
LEAD_SLA_HOURS = 48


# --- configuration --------------------------------------------------------------------------


def stages() -> QuerySet[Stage]:
    return Stage.objects.select_related("country").order_by("order", "id")


def stages_for_country(country_id: int | None) -> list[Stage]:
    """The sales process of a market: its own stage set when it has one, else the tenant's
    common stages (those without a country)."""
    rows = list(stages().filter(Q(country__isnull=True) | Q(country_id=country_id)))
    own = [s for s in rows if s.country_id == country_id and country_id is not None]
    return own or [s for s in rows if s.country_id is None]


def product_lines() -> QuerySet[ProductLine]:
    return ProductLine.objects.order_by("name")


def qualification_parameters() -> QuerySet[LeadQualificationParameter]:
    return LeadQualificationParameter.objects.order_by("order", "name")


# --- opportunities --------------------------------------------------------------------------


def _opportunity_rows(qs: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return qs.select_related(
        "subsidiary", "country", "product_line", "owner", "stage", "global_account"
    ).prefetch_related(
        Prefetch("splits", queryset=CreditSplit.objects.select_related("user", "country"))
    )


def opportunities_visible_to(user: User) -> QuerySet[Opportunity]:
    return _opportunity_rows(visible_records(user, Opportunity.objects.all()))


def opportunities_for_api(user: User) -> QuerySet[Opportunity]:
    """What the API shows of the opportunities the user sees: the serializer reads ids, the
    stage's slug and the countries' codes only, so only those are joined (a page of 50 with
    every related row was half of the list's time)."""
    return (
        visible_records(user, Opportunity.objects.all())
        .select_related("stage", "country")
        .prefetch_related(
            Prefetch("splits", queryset=CreditSplit.objects.select_related("country"))
        )
    )


def opportunities_at_customer(user: User, subsidiary: Subsidiary) -> list[Opportunity]:
    """The customer page's list: what the sharing model lets the user see of the customer's
    opportunities (their own at least), newest open first. The bare sharing filter: the list
    shows none of the credit splits and other rows that ``opportunities_visible_to`` adds."""
    return list(
        visible_records(user, Opportunity.objects.filter(subsidiary=subsidiary))
        .select_related("stage", "owner", "product_line")
        .order_by("-status", "close_date", "id")[:50]
    )


def opportunities_changeable_by(user: User) -> QuerySet[Opportunity]:
    return changeable_records(user, Opportunity.objects.all())


def can_change(user: User, record) -> bool:
    """Whether ``user`` may change an opportunity, activity or campaign."""
    return changeable_records(user, type(record).objects.filter(pk=record.pk)).exists()


def may_create_at(user: User, subsidiary: Subsidiary, owner: User | None) -> bool:
    """Anyone may record their own work at any customer (that is how parallel work becomes
    visible); giving a record to someone else needs the right to change the subsidiary."""
    if owner is None or owner.pk == user.pk:
        return True
    return subsidiaries_changeable_by(user).filter(pk=subsidiary.pk).exists()


def opportunity_stage_history(opportunity: Opportunity) -> QuerySet[StageChange]:
    return StageChange.objects.filter(opportunity=opportunity).select_related(
        "from_stage", "to_stage", "changed_by"
    )


def opportunity_changes(opportunity: Opportunity, limit: int = 30) -> list:
    """The field-level history of an opportunity (django-simple-history), newest first."""
    records = list(
        opportunity.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    changes = []
    for newer, older in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older)
        if delta.changes:
            changes.append((newer, delta.changes))
    if records and len(records) <= limit:
        changes.append((records[-1], []))  # the creation
    return changes


def pipeline_board(user: User, qs: QuerySet[Opportunity], cards_per_stage: int = 25) -> list:
    """Columns of the board: each stage with its count, total and first cards. Six queries
    whatever the size of the pipeline (stages; totals and the first cards' ids of the open
    and of the recently closed deals; the cards)."""
    columns = [{"stage": s, "count": 0, "amount": 0, "cards": []} for s in stages()]
    by_stage = {c["stage"].pk: c for c in columns}
    recent = timezone.now() - timedelta(days=90)
    limit = cards_per_stage * len(columns)
    # Closed deals stay on the board for a quarter, then only the table shows them. The two
    # parts are read apart, each from its own index (open: opportunity_open_stalled_idx
    # alone; closed: by closed_at), instead of every row of the tenant for the OR.
    plain = qs.select_related(None).prefetch_related(None).order_by()
    parts = (
        plain.filter(status=OpportunityStatus.OPEN),
        plain.filter(closed_at__gte=recent).exclude(status=OpportunityStatus.OPEN),
    )
    # Ids first: the first cards of each part from its index without joins; only those rows
    # are then read with what the cards show. The recently closed part is ordered by an
    # expression on purpose: walking the tenant's (close_date, id) index for it passes every
    # older closed deal first; its closed_at index and a top-N sort read only the quarter.
    orders = (("close_date", "id"), (Coalesce("close_date", "close_date"), "id"))
    first = []
    for part, order in zip(parts, orders, strict=True):
        for row in part.values("stage_id").annotate(n=Count("*"), total=Sum("amount_reporting")):
            column = by_stage.get(row["stage_id"])
            if column:
                column["count"] += row["n"]
                column["amount"] += row["total"] or 0
        first += part.order_by(*order).values_list("close_date", "pk")[:limit]
    ids = [pk for _close, pk in sorted(first)[:limit]]
    cards = (
        Opportunity.objects.filter(pk__in=ids)
        .select_related("subsidiary", "country", "owner")
        .order_by("close_date", "id")
    )
    for opportunity in cards:
        column = by_stage.get(opportunity.stage_id)
        if column and len(column["cards"]) < cards_per_stage:
            column["cards"].append(opportunity)
    return columns


# --- activities and campaigns ---------------------------------------------------------------


def activities_visible_to(user: User) -> QuerySet[Activity]:
    return visible_records(user, Activity.objects.all()).select_related(
        "subsidiary", "country", "owner", "contact", "opportunity"
    )


def activities_for_api(user: User) -> QuerySet[Activity]:
    """What the API shows of the activities the user sees: ids and the country's code, so
    only the country is joined (each joined row is a model instance to build: the pages'
    five joins were a third of a 50-row page's time)."""
    return visible_records(user, Activity.objects.all()).select_related("country")


def activities_changeable_by(user: User) -> QuerySet[Activity]:
    return changeable_records(user, Activity.objects.all())


def account_timeline(
    user: User, account: GlobalAccount, *, country: str = "", kind: str = ""
) -> QuerySet[Activity]:
    """Everything the team did at a global account, all countries, newest first. For its
    team the account alone is the filter (``records_at_account``): the page is read from the
    (tenant, account, occurred_at) index instead of sorting every visible activity of it."""
    qs = records_at_account(user, Activity.objects.all(), account).select_related(
        "subsidiary", "country", "owner", "contact", "opportunity"
    )
    if country:
        qs = qs.filter(country__code=country.upper())
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-occurred_at", "-id")


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    return visible_records(user, Campaign.objects.all()).select_related(
        "subsidiary", "country", "owner", "global_account"
    )


def campaigns_for_api(user: User) -> QuerySet[Campaign]:
    """As ``activities_for_api``: the API reads the country's code of the joined rows only."""
    return visible_records(user, Campaign.objects.all()).select_related("country")


def campaigns_changeable_by(user: User) -> QuerySet[Campaign]:
    return changeable_records(user, Campaign.objects.all())


# --- leads ----------------------------------------------------------------------------------


def _lead_access(user: User) -> Q:
    """Leads are worked by country: a user sees those assigned to them, the unassigned ones
    and those of their own country; a tenant admin sees all."""
    return Q(owner=user) | Q(owner__isnull=True) | Q(country_id=user.country_id)


def leads_visible_to(user: User) -> QuerySet[Lead]:
    qs = Lead.objects.select_related("country", "owner", "product_line", "converted_opportunity")
    return qs if user.is_tenant_admin else qs.filter(_lead_access(user))


def lead_sla_deadline(lead: Lead):
    if lead.qualified_at is None:
        return None
    return lead.qualified_at + timedelta(hours=LEAD_SLA_HOURS)


def lead_is_overdue(lead: Lead, now=None) -> bool:
    deadline = lead_sla_deadline(lead)
    return (
        deadline is not None
        and lead.first_contact_at is None
        and lead.status == Lead.Status.QUALIFIED
        and deadline < (now or timezone.now())
    )


def leads_overdue(qs: QuerySet[Lead]) -> QuerySet[Lead]:
    return qs.filter(
        status=Lead.Status.QUALIFIED,
        first_contact_at__isnull=True,
        qualified_at__lt=timezone.now() - timedelta(hours=LEAD_SLA_HOURS),
    )


def lead_matching_subsidiaries(lead: Lead, limit: int = 5) -> list[Subsidiary]:
    """Existing customers the lead's company probably is (name, registration number, web
    domain), best first, so conversion links to them instead of entering a duplicate. A
    group shares its domain across countries: the lead's own country comes first."""

    matches = find_matching_subsidiaries(
        lead.company_name,
        lead.registration_number,
        lead.website,
        lead.country.code,
        limit=limit,
    )
    # sorted() is stable: within each group the matcher's ranking stays.
    return sorted(matches, key=lambda sub: sub.country_id != lead.country_id)


# --- one record for a user (404 for missing, another tenant's and not visible alike) ---------


def access_opportunity(user: User, pk) -> Opportunity:
    return get_visible(opportunities_visible_to(user), pk)


def access_activity(user: User, pk) -> Activity:
    return get_visible(activities_visible_to(user), pk)


def access_campaign(user: User, pk) -> Campaign:
    return get_visible(campaigns_visible_to(user), pk)


def access_lead(user: User, pk) -> Lead:
    return get_visible(leads_visible_to(user), pk)
