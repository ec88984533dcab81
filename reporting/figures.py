"""Dashboard figures: plain functions that aggregate in the database.

Every figure starts from a queryset the sharing model hands out (``teams.selectors``), so a
number counts only what the user may see. Amounts are in the tenant's reporting currency
(``Opportunity.amount_reporting``, converted at the rate valid on the close date); the
weighted amount is the amount times the stage's probability. Each function runs a fixed
number of queries however many rows there are; loops in Python only walk grouped rows
(countries, phases, the user's own accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import GlobalAccount, Subsidiary
from accounts.plans.models import PlanObjective
from accounts.plans.selectors import actions_overdue, next_review_expression, objectives_progress
from gam.counts import cached_for_tenant, cached_rows
from gam.models import Country, User
from opportunities.conflicts.models import ACTIVE_STATUSES, Conflict
from opportunities.conflicts.selectors import open_conflicts_at_account
from opportunities.models import Activity, Opportunity, OpportunityStatus, Phase, Stage, funnel_rank
from teams.models import TeamMembership
from teams.selectors import (
    global_accounts_of_team,
    global_accounts_visible_to,
    mark_seen_whole,
    records_at_account,
    records_at_accounts_of_team,
    visible_records,
)

WHITE_SPACE_ACTIVITY_DAYS = 90
STALLED_AFTER_DAYS = 30
MANY_OPEN_CONFLICTS = 3
RECENT_ACTIVITY_ROWS = 10
DEVIATION_ROWS = 50
# The funnel of common phases, in order (lost is an exit, not a step).
FUNNEL = (Phase.QUALIFICATION, Phase.PROPOSAL, Phase.NEGOTIATION, Phase.WON)
PHASE_ORDER = {phase: i for i, phase in enumerate([*FUNNEL, Phase.LOST])}
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_MONEY = DecimalField(max_digits=24, decimal_places=2)
# amount × probability %; divided by 100 in Python so the sum stays exact.
_WEIGHTED_X100 = ExpressionWrapper(F("amount_reporting") * F("stage__probability"), _MONEY)


def money(value) -> Decimal:
    return (Decimal(value) if value is not None else ZERO).quantize(CENT, ROUND_HALF_UP)


def _weighted(value_x100) -> Decimal:
    return money(Decimal(value_x100 or 0) / 100)


def _ratio(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _year_bounds(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _sums() -> dict:
    return {
        "count": Count("pk"),
        "amount": Sum("amount_reporting"),
        "weighted_x100": Sum(_WEIGHTED_X100),
    }


def _cell(row: dict, **keys) -> dict:
    return {
        **keys,
        "count": row["count"],
        "amount": money(row["amount"]),
        "weighted_amount": _weighted(row["weighted_x100"]),
    }


@dataclass
class Lookups:
    """The tenant's stages (phase, probability) and countries (code, name) by id, so that
    grouped opportunity rows need no joins: joined, PostgreSQL misjudges how many rows each
    stage or country has and loops over them. Two small queries."""

    phase: dict[int, str]
    probability: dict[int, int]
    country: dict[int, tuple[str, str]]

    @classmethod
    def read(cls) -> Lookups:
        """From the cache while the tenant's settings and data have not changed."""
        return cached_for_tenant("lookups", cls._read)

    @classmethod
    def _read(cls) -> Lookups:
        stages = list(Stage.objects.values_list("pk", "phase", "probability").order_by())
        return cls(
            phase={pk: phase for pk, phase, _p in stages},
            probability={pk: p for pk, _phase, p in stages},
            country={
                pk: (code, name)
                for pk, code, name in Country.objects.values_list("pk", "code", "name").order_by()
            },
        )


def _weighted_x100(rows, lookups: Lookups, amount="open_amount") -> Decimal:
    """amount × the stage's probability, summed over grouped rows that each have a stage."""
    return sum(
        (Decimal(r[amount] or 0) * lookups.probability.get(r["stage_id"], 0) for r in rows), ZERO
    )


def _cells_by(rows, key) -> list[tuple[tuple, dict]]:
    """Grouped rows (``count``, ``amount``, ``weighted_x100``) summed per ``key(row)``."""
    cells: dict[tuple, dict] = {}
    for r in rows:
        cell = cells.setdefault(key(r), {"count": 0, "amount": ZERO, "weighted_x100": ZERO})
        cell["count"] += r["count"]
        cell["amount"] += r["amount"] or 0
        cell["weighted_x100"] += r["weighted_x100"]
    return sorted(cells.items())


# --- one global account ---------------------------------------------------------------------


def account_opportunities(user: User, account: GlobalAccount) -> QuerySet[Opportunity]:
    return records_at_account(user, Opportunity.objects.all(), account)


def account_rows(
    user: User, account: GlobalAccount, *, today: date | None = None, lookups: Lookups | None = None
) -> list[dict]:
    """The account's open opportunities and those won or lost this calendar year that the
    user sees, grouped by country, stage and status, in one query (and the lookups unless
    given): the pipeline and the won and lost figures are sums of these rows."""
    first, last = _year_bounds(today or timezone.localdate())
    lookups = lookups or Lookups.read()
    closed = (OpportunityStatus.WON, OpportunityStatus.LOST)
    rows = list(
        account_opportunities(user, account)
        .filter(
            Q(status=OpportunityStatus.OPEN) | Q(status__in=closed, close_date__range=(first, last))
        )
        .values("country_id", "stage_id", "status")
        .annotate(count=Count("*"), amount=Sum("amount_reporting"))
        .order_by()
    )
    for r in rows:
        r["country__code"] = lookups.country[r["country_id"]][0]
        r["weighted_x100"] = Decimal(r["amount"] or 0) * lookups.probability.get(r["stage_id"], 0)
        r["phase"] = lookups.phase.get(r["stage_id"])
    return rows


def pipeline_by_country_phase(
    user: User, account: GlobalAccount, *, rows: list[dict] | None = None
) -> list[dict]:
    """Open opportunities by country × phase: count, amount, weighted amount."""
    rows = account_rows(user, account) if rows is None else rows
    cells = _cells_by(
        [r for r in rows if r["status"] == OpportunityStatus.OPEN],
        lambda r: (r["country__code"], PHASE_ORDER[r["phase"]], r["phase"]),
    )
    return [_cell(c, country=country, phase=phase) for (country, _o, phase), c in cells]


def closed_by_country(
    user: User,
    account: GlobalAccount,
    *,
    status: str,
    today: date | None = None,
    rows: list[dict] | None = None,
) -> list[dict]:
    """Won (or lost) opportunities closing this calendar year, by country: same shape as the
    pipeline (phase ``won`` / ``lost``). ``rows`` from ``account_rows`` of the same day."""
    rows = account_rows(user, account, today=today) if rows is None else rows
    cells = _cells_by([r for r in rows if r["status"] == status], lambda r: (r["country__code"],))
    return [_cell(c, country=country, phase=status) for (country,), c in cells]


def white_space(user: User, account: GlobalAccount, *, now=None) -> list[str]:
    """Codes of countries where the account has subsidiaries but the user's view shows no
    open opportunity and no activity in the last 90 days."""
    since = (now or timezone.now()) - timedelta(days=WHITE_SPACE_ACTIVITY_DAYS)
    in_country = {"global_account": account, "country": OuterRef("pk")}
    # visible_records, not records_at_account: per country the sharing filter's index
    # bitmaps are the faster plan (bench/results: the account alone read far more rows).
    open_opps = visible_records(
        user, Opportunity.objects.filter(status=OpportunityStatus.OPEN, **in_country)
    )
    recent = visible_records(user, Activity.objects.filter(occurred_at__gte=since, **in_country))
    return list(
        Country.objects.filter(Exists(Subsidiary.objects.filter(**in_country)))
        .exclude(Exists(open_opps))
        .exclude(Exists(recent))
        .order_by("code")
        .values_list("code", flat=True)
    )


def open_conflicts_count(account: GlobalAccount) -> int:
    """Open and acknowledged conflicts at the account (a count hides which records)."""
    return Conflict.objects.filter(global_account=account, status__in=ACTIVE_STATUSES).count()


def objective_progress(user: User, account: GlobalAccount) -> list[dict]:
    """Each plan objective with the amount won towards it (accounts.plans.selectors: won
    opportunities that the user sees, closing from 1 January of the target date's year up
    to the target date, in the objective's country and product line where it names one).
    Two queries."""
    objectives = list(
        PlanObjective.objects.filter(plan__global_account=account).select_related(
            "plan", "country", "product_line"
        )
    )
    progress = objectives_progress(user, objectives)
    return [
        {
            "objective": objective,
            "id": objective.pk,
            "title": objective.title,
            "country": objective.country.code if objective.country else None,
            "target_amount": (
                money(objective.target_amount) if objective.target_amount is not None else None
            ),
            "target_date": objective.target_date,
            "achieved": progress[objective.pk].achieved,
            "percent": progress[objective.pk].percent,
        }
        for objective in objectives
    ]


def overdue_actions_of_account(account: GlobalAccount, *, today: date | None = None):
    return (
        actions_overdue(today or timezone.localdate())
        .filter(plan__global_account=account)
        .select_related("owner", "country")
    )


def recent_activity(user: User, account: GlobalAccount) -> list[Activity]:
    """The account's latest activities the user sees. Ids first (the sharing filter and the
    order without joins, as a subquery), then only those rows with what the page shows."""
    newest = ("-occurred_at", "-id")
    ids = (
        records_at_account(user, Activity.objects.all(), account)
        .order_by(*newest)
        .values("pk")[:RECENT_ACTIVITY_ROWS]
    )
    return list(
        Activity.objects.filter(pk__in=Subquery(ids))
        .select_related("country", "owner", "subsidiary")
        .order_by(*newest)
    )


@dataclass
class AccountHeader:
    """The account with its next review date, read in one query."""

    account: GlobalAccount
    next_review: date | None


def account_for_dashboard(user: User, account_id: int) -> AccountHeader | None:
    """The account if the user may see its details (its team, the tenant admin), else None."""
    account = (
        global_accounts_of_team(user)
        .select_related("tier", "manager", "plan", "headquarters_country")
        .annotate(next_review=next_review_expression())
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    mark_seen_whole(user, account)
    return AccountHeader(account=account, next_review=account.next_review)


def account_dashboard_api(
    user: User, header: AccountHeader, *, currency: str, rows: list[dict] | None = None
) -> dict:
    """The figures of ``GET global-accounts/{id}/dashboard/`` (API.md)."""
    account = header.account
    rows = account_rows(user, account) if rows is None else rows
    return {
        "currency": currency,
        "pipeline": pipeline_by_country_phase(user, account, rows=rows),
        "won": closed_by_country(user, account, status=OpportunityStatus.WON, rows=rows),
        "white_space": white_space(user, account),
        "open_conflicts": open_conflicts_count(account),
        "next_review": header.next_review,
    }


def account_dashboard(user: User, header: AccountHeader, *, currency: str) -> dict:
    """Everything the GAM dashboard page shows for one account."""
    today = timezone.localdate()
    rows = account_rows(user, header.account, today=today)
    figures = account_dashboard_api(user, header, currency=currency, rows=rows)
    pipeline = figures["pipeline"]
    won = figures["won"]
    lost = closed_by_country(user, header.account, status=OpportunityStatus.LOST, rows=rows)
    won_count, lost_count = sum(c["count"] for c in won), sum(c["count"] for c in lost)
    figures.update(
        {
            "account": header.account,
            "lost": lost,
            "totals": {
                "open_count": sum(c["count"] for c in pipeline),
                "open_amount": sum((c["amount"] for c in pipeline), ZERO),
                "weighted_amount": sum((c["weighted_amount"] for c in pipeline), ZERO),
                "won_count": won_count,
                "won_amount": sum((c["amount"] for c in won), ZERO),
                "lost_count": lost_count,
                "lost_amount": sum((c["amount"] for c in lost), ZERO),
                "win_rate": _ratio(won_count, won_count + lost_count),
            },
            "review_overdue": header.next_review is not None and header.next_review < today,
            "objectives": objective_progress(user, header.account),
            "overdue_actions": list(overdue_actions_of_account(header.account, today=today)),
            "recent_activity": recent_activity(user, header.account),
            "year": today.year,
        }
    )
    return figures


# --- my accounts ----------------------------------------------------------------------------


def my_accounts(user: User, *, today: date | None = None) -> list[dict]:
    """The accounts whose team the user is on, with their role and the account's figures:
    open pipeline, weighted, won this year, open conflicts, next review, overdue actions.
    Two queries: the memberships with per-account subqueries, the grouped opportunities."""
    today = today or timezone.localdate()
    first, last = _year_bounds(today)
    actions = (
        actions_overdue(today)
        .filter(plan__global_account=OuterRef("global_account"))
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships = list(
        TeamMembership.objects.filter(user=user)
        .select_related("global_account", "global_account__tier", "country")
        .annotate(
            next_review=next_review_expression("global_account"),
            open_conflicts=open_conflicts_at_account("global_account"),
            overdue_actions=Coalesce(Subquery(actions, output_field=IntegerField()), 0),
        )
        .order_by("global_account__name")
    )
    account_ids = [m.global_account_id for m in memberships]
    grouped = {
        r["global_account"]: r
        for r in records_at_accounts_of_team(
            user, Opportunity.objects.filter(global_account__in=account_ids)
        )
        .values("global_account")
        .annotate(
            open_count=Count("pk", filter=Q(status=OpportunityStatus.OPEN)),
            open_amount=Sum("amount_reporting", filter=Q(status=OpportunityStatus.OPEN)),
            weighted_x100=Sum(_WEIGHTED_X100, filter=Q(status=OpportunityStatus.OPEN)),
            won_amount=Sum(
                "amount_reporting",
                filter=Q(status=OpportunityStatus.WON, close_date__range=(first, last)),
            ),
        )
        .order_by()
    }
    rows = []
    for m in memberships:
        g = grouped.get(m.global_account_id, {})
        rows.append(
            {
                "account": m.global_account,
                "role": m.get_role_display(),
                "role_code": m.role,
                "country": m.country.code if m.country else None,
                "open_count": g.get("open_count", 0),
                "open_amount": money(g.get("open_amount")),
                "weighted_amount": _weighted(g.get("weighted_x100")),
                "won_amount": money(g.get("won_amount")),
                "open_conflicts": m.open_conflicts,
                "overdue_actions": m.overdue_actions,
                "next_review": m.next_review,
                "review_overdue": m.next_review is not None and m.next_review < today,
            }
        )
    return rows


# --- the tenant -----------------------------------------------------------------------------


def _closed_on():
    """The day an opportunity closed: when it was closed, else its close date."""
    return Coalesce(TruncDate("closed_at"), F("close_date"))


def _cube(user: User, today: date) -> list[dict]:
    """The visible opportunities grouped by country, stage, furthest funnel rank and
    whether they are at a global account: the open pipeline, what closed this calendar
    year and the number created this year. One scan of the opportunities without joins
    (the grouped rows are few); the tenant dashboard's figures are sums of these rows."""
    first, last = _year_bounds(today)
    is_open = Q(status=OpportunityStatus.OPEN)
    closed_this_year = Q(close_date__range=(first, last))
    won = Q(status=OpportunityStatus.WON) & closed_this_year
    lost = Q(status=OpportunityStatus.LOST) & closed_this_year
    cycle = ExpressionWrapper(_closed_on() - TruncDate("created_at"), DurationField())
    # Cached until the tenant's data changes (gam.counts): for a user who sees all 500k
    # opportunities this scan is 0.9 s; the key holds the user's sharing filter and the year.
    return cached_rows(
        visible_records(user, Opportunity.objects.all())
        .annotate(is_global=ExpressionWrapper(Q(global_account__isnull=False), BooleanField()))
        .values("country_id", "stage_id", "furthest_phase_rank", "is_global")
        .annotate(
            open_count=Count("pk", filter=is_open),
            open_amount=Sum("amount_reporting", filter=is_open),
            won_count=Count("pk", filter=won),
            lost_count=Count("pk", filter=lost),
            won_amount=Sum("amount_reporting", filter=won),
            cycle_total=Sum(cycle, filter=won),
            cohort=Count("pk", filter=Q(created_at__date__range=(first, last))),
        )
        .order_by()
    )


def tenant_pipeline_split(
    user: User, *, cube: list[dict] | None = None, lookups: Lookups | None = None
) -> dict:
    """Open pipeline at subsidiaries of global accounts vs at local customers."""
    cube = _cube(user, timezone.localdate()) if cube is None else cube
    lookups = lookups or Lookups.read()
    segments = {}
    for segment, is_global in (("global", True), ("local", False)):
        rows = [r for r in cube if r["is_global"] is is_global and r["open_count"]]
        total = {
            "count": sum(r["open_count"] for r in rows),
            "amount": sum((r["open_amount"] for r in rows), ZERO),
            "weighted_x100": _weighted_x100(rows, lookups),
        }
        segments[segment] = _cell(total, segment=segment)
    return segments


def country_kpis(
    user: User,
    *,
    today: date | None = None,
    cube: list[dict] | None = None,
    lookups: Lookups | None = None,
) -> dict:
    """Per country and in total: open pipeline (count, amount, weighted), and for what closed
    this calendar year: won/lost counts, win rate, average deal size (won), cycle length
    (days from creation to close, won); plus the phase funnel of the opportunities created
    this year (how many reached each phase, conversion to the next). Sums of ``_cube``
    rows; one query (unless given) and the lookups (unless given)."""
    today = today or timezone.localdate()
    cube = _cube(user, today) if cube is None else cube
    lookups = lookups or Lookups.read()
    by_country: dict[int, list[dict]] = {}
    for r in cube:
        by_country.setdefault(r["country_id"], []).append(r)
    rows = []
    for country_id, group in by_country.items():
        row = _kpi_sums(group, lookups)
        row["country__code"], row["country__name"] = lookups.country[country_id]
        rows.append(row)
    rows.sort(key=lambda r: r["country__code"])
    total = _kpi_sums(cube, lookups)
    return {
        "countries": [
            _kpi_row(r, country=r["country__code"], name=r["country__name"]) for r in rows
        ],
        "total": _kpi_row(total, country=None, name=None),
        "year": today.year,
    }


def _kpi_sums(rows: list[dict], lookups: Lookups) -> dict:
    """The KPI numbers of a set of grouped rows. An opportunity reached a phase when it is
    in that phase or a later one now, or its history took it there (``_reached``): per row
    both are known, the row's stage and its furthest rank."""
    total = {key: sum(r[key] for r in rows) for key in ("open_count", "won_count", "lost_count")}
    for key in ("open_amount", "won_amount"):
        total[key] = sum((r[key] or 0 for r in rows), ZERO)
    total["weighted_x100"] = _weighted_x100(rows, lookups)
    total["cycle_total"] = sum((r["cycle_total"] or timedelta(0) for r in rows), timedelta(0))
    for phase in FUNNEL:
        later = FUNNEL[FUNNEL.index(phase) :]
        total[f"reached_{phase}"] = sum(
            r["cohort"]
            for r in rows
            if lookups.phase.get(r["stage_id"]) in later
            or r["furthest_phase_rank"] >= funnel_rank(phase)
        )
    return total


def _kpi_row(r: dict, **keys) -> dict:
    won, lost = r["won_count"], r["lost_count"]
    cycle_total = r["cycle_total"] or timedelta(0)
    reached = [r[f"reached_{phase}"] for phase in FUNNEL]
    return {
        **keys,
        "open_count": r["open_count"],
        "open_amount": money(r["open_amount"]),
        "weighted_amount": _weighted(r["weighted_x100"]),
        "won_count": won,
        "lost_count": lost,
        "won_amount": money(r["won_amount"]),
        "win_rate": _ratio(won, won + lost),
        "average_deal": money(Decimal(r["won_amount"] or 0) / won) if won else None,
        "cycle_days": (
            (Decimal(cycle_total.total_seconds()) / 86400 / won).quantize(Decimal("0.1"))
            if won
            else None
        ),
        "funnel": [
            {
                "phase": phase,
                "reached": reached[i],
                "conversion": _ratio(reached[i + 1], reached[i]) if i + 1 < len(FUNNEL) else None,
            }
            for i, phase in enumerate(FUNNEL)
        ],
    }


def tier_distribution(user: User, *, lookups: Lookups | None = None) -> list[dict]:
    """Global accounts per tier (everyone may see names and tiers) with the open pipeline
    the user sees at them. Two queries (and the lookups unless given)."""
    lookups = lookups or Lookups.read()
    accounts = (
        global_accounts_visible_to(user)
        .values("tier__name", "tier__rank")
        .annotate(accounts=Count("pk"))
        .order_by()
    )
    # By stage too: the weight is the stage's probability, applied in Python (no join).
    pipeline: dict[int | None, list[dict]] = {}
    # Cached until the tenant's data changes, as the cube is (a tenant-wide scan for admins).
    for r in cached_rows(
        visible_records(
            user,
            Opportunity.objects.filter(status=OpportunityStatus.OPEN, global_account__isnull=False),
        )
        .values("global_account__tier__rank", "stage_id")
        .annotate(count=Count("pk"), amount=Sum("amount_reporting"))
        .order_by()
    ):
        pipeline.setdefault(r["global_account__tier__rank"], []).append(r)
    rows = []
    for r in accounts:
        p = pipeline.get(r["tier__rank"], [])
        cell = {
            "count": sum(x["count"] for x in p),
            "amount": sum((x["amount"] for x in p), ZERO),
            "weighted_x100": _weighted_x100(p, lookups, amount="amount"),
        }
        rows.append(_cell(cell, tier=r["tier__name"], rank=r["tier__rank"], accounts=r["accounts"]))
    # Ranked tiers first (1 = highest), accounts without a tier last.
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0))


def accounts_with_deviations(user: User, *, today: date | None = None, now=None):
    """Accounts the user sees in detail that need attention: review overdue, stalled open
    opportunities (no stage change for 30 days), or many open conflicts. One query."""
    today = today or timezone.localdate()
    cutoff = (now or timezone.now()) - timedelta(days=STALLED_AFTER_DAYS)
    stalled = (
        visible_records(
            user,
            Opportunity.objects.filter(
                global_account=OuterRef("pk"),
                status=OpportunityStatus.OPEN,
                created_at__lt=cutoff,
            ),
        )
        # No stage change since the cutoff (the last one is kept on the row).
        .exclude(last_stage_change_at__gte=cutoff)
        .order_by()
        .values("global_account")
        # count(*): read from opportunity_open_stalled_idx alone (no heap visits).
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        global_accounts_of_team(user)
        .select_related("tier", "manager")
        .annotate(
            next_review=next_review_expression(),
            stalled=Coalesce(Subquery(stalled, output_field=IntegerField()), Value(0)),
            open_conflicts=open_conflicts_at_account(),
        )
        .filter(
            Q(next_review__lt=today) | Q(stalled__gt=0) | Q(open_conflicts__gte=MANY_OPEN_CONFLICTS)
        )
        .order_by("name")
    )


def tenant_dashboard(user: User, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    deviations = list(accounts_with_deviations(user, today=today)[: DEVIATION_ROWS + 1])
    lookups = Lookups.read()
    cube = _cube(user, today)
    return {
        "split": tenant_pipeline_split(user, cube=cube, lookups=lookups),
        "kpis": country_kpis(user, today=today, cube=cube, lookups=lookups),
        "tiers": tier_distribution(user, lookups=lookups),
        "deviations": deviations[:DEVIATION_ROWS],
        "more_deviations": len(deviations) > DEVIATION_ROWS,
        "today": today,
    }
