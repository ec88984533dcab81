"""Customers: global accounts (the group), subsidiaries (local legal entities), contacts and
relationships, selection criteria and tiers, framework agreements. Account plans live in
``accounts.plans``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.matching import account_match_keys, matching_keys
from gam.tenancy import TenantOwnedModel


class Tier(TenantOwnedModel):
    """A service level for global accounts (Premier / Gold / Silver / Bronze ...)."""

    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the highest tier"))
    min_score = models.DecimalField(_("minimum score"), max_digits=7, decimal_places=2, default=0)
    review_interval_days = models.PositiveIntegerField(_("plan review every (days)"), default=90)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="tier_name_unique_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "rank"], name="tier_rank_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class SelectionCriterion(TenantOwnedModel):
    """A weighted criterion for selecting and tiering global accounts."""

    class Kind(models.TextChoices):
        NUMERIC = "numeric", _("Numeric (e.g. annual revenue)")
        MANUAL = "manual", _("Manual score 1–5")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    # Numeric values are scaled to 0..5 against this value (a value at or above it scores 5).
    scale_max = models.DecimalField(
        _("value scoring 5"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="criterion_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class GlobalAccount(TenantOwnedModel):
    """An international customer group, worked by one global account team."""

    def set_matching_keys(self) -> None:
        self.match_keys = account_match_keys(self.name, self.website)

    def save(self, *args, **kwargs) -> None:
        self.set_matching_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "match_keys"}
        super().save(*args, **kwargs)

    name = models.CharField(_("name"), max_length=200)
    headquarters_country = models.ForeignKey(
        "gam.Country",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("headquarters country"),
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="global_accounts"
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, default=0)
    # A manual tier decision overrides the tier computed from the score.
    tier_override = models.BooleanField(default=False)
    tier_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tier_override_reason = models.TextField(blank=True)
    description = models.TextField(_("description"), blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=255, blank=True)
    # Denormalized from the team (the GAM) for fast lists; kept by teams.services.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_global_accounts",
        editable=False,
    )
    # Group discovery's blocking keys of the account's own name and website (as on
    # Subsidiary): a local customer of the group is found against the account itself.
    match_keys = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "match_keys"])

    class Meta:
        ordering = ["name"]
        permissions = [("manage_team", "Can manage the account team")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="global_account_unique_name")
        ]
        indexes = [
            models.Index(fields=["tenant", "tier"]),
            models.Index(fields=["tenant", "manager"]),
            models.Index(fields=["tenant", "headquarters_country"]),
            models.Index(fields=["tenant", "score"]),
        ]

    def __str__(self) -> str:
        return self.name


class CriterionScore(TenantOwnedModel):
    global_account = models.ForeignKey(
        GlobalAccount, on_delete=models.CASCADE, related_name="criterion_scores"
    )
    criterion = models.ForeignKey(SelectionCriterion, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["global_account", "criterion"], name="one_score_per_criterion"
            )
        ]


class Subsidiary(TenantOwnedModel):
    """A local legal entity of a customer in one country. Without a global account it is a
    local customer."""

    global_account = models.ForeignKey(
        GlobalAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey("gam.Country", on_delete=models.PROTECT, related_name="+")
    registration_number = models.CharField(
        _("registration / VAT number"), max_length=64, blank=True
    )
    website = models.CharField(_("website"), max_length=255, blank=True)
    address = models.TextField(_("address"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_subsidiaries",
    )
    # Matching keys for duplicate detection, kept by accounts.services from the fields above.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    name_block = models.CharField(max_length=60, blank=True, editable=False)
    registration_key = models.CharField(max_length=64, blank=True, editable=False)
    domain_key = models.CharField(max_length=255, blank=True, editable=False)
    # Group discovery's blocking keys (accounts.matching.groups.blocking_keys), space
    # separated with a space at each end: an array on PostgreSQL (GIN-indexed expression,
    # migration 0009) and a plain LIKE elsewhere.
    match_keys = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(
        excluded_fields=[
            "name_key",
            "name_block",
            "registration_key",
            "domain_key",
            "match_keys",
            "version",
        ]
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "subsidiaries"
        indexes = [
            models.Index(fields=["tenant", "global_account", "country"]),
            models.Index(fields=["tenant", "country"]),
            models.Index(fields=["tenant", "owner"]),
            models.Index(fields=["tenant", "name"]),
            models.Index(fields=["tenant", "registration_key"]),
            models.Index(fields=["tenant", "domain_key"]),
            models.Index(fields=["tenant", "name_key"]),
            models.Index(fields=["tenant", "name_block"]),
        ]

    def __str__(self) -> str:
        return self.name

    def set_matching_keys(self) -> None:
        """Recompute the duplicate-detection keys from name, number, website and country."""
        keys = matching_keys(
            name=self.name,
            registration_number=self.registration_number,
            website=self.website,
            country_code=self.country.code if self.country_id else "",
        )
        self.name_key = keys.name_key
        self.name_block = keys.name_block
        self.registration_key = keys.registration_key
        self.domain_key = keys.domain_key
        self.match_keys = keys.match_keys

    def save(self, *args, **kwargs) -> None:
        # Derived columns of this row only; bulk loaders call set_matching_keys themselves.
        self.set_matching_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "name_key",
                "name_block",
                "registration_key",
                "domain_key",
                "match_keys",
            }
        super().save(*args, **kwargs)


class Contact(TenantOwnedModel):
    class BuyingRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")
        CHAMPION = "champion", _("Champion")
        BLOCKER = "blocker", _("Blocker")

    class Attitude(models.TextChoices):
        SUPPORTER = "supporter", _("Supporter")
        NEUTRAL = "neutral", _("Neutral")
        CRITIC = "critic", _("Critic")
        UNKNOWN = "unknown", _("Unknown")

    subsidiary = models.ForeignKey(Subsidiary, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    attitude = models.CharField(
        _("attitude"), max_length=20, choices=Attitude.choices, default=Attitude.UNKNOWN
    )
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["tenant", "subsidiary"]),
            models.Index(fields=["tenant", "buying_role"]),
        ]

    def __str__(self) -> str:
        return self.name


class Relationship(TenantOwnedModel):
    """Who of ours knows whom at the customer, and how well."""

    class Strength(models.IntegerChoices):
        WEAK = 1, _("Weak")
        MEDIUM = 2, _("Medium")
        STRONG = 3, _("Strong")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relationships"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relationships")
    strength = models.PositiveSmallIntegerField(choices=Strength.choices, default=Strength.MEDIUM)
    last_contact = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "contact"], name="one_relationship_per_pair")
        ]


class FrameworkAgreement(TenantOwnedModel):
    """Discounts and terms agreed with the whole group, for the countries it covers."""

    global_account = models.ForeignKey(
        GlobalAccount, on_delete=models.CASCADE, related_name="framework_agreements"
    )
    name = models.CharField(_("name"), max_length=200)
    countries = models.ManyToManyField("gam.Country", related_name="+", blank=True)
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    shipping_terms = models.CharField(_("shipping terms"), max_length=200, blank=True)
    terms = models.TextField(_("other terms"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[countries])

    class Meta:
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["tenant", "global_account", "valid_from"])]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
