"""Input and output of the customer API. Related ids and country codes only resolve inside
the tenant (a foreign one is "does not exist", 400); whether the user may use a choice (a
global account they may not add subsidiaries to ...) is the services' call, also a 400.
Writes go through accounts.services; nothing here saves."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import services
from accounts.models import (
    Contact,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from accounts.selectors import contacts_visible_to
from gam.drf import TenantPrimaryKeyRelatedField, TenantSlugRelatedField, warnings_field
from gam.models import Country, User


def active_tenant_users():
    return User.in_tenant.filter(is_active=True)


class CountryCodeField(TenantSlugRelatedField):
    """A country of the tenant by its ISO code, in any case (``se`` is ``SE``)."""

    def __init__(self, **kwargs):
        super().__init__(model=Country, slug_field="code", **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class IdField(TenantPrimaryKeyRelatedField):
    """A tenant-scoped id (typed for the schema where no model serializer says so)."""


class VersionedSerializerMixin:
    """``version``: send the one you read; a stale one is 409 (see gam/concurrency.py)."""

    def service_arguments(self) -> tuple[dict, int | None]:
        data = dict(self.validated_data)
        return data, data.pop("version", None)


# --- configuration --------------------------------------------------------------------------


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", *services.TIER_FIELDS]


class SelectionCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SelectionCriterion
        fields = ["id", *services.CRITERION_FIELDS]
        extra_kwargs = {"weight": {"required": False}, "order": {"required": False}}


# --- global accounts ------------------------------------------------------------------------


class GlobalAccountSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    """Everyone in the tenant sees an account's name, tier, headquarters and GAM; the
    fields in ``DETAIL_FIELDS`` only those who see its details (its team, the tenant
    admin). ``manager`` is set through the team, ``score`` through the criterion values."""

    DETAIL_FIELDS = (
        "score",
        "description",
        "industry",
        "website",
        "tier_override",
        "tier_override_by",
        "tier_override_reason",
        "version",
    )

    tier = TenantPrimaryKeyRelatedField(model=Tier, allow_null=True, required=False)
    headquarters_country = CountryCodeField(allow_null=True, required=False)
    manager = serializers.PrimaryKeyRelatedField(read_only=True)
    manager_name = serializers.SerializerMethodField()
    tier_override_by = serializers.PrimaryKeyRelatedField(read_only=True)
    tier_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why the tier is set by hand (with a change of tier).",
    )
    subsidiary_count = serializers.IntegerField(read_only=True)
    details_visible = serializers.BooleanField(read_only=True)
    can_change = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(required=False, min_value=1)

    optional_in_response = DETAIL_FIELDS  # for the schema (gam/schema.py)

    class Meta:
        model = GlobalAccount
        fields = [
            "id",
            *services.GLOBAL_ACCOUNT_FIELDS,
            "manager",
            "manager_name",
            "score",
            "tier_override",
            "tier_override_by",
            "tier_override_reason",
            "subsidiary_count",
            "details_visible",
            "can_change",
            "created_at",
            "version",
        ]
        read_only_fields = ["score", "tier_override", "created_at"]

    def get_manager_name(self, account) -> str | None:
        return account.manager.display_name if account.manager_id else None

    def to_representation(self, account):
        data = super().to_representation(account)
        if not getattr(account, "details_visible", False):
            for field in self.DETAIL_FIELDS:
                data.pop(field, None)
        return data


class CriterionValueSerializer(serializers.Serializer):
    criterion = IdField(model=SelectionCriterion)
    value = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, coerce_to_string=True
    )


class CriterionScoresSerializer(serializers.Serializer):
    """``PUT global-accounts/{id}/criterion-scores/``: ``values`` is a list of {criterion,
    value}; a null value removes the account's value on that criterion."""

    values = CriterionValueSerializer(many=True)

    def validate_values(self, rows):
        seen = set()
        for row in rows:
            if row["criterion"].pk in seen:
                raise serializers.ValidationError("Each criterion may appear only once.")
            seen.add(row["criterion"].pk)
        return rows


class TierOverrideSerializer(serializers.Serializer):
    tier = IdField(model=Tier, allow_null=True)
    reason = serializers.CharField(max_length=2000)


class CriterionBreakdownSerializer(serializers.Serializer):
    """One criterion's share of the score (documents ``score_breakdown_data``)."""

    criterion = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SelectionCriterion.Kind.choices)
    scale_max = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    weight = serializers.DecimalField(max_digits=18, decimal_places=2)
    points = serializers.DecimalField(max_digits=18, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=18, decimal_places=2)


class ScoreBreakdownSerializer(serializers.Serializer):
    """The answer of ``global-accounts/{id}/criterion-scores/`` (built by
    ``score_breakdown_data``; this class documents it)."""

    global_account = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    tier = serializers.IntegerField(allow_null=True)
    tier_override = serializers.BooleanField()
    criteria = CriterionBreakdownSerializer(many=True)


def score_breakdown_data(account, rows) -> dict:
    return {
        "global_account": account.pk,
        "score": f"{account.score:.2f}",
        "tier": account.tier_id,
        "tier_override": account.tier_override,
        "criteria": [
            {
                "criterion": row["criterion"].pk,
                "name": row["criterion"].name,
                "kind": row["criterion"].kind,
                "scale_max": (
                    f"{row['criterion'].scale_max:.2f}" if row["criterion"].scale_max else None
                ),
                "value": f"{row['value']:.2f}" if row["value"] is not None else None,
                "weight": f"{row['weight']:.2f}",
                "points": f"{row['points']:.2f}",
                "weighted": f"{row['weighted']:.2f}",
            }
            for row in rows
        ],
    }


# --- subsidiaries ---------------------------------------------------------------------------


class SubsidiarySerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    global_account = TenantPrimaryKeyRelatedField(
        model=GlobalAccount, allow_null=True, required=False
    )
    country = CountryCodeField()
    owner = TenantPrimaryKeyRelatedField(
        queryset=active_tenant_users(), allow_null=True, required=False
    )
    manager = serializers.SerializerMethodField(help_text="The GAM of its global account.")
    can_change = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(required=False, min_value=1)
    warnings = warnings_field()

    optional_in_response = ("warnings",)  # for the schema (gam/schema.py)

    class Meta:
        model = Subsidiary
        fields = [
            "id",
            *services.SUBSIDIARY_FIELDS,
            "manager",
            "can_change",
            "created_at",
            "version",
            "warnings",
        ]
        read_only_fields = ["created_at"]

    def get_manager(self, subsidiary) -> int | None:
        account = subsidiary.global_account
        return account.manager_id if account is not None else None


# --- contacts and relationships -------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    subsidiary = TenantPrimaryKeyRelatedField(model=Subsidiary)
    reports_to = TenantPrimaryKeyRelatedField(model=Contact, allow_null=True, required=False)
    global_account = serializers.SerializerMethodField()
    country = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", *services.CONTACT_FIELDS, "global_account", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["reports_to"].queryset = contacts_visible_to(request.user)

    def get_global_account(self, contact) -> int | None:
        return contact.subsidiary.global_account_id

    def get_country(self, contact) -> str:
        return contact.subsidiary.country.code


class RelationshipSerializer(serializers.ModelSerializer):
    user = TenantPrimaryKeyRelatedField(queryset=active_tenant_users(), required=False)
    contact = TenantPrimaryKeyRelatedField(model=Contact)

    class Meta:
        model = Relationship
        fields = ["id", "user", "contact", "strength", "last_contact"]
        # One per (user, contact): a second POST updates it (relationship_set).
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["contact"].queryset = contacts_visible_to(request.user)


# --- framework agreements -------------------------------------------------------------------


class FrameworkAgreementSerializer(serializers.ModelSerializer):
    global_account = TenantPrimaryKeyRelatedField(model=GlobalAccount)
    countries = CountryCodeField(many=True, help_text="ISO codes of the countries covered.")
    active = serializers.SerializerMethodField(help_text="In force today.")

    class Meta:
        model = FrameworkAgreement
        fields = ["id", *services.AGREEMENT_FIELDS, "active"]
        # The service takes it on create (the model's default of 0 is not a guess to make).
        extra_kwargs = {"discount_percent": {"required": True}}

    def get_active(self, agreement) -> bool:
        return agreement.is_active_on(self.context["today"])
