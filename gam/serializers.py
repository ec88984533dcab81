from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gam import selectors, webhooks
from gam.drf import TenantSlugRelatedField
from gam.models import (
    ApiToken,
    Country,
    ExchangeRate,
    Tenant,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from gam.timezones import time_zone_choices


def upper_case_keys(data, keys: tuple[str, ...]):
    """A copy of request data (dict or QueryDict) with the string values of ``keys``
    upper-cased."""
    if not isinstance(data, Mapping):
        return data  # not an object: the serializer answers 400
    data = data.copy()
    for key in keys:
        value = data.get(key)
        if isinstance(value, str):
            data[key] = value.upper()
    return data


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A named API token. ``token`` (the secret) is in the answer of a create or rotate only:
    the server keeps its digest, never the secret."""

    token = serializers.CharField(
        read_only=True, help_text="The secret: shown once, in this answer only."
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the token stops working (default: a year from now; null: never).",
    )

    optional_in_response = ("token",)  # for the schema (gam/schema.py)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "created_at",
            "expires_at",
            "last_used_at",
            "token",
        ]
        read_only_fields = ["prefix", "user", "created_at", "last_used_at"]

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry must be in the future."))
        return value


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint for events. ``secret`` (signs the deliveries) is in the create answer
    only."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENTS), min_length=1
    )
    secret = serializers.CharField(read_only=True, help_text="Shown once, at creation.")

    optional_in_response = ("secret",)  # for the schema (gam/schema.py)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "active", "created_by", "created_at", "secret"]
        read_only_fields = ["created_by", "created_at"]

    def validate_url(self, value: str) -> str:
        try:
            webhooks.check_target(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["url"]) from exc
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "show_secret", False):
            data.pop("secret", None)
        return data


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "payload",
            "status",
            "attempts",
            "response_status",
            "error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "replay_of",
        ]
        read_only_fields = fields


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["slug", "name", "currency"]


class MeSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tenant = TenantSerializer(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "country",
            "is_tenant_admin",
            "tenant",
            "language",
            "time_zone",
        ]
        read_only_fields = fields


class TimeZoneField(serializers.CharField):
    """An IANA time zone of the profile's list (``time_zone_choices``). A string in the
    schema, not an enum: the ~430 names follow the server's tzdata, and as an enum they made
    the API fuzzing's coverage phase send 1,500 requests to this one operation."""

    default_error_messages = {
        "unknown": _(
            "“{value}” is not a known time zone: use an IANA name such as Europe/Stockholm."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", _("IANA time zone name, e.g. Europe/Stockholm or UTC."))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in {zone for zone, _label in time_zone_choices()}:
            self.fail("unknown", value=value)
        return value


class MePreferencesSerializer(serializers.Serializer):
    """What users change about themselves: name, language and time zone."""

    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    time_zone = TimeZoneField(required=False)


class UserSerializer(serializers.ModelSerializer):
    country = TenantSlugRelatedField(
        model=Country, slug_field="code", allow_null=True, required=False
    )
    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "country", "is_tenant_admin", "password"]

    def validate_email(self, value: str) -> str:
        value = value.lower()
        if selectors.email_taken(value, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError("A user with this email already exists.")
        return value

    def validate(self, attrs):
        password = attrs.get("password")
        if self.instance is None and not password:
            raise serializers.ValidationError({"password": ["A new user needs a password."]})
        if password:
            candidate = User(
                email=attrs.get("email", getattr(self.instance, "email", "")),
                name=attrs.get("name", getattr(self.instance, "name", "")),
            )
            try:
                password_validation.validate_password(password, candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "currency", "sales_unit"]

    def validate_code(self, value: str) -> str:
        value = value.upper()
        others = Country.objects.filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"Country {value} already exists.")
        return value

    def validate_currency(self, value: str) -> str:
        return value.upper()

    def to_internal_value(self, data):
        # Upper-case codes before the regex validators see them ("se" is fine input).
        return super().to_internal_value(upper_case_keys(data, ("code", "currency")))


class ExchangeRateSerializer(serializers.ModelSerializer):
    rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, min_value=Decimal("0.00000001")
    )

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "valid_from"]
        validators = []  # uniqueness per tenant is checked in validate()

    def to_internal_value(self, data):
        return super().to_internal_value(upper_case_keys(data, ("currency",)))

    def validate(self, attrs):
        currency = attrs.get("currency", getattr(self.instance, "currency", None))
        valid_from = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        others = ExchangeRate.objects.filter(currency=currency, valid_from=valid_from)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                {"valid_from": [f"A rate for {currency} from {valid_from} already exists."]}
            )
        return attrs
