"""Reads of account plans and reviews. Plans belong to a global account: whoever sees the
account's details (its team, the tenant admin) sees its plan; see teams/selectors.py."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    DateField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import AccountPlan, GlobalAccount, PlanAction, PlanReview
from gam.models import User
from teams.selectors import global_accounts_of_team

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
