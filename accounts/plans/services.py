"""Writes of account plans: the plan's strategy (versioned by django-simple-history, guarded
by optimistic concurrency), its objectives, actions, local adaptations, the team's comments
and the sponsor's reviews.

Who may call which service is decided by the caller through ``selectors.PlanAccess``;
these functions check what must hold whoever calls (same plan, same tenant, sane values).
Errors a user can cause are ``ValidationError``s with field keys (400 / form errors).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import GlobalAccount
from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from accounts.plans.selectors import DEFAULT_REVIEW_INTERVAL_DAYS, PLAN_TEXT_FIELDS
from gam.audit import audit
from gam.concurrency import save_if_current
from gam.models import Country, User

OBJECTIVE_FIELDS = ("title", "target_amount", "target_date", "country", "product_line")
ACTION_FIELDS = ("title", "objective", "owner", "due_date", "status", "country")


# --- the plan -------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, account: GlobalAccount, actor: User | None, **texts: str) -> AccountPlan:
    """The account's plan (one per account). Its creation starts the review cadence."""
    _check_text_fields(texts)
    if AccountPlan.objects.filter(global_account=account).exists():
        raise ValidationError({"global_account": _("This account has a plan already.")})
    now = timezone.now()
    plan = AccountPlan(
        global_account=account, created_at=now, updated_at=now, updated_by=actor, **texts
    )
    plan._history_user = actor
    plan.save()
    audit(actor, "plan.create", plan, account=account.name)
    return plan


@transaction.atomic
def plan_update(
    *, plan: AccountPlan, actor: User | None, expected_version: int | None = None, **texts: str
) -> AccountPlan:
    """Change the strategy texts. Each save is a version; ``expected_version`` is the one the
    user read, and a newer stored one raises ``gam.concurrency.StaleVersion``."""
    _check_text_fields(texts)
    for name, value in texts.items():
        setattr(plan, name, value)
    plan.updated_at = timezone.now()
    plan.updated_by = actor
    plan._history_user = actor
    save_if_current(plan, expected_version)
    audit(actor, "plan.update", plan, fields=",".join(sorted(texts)))
    return plan


def _check_text_fields(texts: dict) -> None:
    unknown = set(texts) - set(PLAN_TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")


# --- objectives -----------------------------------------------------------------------------


def _validate_objective(objective: PlanObjective) -> None:
    errors = {}
    if not (objective.title or "").strip():
        errors["title"] = _("Name the objective.")
    if objective.target_amount is not None and objective.target_amount <= 0:
        errors["target_amount"] = _("A target amount must be more than zero.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def objective_create(*, plan: AccountPlan, actor: User | None, **fields) -> PlanObjective:
    _check_fields(fields, OBJECTIVE_FIELDS, "objective")
    objective = PlanObjective(plan=plan, **fields)
    _validate_objective(objective)
    objective.save()
    audit(actor, "plan_objective.create", objective, title=objective.title)
    return objective


@transaction.atomic
def objective_update(*, objective: PlanObjective, actor: User | None, **changes) -> PlanObjective:
    _check_fields(changes, OBJECTIVE_FIELDS, "objective")
    for name, value in changes.items():
        setattr(objective, name, value)
    _validate_objective(objective)
    objective.save()
    audit(actor, "plan_objective.update", objective, fields=",".join(sorted(changes)))
    return objective


@transaction.atomic
def objective_delete(*, objective: PlanObjective, actor: User | None) -> None:
    audit(actor, "plan_objective.delete", objective, title=objective.title)
    objective.delete()  # its actions stay, no longer tied to an objective


# --- actions --------------------------------------------------------------------------------


def _validate_action(action: PlanAction) -> None:
    errors = {}
    if not (action.title or "").strip():
        errors["title"] = _("Say what is to be done.")
    if action.objective is not None and action.objective.plan_id != action.plan_id:
        errors["objective"] = _("This objective belongs to another plan.")
    if action.status not in PlanAction.Status.values:
        errors["status"] = _("Unknown status.")
    if action.owner is not None and action.owner.tenant_id != action.plan.tenant_id:
        errors["owner"] = _("Unknown user.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_create(*, plan: AccountPlan, actor: User | None, **fields) -> PlanAction:
    _check_fields(fields, ACTION_FIELDS, "action")
    action = PlanAction(plan=plan, **fields)
    _validate_action(action)
    action.save()
    audit(actor, "plan_action.create", action, title=action.title)
    return action


@transaction.atomic
def action_update(*, action: PlanAction, actor: User | None, **changes) -> PlanAction:
    _check_fields(changes, ACTION_FIELDS, "action")
    for name, value in changes.items():
        setattr(action, name, value)
    _validate_action(action)
    action.save()
    audit(actor, "plan_action.update", action, fields=",".join(sorted(changes)))
    return action


@transaction.atomic
def action_delete(*, action: PlanAction, actor: User | None) -> None:
    audit(actor, "plan_action.delete", action, title=action.title)
    action.delete()


# --- local adaptations ----------------------------------------------------------------------


def _validate_adaptation(adaptation: LocalAdaptation) -> None:
    errors = {}
    if not (adaptation.notes or "").strip():
        errors["notes"] = _("Describe how the plan is adapted in this country.")
    others = LocalAdaptation.objects.filter(plan=adaptation.plan, country=adaptation.country)
    if adaptation.pk:
        others = others.exclude(pk=adaptation.pk)
    if adaptation.country_id and others.exists():
        errors["country"] = _("This country has an adaptation already: change that one.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def adaptation_create(
    *, plan: AccountPlan, actor: User | None, country: Country, notes: str
) -> LocalAdaptation:
    adaptation = LocalAdaptation(plan=plan, country=country, notes=notes)
    _validate_adaptation(adaptation)
    adaptation.save()
    audit(actor, "plan_adaptation.create", adaptation, country=country.code)
    return adaptation


@transaction.atomic
def adaptation_update(
    *, adaptation: LocalAdaptation, actor: User | None, **changes
) -> LocalAdaptation:
    _check_fields(changes, ("country", "notes"), "adaptation")
    for name, value in changes.items():
        setattr(adaptation, name, value)
    _validate_adaptation(adaptation)
    adaptation.save()
    audit(actor, "plan_adaptation.update", adaptation, fields=",".join(sorted(changes)))
    return adaptation


@transaction.atomic
def adaptation_delete(*, adaptation: LocalAdaptation, actor: User | None) -> None:
    audit(actor, "plan_adaptation.delete", adaptation, country=adaptation.country.code)
    adaptation.delete()


# --- comments -------------------------------------------------------------------------------


def comment_add(*, plan: AccountPlan, author: User, body: str) -> PlanComment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something to comment.")})
    return PlanComment.objects.create(plan=plan, author=author, body=body)


def comment_update(*, comment: PlanComment, actor: User, body: str) -> PlanComment:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something to comment.")})
    comment.body = body
    comment.save(update_fields=["body"])
    return comment


@transaction.atomic
def comment_delete(*, comment: PlanComment, actor: User) -> None:
    audit(actor, "plan_comment.delete", comment, plan=comment.plan_id)
    comment.delete()


# --- reviews --------------------------------------------------------------------------------


def review_interval_days(account: GlobalAccount) -> int:
    """The cadence the account's tier sets (the default for accounts without a tier)."""
    return account.tier.review_interval_days if account.tier_id else DEFAULT_REVIEW_INTERVAL_DAYS


def next_review_date(plan: AccountPlan) -> date:
    """The last review (or the plan's creation) plus the tier's interval, computed like
    ``selectors.next_review_expression`` does in SQL."""
    last = (
        PlanReview.objects.filter(plan=plan)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    start = last or timezone.localtime(plan.created_at).date()
    return start + timedelta(days=review_interval_days(plan.global_account))


def _validate_review(review: PlanReview) -> None:
    errors = {}
    if review.held_on is None:
        errors["held_on"] = _("Say when the review was held.")
    elif review.held_on > timezone.localdate():
        errors["held_on"] = _("A review is recorded once it has been held (not in the future).")
    elif review.held_on < timezone.localtime(review.plan.created_at).date():
        errors["held_on"] = _("The plan did not exist yet on that day.")
    if not (review.notes or "").strip() and not (review.decisions or "").strip():
        errors["notes"] = _("Write the review's notes or decisions.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_record(
    *,
    plan: AccountPlan,
    reviewer: User,
    held_on: date | None = None,
    notes: str = "",
    decisions: str = "",
) -> PlanReview:
    """A sponsor's review of the plan: notes and decisions. The next review falls due one
    tier interval after it."""
    review = PlanReview(
        plan=plan,
        reviewer=reviewer,
        held_on=held_on or timezone.localdate(),
        notes=notes.strip(),
        decisions=decisions.strip(),
    )
    _validate_review(review)
    review.save()
    audit(reviewer, "plan_review.record", review, held_on=review.held_on)
    return review


@transaction.atomic
def review_update(*, review: PlanReview, actor: User, **changes) -> PlanReview:
    _check_fields(changes, ("held_on", "notes", "decisions"), "review")
    for name, value in changes.items():
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    _validate_review(review)
    review.save()
    audit(actor, "plan_review.update", review, fields=",".join(sorted(changes)))
    return review


@transaction.atomic
def review_delete(*, review: PlanReview, actor: User) -> None:
    audit(actor, "plan_review.delete", review, held_on=review.held_on)
    review.delete()


def _check_fields(fields: dict, allowed: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"not {what} fields: {sorted(unknown)}")
