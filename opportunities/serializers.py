"""Input and output of the sales-work API. Related ids only resolve inside the tenant (a
foreign id is "does not exist", 400); writes go through opportunities.services."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.validators import RegexValidator
from rest_framework import serializers

from accounts.models import Contact, FrameworkAgreement, Subsidiary
from accounts.selectors import contacts_visible_to
from gam.drf import TenantPrimaryKeyRelatedField, TenantSlugRelatedField, warnings_field
from gam.models import Country, User
from opportunities import selectors
from opportunities.models import (
    Activity,
    Campaign,
    Lead,
    LeadQualificationParameter,
    Opportunity,
    ProductLine,
    Stage,
)
from opportunities.services import Split

currency_field_validator = RegexValidator(r"^[A-Za-z]{3}$", "Use an ISO 4217 code such as EUR.")


def _tenant_users():
    return User.in_tenant.filter(is_active=True)


def _country_field(**kwargs):
    return TenantSlugRelatedField(model=Country, slug_field="code", **kwargs)


class CountryCodeMixin:
    """Country codes are accepted in any case (``se`` is ``SE``)."""

    country_keys: tuple[str, ...] = ("country",)

    def to_internal_value(self, data):
        # Anything but a mapping (a nested list, say) is left to DRF's own "invalid" error.
        if isinstance(data, Mapping):
            data = data.copy()
            for key in self.country_keys:
                if isinstance(data.get(key), str):
                    data[key] = data[key].upper()
        return super().to_internal_value(data)


class StageSerializer(CountryCodeMixin, serializers.ModelSerializer):
    country = _country_field(allow_null=True, required=False)

    class Meta:
        model = Stage
        fields = ["slug", "name", "phase", "order", "probability", "country"]

    def validate_slug(self, value: str) -> str:
        others = Stage.objects.filter(slug=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A stage with this slug already exists.")
        return value


class ProductLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", "name"]

    def validate_name(self, value: str) -> str:
        others = ProductLine.objects.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A product line with this name already exists.")
        return value


class LeadQualificationParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadQualificationParameter
        fields = ["id", "name", "weight", "order"]

    def validate_name(self, value: str) -> str:
        others = LeadQualificationParameter.objects.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A parameter with this name already exists.")
        return value


class CreditSplitSerializer(CountryCodeMixin, serializers.Serializer):
    user = TenantPrimaryKeyRelatedField(queryset=_tenant_users())
    country = _country_field()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)

    def validate(self, attrs):
        # A PATCH makes nested fields optional too; a split needs all three all the same.
        missing = [name for name in ("user", "country", "percent") if name not in attrs]
        if missing:
            required = ["This field is required."]
            raise serializers.ValidationError({name: required for name in missing})
        return attrs

    def to_representation(self, split):
        return {
            "user": split.user_id,
            "country": split.country.code,
            "percent": f"{split.percent:.2f}",
        }


class OpportunitySerializer(serializers.ModelSerializer):
    subsidiary = TenantPrimaryKeyRelatedField(model=Subsidiary)
    product_line = TenantPrimaryKeyRelatedField(model=ProductLine, allow_null=True, required=False)
    owner = TenantPrimaryKeyRelatedField(queryset=_tenant_users(), allow_null=True, required=False)
    stage = TenantSlugRelatedField(model=Stage, slug_field="slug")
    framework_agreement = TenantPrimaryKeyRelatedField(
        model=FrameworkAgreement, allow_null=True, required=False
    )
    currency = serializers.CharField(
        max_length=3, required=False, validators=[currency_field_validator]
    )
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    credit_splits = CreditSplitSerializer(many=True, required=False, source="splits")
    version = serializers.IntegerField(required=False, min_value=1)
    warnings = warnings_field()

    optional_in_response = ("warnings",)  # for the schema (gam/schema.py)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "subsidiary",
            "product_line",
            "owner",
            "stage",
            "amount",
            "currency",
            "close_date",
            "framework_agreement",
            "status",
            "next_step",
            "loss_reason",
            "global_account",
            "country",
            "amount_reporting",
            "credit_splits",
            "version",
            "warnings",
        ]
        read_only_fields = ["status", "global_account", "amount_reporting"]

    def validate_currency(self, value: str) -> str:
        return value.upper()

    def service_arguments(self) -> tuple[dict, list[Split] | None, int | None]:
        """(field changes, splits or None, the version the client read or None)."""
        data = dict(self.validated_data)
        splits = data.pop("splits", None)
        version = data.pop("version", None)
        if splits is not None:
            splits = [
                Split(user=s["user"], country=s["country"], percent=s["percent"]) for s in splits
            ]
        return data, splits, version


class ActivitySerializer(serializers.ModelSerializer):
    subsidiary = TenantPrimaryKeyRelatedField(model=Subsidiary, required=False)
    contact = TenantPrimaryKeyRelatedField(model=Contact, allow_null=True, required=False)
    opportunity = TenantPrimaryKeyRelatedField(model=Opportunity, allow_null=True, required=False)
    owner = TenantPrimaryKeyRelatedField(queryset=_tenant_users(), allow_null=True, required=False)
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "notes",
            "subsidiary",
            "contact",
            "opportunity",
            "owner",
            "occurred_at",
            "due_date",
            "done",
            "global_account",
            "country",
        ]
        read_only_fields = ["global_account"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Linking an activity to an opportunity or a contact needs seeing it.
            self.fields["opportunity"].queryset = selectors.opportunities_visible_to(request.user)
            self.fields["contact"].queryset = contacts_visible_to(request.user)

    def validate(self, attrs):
        if self.instance is None and not attrs.get("subsidiary") and not attrs.get("opportunity"):
            raise serializers.ValidationError(
                {"subsidiary": ["Say where the activity happened: a subsidiary or opportunity."]}
            )
        return attrs


class CampaignSerializer(serializers.ModelSerializer):
    subsidiary = TenantPrimaryKeyRelatedField(model=Subsidiary)
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "subsidiary",
            "starts_on",
            "ends_on",
            "global_account",
            "country",
            "owner",
        ]
        read_only_fields = ["global_account", "owner"]


class LeadAnswerSerializer(serializers.Serializer):
    parameter = TenantPrimaryKeyRelatedField(model=LeadQualificationParameter)
    value = serializers.IntegerField(min_value=0, max_value=5)


class LeadSerializer(CountryCodeMixin, serializers.ModelSerializer):
    country = _country_field()
    product_line = TenantPrimaryKeyRelatedField(model=ProductLine, allow_null=True, required=False)
    owner = TenantPrimaryKeyRelatedField(queryset=_tenant_users(), allow_null=True, required=False)
    answers = LeadAnswerSerializer(many=True, required=False, write_only=True)
    sla_due_at = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "company_name",
            "contact_name",
            "email",
            "country",
            "website",
            "registration_number",
            "product_line",
            "source",
            "status",
            "score",
            "owner",
            "created_at",
            "qualified_at",
            "first_contact_at",
            "sla_due_at",
            "overdue",
            "converted_opportunity",
            "answers",
        ]
        read_only_fields = [
            "score",
            "created_at",
            "qualified_at",
            "first_contact_at",
            "converted_opportunity",
        ]

    def get_sla_due_at(self, lead) -> str | None:  # ISO 8601 date-time
        deadline = selectors.lead_sla_deadline(lead)
        return deadline.isoformat() if deadline else None

    def get_overdue(self, lead) -> bool:
        return selectors.lead_is_overdue(lead)

    def service_arguments(self) -> tuple[dict, dict | None]:
        data = dict(self.validated_data)
        answers = data.pop("answers", None)
        if answers is not None:
            answers = {a["parameter"]: a["value"] for a in answers}
        return data, answers


class LeadConvertSerializer(serializers.Serializer):
    subsidiary = TenantPrimaryKeyRelatedField(model=Subsidiary, allow_null=True, required=False)
    create_customer = serializers.BooleanField(
        default=False, help_text="Create a new customer even though similar ones exist."
    )
    stage = TenantSlugRelatedField(model=Stage, slug_field="slug")
    close_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, default=0)
    currency = serializers.CharField(
        max_length=3, required=False, default="", validators=[], allow_blank=True
    )
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)

    def validate_currency(self, value: str) -> str:
        if value:
            currency_field_validator(value)
        return value.upper()
