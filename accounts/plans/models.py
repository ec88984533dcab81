"""Account plans: the team's plan for one global account with its objectives, actions, local
adaptations, comments and reviews.

The models were first part of the accounts app; their tables keep the names they had there
(``db_table``), so moving them into this app renamed nothing in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import GlobalAccount
from gam.tenancy import TenantOwnedModel


class AccountPlan(TenantOwnedModel):
    """The team's plan for one global account. Each save of the strategy makes a version."""

    global_account = models.OneToOneField(
        GlobalAccount, on_delete=models.CASCADE, related_name="plan"
    )
    business_goals = models.TextField(_("customer's business goals"), blank=True)
    situation = models.TextField(_("situation"), blank=True)
    decision_makers = models.TextField(_("decision makers"), blank=True)
    buying_strategy = models.TextField(_("buying strategy"), blank=True)
    competition = models.TextField(_("competition"), blank=True)
    strategy = models.TextField(_("our strategy"), blank=True)
    version = models.PositiveIntegerField(default=1)
    # The first review falls due one interval after the plan was made.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(table_name="accounts_historicalaccountplan")

    class Meta:
        db_table = "accounts_accountplan"


class PlanObjective(TenantOwnedModel):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("objective"), max_length=200)
    target_amount = models.DecimalField(
        _("target amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    country = models.ForeignKey(
        "gam.Country", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_line = models.ForeignKey(
        "opportunities.ProductLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "accounts_planobjective"
        ordering = ["target_date", "id"]


class PlanAction(TenantOwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        PlanObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    country = models.ForeignKey(
        "gam.Country", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "accounts_planaction"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["tenant", "status", "due_date"])]


class LocalAdaptation(TenantOwnedModel):
    """How the plan is adapted in one country."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="adaptations")
    country = models.ForeignKey("gam.Country", on_delete=models.CASCADE, related_name="+")
    notes = models.TextField()

    class Meta:
        db_table = "accounts_localadaptation"
        constraints = [
            models.UniqueConstraint(fields=["plan", "country"], name="one_adaptation_per_country")
        ]


class PlanComment(TenantOwnedModel):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_plancomment"
        ordering = ["-created_at"]


class PlanReview(TenantOwnedModel):
    """A sponsor's review of the plan, due at the interval the account's tier sets."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_on = models.DateField(_("held on"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        db_table = "accounts_planreview"
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["tenant", "plan", "-held_on"])]
