"""Reads of account plans and reviews. Plans belong to a global account: whoever sees the
account's details (its team, the tenant admin) sees its plan; see teams/selectors.py."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
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

from accounts.models import GlobalAccount
from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from gam.models import User
from opportunities.models import Opportunity, OpportunityStatus
from teams.models import TeamMembership, TeamRole
from teams.selectors import global_accounts_of_team, visible_records

CENT = Decimal("0.01")

# Accounts without a tier still get reviewed, at the default tier's cadence.
DEFAULT_REVIEW_INTERVAL_DAYS = 90
OPEN_ACTION_STATUSES = (PlanAction.Status.OPEN, PlanAction.Status.IN_PROGRESS)


class AddDays(Func):
    """``date + n days`` in SQL (PostgreSQL adds an integer to a date directly)."""

    arity = 2
    arg_joiner = " + "
    template = "(%(expressions)s)"
    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '+' || ",
            **extra,
        )


def next_review_expression(account_ref: str = "") -> AddDays:
    """For a queryset of global accounts (or of rows pointing to one through ``account_ref``):
    the date the next review is due — the last review (or the plan's creation) plus the
    tier's interval. Null when the account has no plan."""
    prefix = f"{account_ref}__" if account_ref else ""
    last_review = Subquery(
        PlanReview.objects.filter(plan=OuterRef(f"{prefix}plan"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return AddDays(
        Coalesce(last_review, TruncDate(f"{prefix}plan__created_at")),
        Coalesce(F(f"{prefix}tier__review_interval_days"), Value(DEFAULT_REVIEW_INTERVAL_DAYS)),
    )


def plan_of_account(account: GlobalAccount) -> AccountPlan | None:
    return AccountPlan.objects.filter(global_account=account).first()


def next_review_of(account: GlobalAccount) -> date | None:
    return (
        GlobalAccount.objects.filter(pk=account.pk)
        .annotate(next_review=next_review_expression())
        .values_list("next_review", flat=True)
        .first()
    )


def actions_overdue(today: date) -> QuerySet[PlanAction]:
    """Open actions past their due date (of every plan: callers narrow it to what the user
    may see)."""
    return PlanAction.objects.filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)


def accounts_with_overdue_review(user: User, *, today: date | None = None):
    """Accounts (with a plan) the user sees in detail whose review is past due."""
    today = today or timezone.localdate()
    return (
        global_accounts_of_team(user)
        .annotate(next_review=next_review_expression())
        .filter(Q(next_review__lt=today))
    )


# --- who may do what with a plan (DESIGN.md, sharing model) ----------------------------------


@dataclass
class PlanAccess:
    """What one user may do with one account's plan. Seeing the plan is for the account's
    team and the tenant admin (everyone else gets 404); the tenant admin and the GAM change
    all of it; a local account manager changes the objectives, actions and adaptations of
    their country; the sponsor records reviews; the whole team comments."""

    account: GlobalAccount
    plan: AccountPlan | None
    user: User
    role: str | None = None
    countries: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.user.is_tenant_admin

    @property
    def can_change_plan(self) -> bool:
        return self.is_admin or self.role == TeamRole.GLOBAL_ACCOUNT_MANAGER

    def can_change_in(self, country_id: int | None) -> bool:
        """Objectives, actions and adaptations: the GAM everywhere, a local account manager
        in their own country (never the account-wide ones without a country)."""
        return self.can_change_plan or (country_id is not None and country_id in self.countries)

    @property
    def can_add_items(self) -> bool:
        return self.can_change_plan or bool(self.countries)

    @property
    def can_comment(self) -> bool:
        return True  # everyone who sees the plan is on the team (or the tenant admin)

    @property
    def can_review(self) -> bool:
        return self.is_admin or self.role == TeamRole.SPONSOR

    def can_change_comment(self, comment: PlanComment) -> bool:
        return self.is_admin or comment.author_id == self.user.pk or self.can_change_plan

    def can_change_review(self, review: PlanReview) -> bool:
        return self.is_admin or (self.can_review and review.reviewer_id == self.user.pk)


def plan_access(user: User, account_id: int) -> PlanAccess | None:
    """The user's access to an account's plan, or None when they may not see it (404).
    Two queries: the account with its plan, the user's memberships on the team."""
    versions = (
        AccountPlan.history.model.objects.filter(id=OuterRef("plan"))
        .order_by()
        .values("id")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    account = (
        global_accounts_of_team(user)
        .select_related("tier", "manager", "plan", "plan__updated_by")
        .annotate(
            next_review=next_review_expression(),
            plan_version_count=Coalesce(Subquery(versions, output_field=IntegerField()), 0),
        )
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    plan = getattr(account, "plan", None) if _has_plan(account) else None
    role, countries = None, set()
    for membership in TeamMembership.objects.filter(user=user, global_account=account):
        if membership.role == TeamRole.LOCAL_ACCOUNT_MANAGER:
            countries.add(membership.country_id)
        role = role if role == TeamRole.GLOBAL_ACCOUNT_MANAGER else membership.role
    return PlanAccess(
        account=account, plan=plan, user=user, role=role, countries=frozenset(countries)
    )


def _has_plan(account: GlobalAccount) -> bool:
    try:
        return account.plan is not None
    except AccountPlan.DoesNotExist:
        return False


def plans_visible_to(user: User) -> QuerySet[AccountPlan]:
    """Plans of the accounts whose team the user is on (all of them for a tenant admin)."""
    return AccountPlan.objects.filter(global_account__in=global_accounts_of_team(user))


def plans_with_review_dates(user: User) -> QuerySet[AccountPlan]:
    return (
        plans_visible_to(user)
        .select_related("global_account", "global_account__tier", "global_account__manager")
        .annotate(
            next_review=next_review_expression("global_account"),
            last_review=Subquery(
                PlanReview.objects.filter(plan=OuterRef("pk"))
                .order_by("-held_on")
                .values("held_on")[:1]
            ),
        )
    )


def objectives_visible_to(user: User) -> QuerySet[PlanObjective]:
    return PlanObjective.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "country", "product_line"
    )


def actions_visible_to(user: User) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "owner", "country", "objective"
    )


def adaptations_visible_to(user: User) -> QuerySet[LocalAdaptation]:
    return LocalAdaptation.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "country"
    )


def comments_visible_to(user: User) -> QuerySet[PlanComment]:
    return PlanComment.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "author"
    )


def reviews_visible_to(user: User) -> QuerySet[PlanReview]:
    return PlanReview.objects.filter(plan__in=plans_visible_to(user)).select_related(
        "plan", "reviewer"
    )


def access_for_plan_item(user: User, item) -> PlanAccess | None:
    """Access to the plan an objective, action, adaptation, comment or review is part of."""
    return plan_access(user, item.plan.global_account_id)


# --- objective progress -------------------------------------------------------------------


@dataclass
class Progress:
    achieved: Decimal
    percent: Decimal | None  # None when the objective has no target amount

    @property
    def bar(self) -> int:
        """The filled part of a progress bar (0..100; over-achievement fills it)."""
        return min(int(self.percent or 0), 100)


def objective_window(objective: PlanObjective, today: date) -> tuple[date, date]:
    """Won deals count from 1 January of the target date's year up to the target date (the
    current year when the objective has no date)."""
    last = objective.target_date or date(today.year, 12, 31)
    return date(last.year, 1, 1), last


def objectives_progress(
    user: User, objectives: list[PlanObjective], *, today: date | None = None
) -> dict[int, Progress]:
    """For each objective: the amount won towards it, in the reporting currency
    (``Opportunity.amount_reporting``), of won opportunities at the plan's global account
    that the user may see, closing in the objective's window, in its country and product
    line where it names one. One query for any number of objectives (across plans)."""
    if not objectives:
        return {}
    today = today or timezone.localdate()
    sums = {}
    for objective in objectives:
        first, last = objective_window(objective, today)
        condition = Q(global_account_id=objective.plan.global_account_id) & Q(
            close_date__range=(first, last)
        )
        if objective.country_id:
            condition &= Q(country_id=objective.country_id)
        if objective.product_line_id:
            condition &= Q(product_line_id=objective.product_line_id)
        sums[f"o{objective.pk}"] = Sum("amount_reporting", filter=condition)
    accounts = {o.plan.global_account_id for o in objectives}
    won = visible_records(
        user,
        Opportunity.objects.filter(status=OpportunityStatus.WON, global_account_id__in=accounts),
    )
    totals = won.aggregate(**sums)
    result = {}
    for objective in objectives:
        achieved = (totals[f"o{objective.pk}"] or Decimal(0)).quantize(CENT, ROUND_HALF_UP)
        target = objective.target_amount
        percent = (
            (achieved * 100 / target).quantize(Decimal("0.1"), ROUND_HALF_UP) if target else None
        )
        result[objective.pk] = Progress(achieved=achieved, percent=percent)
    return result


# --- what needs attention -------------------------------------------------------------------


def overdue_actions_for(user: User, *, today: date | None = None) -> QuerySet[PlanAction]:
    """Open actions past their due date that are the user's to chase: their own, and all of
    those at accounts where they are the GAM or the sponsor."""
    today = today or timezone.localdate()
    leading = TeamMembership.objects.filter(
        user=user,
        role__in=[TeamRole.GLOBAL_ACCOUNT_MANAGER, TeamRole.SPONSOR],
        global_account=OuterRef("plan__global_account"),
    )
    return (
        actions_overdue(today)
        .filter(plan__in=plans_visible_to(user))
        .filter(Q(owner=user) | Q(Exists(leading)))
        .select_related("plan__global_account", "owner", "country")
        .order_by("due_date", "id")
    )


def overdue_reviews_for(user: User, *, today: date | None = None) -> QuerySet[GlobalAccount]:
    """Accounts whose plan review is past due, where the user is the GAM or the sponsor."""
    today = today or timezone.localdate()
    roles = TeamMembership.objects.filter(
        user=user,
        role__in=[TeamRole.GLOBAL_ACCOUNT_MANAGER, TeamRole.SPONSOR],
        global_account=OuterRef("pk"),
    )
    return (
        accounts_with_overdue_review(user, today=today)
        .filter(Exists(roles))
        .select_related("manager", "tier")
        .order_by("next_review", "name")
    )


# --- versions -------------------------------------------------------------------------------

PLAN_TEXT_FIELDS = (
    "business_goals",
    "situation",
    "decision_makers",
    "buying_strategy",
    "competition",
    "strategy",
)


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    segments: list[tuple[str, str]]  # ("same" | "del" | "ins", text)


@dataclass
class PlanVersion:
    record: object  # the historical row (number, date, user)
    number: int
    changes: list[FieldChange]


def plan_versions(plan: AccountPlan, *, limit: int = 50) -> list[PlanVersion]:
    """The saved versions of the plan's strategy, newest first, each with what changed
    against the one before it (word by word). One query."""
    records = list(
        plan.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    versions = []
    for i, record in enumerate(records[:limit]):
        older = records[i + 1] if i + 1 < len(records) else None
        changes = []
        for name in PLAN_TEXT_FIELDS:
            old = getattr(older, name) if older is not None else ""
            new = getattr(record, name)
            if old != new:
                label = str(AccountPlan._meta.get_field(name).verbose_name)
                changes.append(FieldChange(name, label, old, new, word_diff(old, new)))
        versions.append(PlanVersion(record=record, number=record.version, changes=changes))
    return versions


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` as runs of kept, deleted and inserted words."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                segments.append(("del", "".join(a[i1:i2])))
            if j2 > j1:
                segments.append(("ins", "".join(b[j1:j2])))
    return segments


# --- the plan page --------------------------------------------------------------------------


def plan_page(user: User, access: PlanAccess, *, today: date | None = None) -> dict:
    """Everything the plan page shows, in a fixed number of queries (one per list)."""
    today = today or timezone.localdate()
    plan = access.plan
    objectives = list(
        PlanObjective.objects.filter(plan=plan).select_related("plan", "country", "product_line")
    )
    progress = objectives_progress(user, objectives, today=today)
    for objective in objectives:
        objective.progress = progress[objective.pk]
        objective.changeable = access.can_change_in(objective.country_id)
    actions = list(
        PlanAction.objects.filter(plan=plan).select_related("owner", "country", "objective")
    )
    for item in actions:
        item.overdue = (
            item.status in OPEN_ACTION_STATUSES
            and item.due_date is not None
            and item.due_date < today
        )
        item.changeable = access.can_change_in(item.country_id)
    adaptations = list(
        LocalAdaptation.objects.filter(plan=plan)
        .select_related("country")
        .order_by("country__code")
    )
    for item in adaptations:
        item.changeable = access.can_change_in(item.country_id)
    comments = list(PlanComment.objects.filter(plan=plan).select_related("author")[:50])
    for item in comments:
        item.changeable = access.can_change_comment(item)
    reviews = list(PlanReview.objects.filter(plan=plan).select_related("reviewer")[:20])
    next_review = access.account.next_review
    return {
        "access": access,
        "account": access.account,
        "plan": plan,
        "objectives": objectives,
        "actions": actions,
        "overdue_actions": sum(1 for a in actions if a.overdue),
        "adaptations": adaptations,
        "comments": comments,
        "reviews": reviews,
        "next_review": next_review,
        "review_overdue": next_review is not None and next_review < today,
        "version_count": access.account.plan_version_count,
        "strategy_fields": [
            (AccountPlan._meta.get_field(name).verbose_name, getattr(plan, name))
            for name in PLAN_TEXT_FIELDS
        ],
        "today": today,
    }
