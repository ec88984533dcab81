"""The sales work: stages mapped to common phases, product lines, opportunities with split
credit, activities, leads and campaigns. The duplicate-work conflicts found among them live one
layer up, in ``opportunities.conflicts``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gam.models import currency_code_validator
from gam.tenancy import TenantOwnedModel


class Phase(models.TextChoices):
    """The common language of the sales process across markets."""

    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_PHASES = (Phase.QUALIFICATION, Phase.PROPOSAL, Phase.NEGOTIATION)
# The funnel of common phases in order, ranked from 1 (lost is an exit, not a step: 0).
FUNNEL_RANK = {Phase.QUALIFICATION: 1, Phase.PROPOSAL: 2, Phase.NEGOTIATION: 3, Phase.WON: 4}


def funnel_rank(phase: str) -> int:
    return FUNNEL_RANK.get(phase, 0)


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


def status_for_phase(phase: str) -> str:
    if phase == Phase.WON:
        return OpportunityStatus.WON
    if phase == Phase.LOST:
        return OpportunityStatus.LOST
    return OpportunityStatus.OPEN


class Stage(TenantOwnedModel):
    """A tenant-defined sales stage; ``country`` set means it belongs to that market's own
    stage set. Every stage maps to one common phase."""

    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=100)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability %"), default=10, validators=[MaxValueValidator(100)]
    )
    country = models.ForeignKey(
        "gam.Country", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="stage_slug_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class ProductLine(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="product_line_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=200)
    subsidiary = models.ForeignKey(
        "accounts.Subsidiary", on_delete=models.PROTECT, related_name="opportunities"
    )
    # Denormalized from the subsidiary (kept by opportunities.services) so that sharing
    # filters and dashboards group without joins.
    global_account = models.ForeignKey(
        "accounts.GlobalAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        editable=False,
    )
    country = models.ForeignKey(
        "gam.Country", on_delete=models.PROTECT, related_name="+", editable=False
    )
    product_line = models.ForeignKey(
        ProductLine, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_opportunities",
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(
        max_length=8,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
        editable=False,
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    amount_reporting = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        default=0,
        editable=False,
        help_text="amount in the tenant's reporting currency at the rate valid on close_date",
    )
    close_date = models.DateField(_("close date"))
    framework_agreement = models.ForeignKey(
        "accounts.FrameworkAgreement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    loss_reason = models.CharField(_("loss reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # A summary of the stage history (kept by opportunities.services with every StageChange)
    # so that dashboards need not read the history per opportunity: the furthest funnel rank
    # (FUNNEL_RANK) a stage change took it to, and when its stage last changed.
    furthest_phase_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    last_stage_change_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "version",
            "amount_reporting",
            "furthest_phase_rank",
            "last_stage_change_at",
        ]
    )

    class Meta:
        ordering = ["close_date", "id"]
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["tenant", "status", "close_date"]),
            models.Index(fields=["tenant", "global_account", "status"]),
            models.Index(fields=["tenant", "owner", "status"]),
            models.Index(fields=["tenant", "country", "status"]),
            models.Index(fields=["tenant", "subsidiary"]),
            models.Index(fields=["tenant", "stage"]),
            models.Index(fields=["tenant", "product_line", "status"]),
            models.Index(fields=["tenant", "name"]),
            # The list's default order: a page is read from the index, not a tenant-wide sort;
            # so is a page of one owner's or one country's opportunities (the list filters).
            models.Index(fields=["tenant", "close_date", "id"]),
            models.Index(fields=["tenant", "owner", "close_date", "id"]),
            models.Index(fields=["tenant", "country", "close_date", "id"]),
            # The pipeline board's open deals in close date order (covering indexes for the
            # open pipeline and the deals closed lately: migration 0005, PostgreSQL only).
            models.Index(
                fields=["tenant", "close_date", "id"],
                condition=Q(status="open"),
                name="opportunity_open_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageChange(TenantOwnedModel):
    """Every move between stages, so that cycle length and stage conversion can be reported."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["tenant", "opportunity", "changed_at"])]


class CreditSplit(TenantOwnedModel):
    """A share of an opportunity's credit for one seller in one country (shares sum to 100)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="splits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    country = models.ForeignKey("gam.Country", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "user", "country"], name="one_split_per_user_country"
            )
        ]


class Activity(TenantOwnedModel):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    subsidiary = models.ForeignKey(
        "accounts.Subsidiary", on_delete=models.CASCADE, related_name="activities"
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    # Denormalized from the subsidiary for the account timeline and sharing filters.
    global_account = models.ForeignKey(
        "accounts.GlobalAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        editable=False,
    )
    country = models.ForeignKey(
        "gam.Country", on_delete=models.PROTECT, related_name="+", editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["tenant", "global_account", "-occurred_at"]),
            models.Index(fields=["tenant", "subsidiary", "-occurred_at"]),
            models.Index(fields=["tenant", "opportunity"]),
            models.Index(fields=["tenant", "owner", "done", "due_date"]),
            # The list's default order (see Opportunity).
            models.Index(fields=["tenant", "-occurred_at", "-id"]),
        ]

    def __str__(self) -> str:
        return self.subject


class LeadQualificationParameter(TenantOwnedModel):
    """A tenant-defined question for qualifying leads (budget, authority, need, timing ...)."""

    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(default=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="lead_param_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Lead(TenantOwnedModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        QUALIFIED = "qualified", _("Qualified")
        CONTACTED = "contacted", _("Contacted")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(blank=True)
    country = models.ForeignKey("gam.Country", on_delete=models.PROTECT, related_name="+")
    website = models.CharField(max_length=255, blank=True)
    registration_number = models.CharField(max_length=64, blank=True)
    product_line = models.ForeignKey(
        ProductLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEW)
    score = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    created_at = models.DateTimeField(default=timezone.now)
    qualified_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    converted_opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "status", "qualified_at"])]

    def __str__(self) -> str:
        return self.company_name


class LeadAnswer(TenantOwnedModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="answers")
    parameter = models.ForeignKey(
        LeadQualificationParameter, on_delete=models.CASCADE, related_name="+"
    )
    value = models.PositiveSmallIntegerField(validators=[MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "parameter"], name="one_answer_per_parameter")
        ]


class Campaign(TenantOwnedModel):
    """A marketing activity aimed at a subsidiary."""

    name = models.CharField(_("name"), max_length=200)
    subsidiary = models.ForeignKey(
        "accounts.Subsidiary", on_delete=models.CASCADE, related_name="campaigns"
    )
    global_account = models.ForeignKey(
        "accounts.GlobalAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        editable=False,
    )
    country = models.ForeignKey(
        "gam.Country", on_delete=models.PROTECT, related_name="+", editable=False
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "global_account", "starts_on"]),
            models.Index(fields=["tenant", "subsidiary"]),
            # The list's default order (see Opportunity).
            models.Index(fields=["tenant", "-starts_on", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name
