"""OpenAPI schema generation (drf-spectacular): the schema class and field extensions.

Its own module because drf-spectacular imports DRF's generic views, which import
gam/drf.py (the pagination class): gam/drf.py must not import drf-spectacular back."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from gam.drf import TenantPrimaryKeyRelatedField, TenantSlugRelatedField
from gam.tenancy import current_tenant_id_or_none, tenant_context


class AutoSchema(SpectacularAutoSchema):
    """Schema generation introspects views without a real request: their ``get_queryset``
    and ``get_serializer_class`` run for an anonymous mock request. Give them a stand-in
    tenant admin (never saved) and a tenant that does not exist, so the sharing-model
    selectors build their (lazy) querysets and the schema learns the model of every view."""

    def get_operation(self, *args, **kwargs):
        request = getattr(self.view, "request", None)
        if request is not None and not getattr(request.user, "is_authenticated", False):
            request.user = _schema_user()
        tenant_id = getattr(request.user, "tenant_id", None) if request is not None else None
        with tenant_context(tenant_id or current_tenant_id_or_none() or 0):
            return super().get_operation(*args, **kwargs)

    def map_parsers(self):
        # Every write endpoint also parses forms (the browsable API, older scripts), but a
        # client generated from a schema that offers multipart first sends multipart and cannot
        # encode nested lists (credit splits). Document JSON wherever it is accepted; only an
        # upload endpoint (no JSON parser) documents its multipart body.
        media_types = super().map_parsers()
        json_types = [m for m in media_types if m == "application/json"]
        return json_types or media_types

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in ("PUT", "PATCH") and self._takes_version():
            parameters = [*parameters, IF_MATCH]
        return parameters

    def _takes_version(self) -> bool:
        serializer = self.get_request_serializer()
        if not is_serializer(serializer):
            return False
        return "version" in getattr(force_instance(serializer), "fields", {})

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in self._error_codes():
            if code not in responses:
                responses[code] = self._error_response(code, description)
        return responses

    def _error_codes(self) -> list[tuple[str, str]]:
        """The errors this operation can answer (API.md, Errors), in code order."""
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        # A delete may be refused too (a subsidiary that still has opportunities).
        if self.method in ("POST", "PUT", "PATCH", "DELETE") or self._get_filter_parameters():
            codes.append(("400", "Bad input: field errors (field name -> messages)."))
        if not public:
            codes.append(("401", "No valid credentials (missing, unknown, expired token)."))
            codes.append(("403", "Visible, but the action is not allowed to this user."))
        if "{" in self.path:
            codes.append(("404", "No such record for this user (or another tenant's)."))
        if self.method in ("PUT", "PATCH") and self._takes_version():
            codes.append(("409", "Stale version: someone changed the record since it was read."))
        codes.append(("429", "Rate limit reached: retry after Retry-After seconds."))
        return codes

    def _error_response(self, code: str, description: str) -> dict:
        name, schema = ("ValidationError", VALIDATION_ERROR) if code == "400" else ("Error", ERROR)
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        response = {
            "description": description,
            "content": {"application/json": {"schema": component.ref}},
        }
        if code == "429":
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before the next request.",
                }
            }
        return response

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in (schema or {}):
            schema["pattern"] = decimal_pattern(field)
        elif (
            direction == "request"
            and type(field) is serializers.CharField
            and schema
            and "pattern" not in schema
        ):
            # DRF refuses NUL characters in text, and trims before the blank check ("  " is
            # blank): say so, or generated valid input is refused.
            if field.trim_whitespace and not field.allow_blank:
                schema["pattern"] = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
            else:
                schema["pattern"] = r"^[^\u0000]*$"
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # Fields a response leaves out for some readers (details of an account outside one's
        # team) or some operations (``warnings`` of a create): present when sent, never
        # required, or a generated client rejects every answer without them.
        optional = set(getattr(serializer, "optional_in_response", ()))
        if direction == "response" and optional and "required" in schema:
            required = [name for name in schema["required"] if name not in optional]
            if required:
                schema["required"] = required
            else:
                del schema["required"]
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # DRF leaves allow_null off for read-only fields (ModelSerializer returns early), so a
        # read-only field over a nullable foreign key would be documented as never null.
        if field.read_only and not meta.get("nullable") and _source_may_be_null(field):
            meta["nullable"] = True
        return meta


def _source_may_be_null(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*":
        return False
    for name in source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except Exception:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


def _schema_user():
    from gam.models import User

    return User(pk=0, email="schema@invalid", is_tenant_admin=True, tenant_id=None)


def decimal_pattern(field) -> str:
    """drf-spectacular's decimal-string pattern lets every digit be optional ("", "-" and
    "." match), and ignores the bounds: a client generated from it sends what the server
    refuses. At least one digit, no sign when the field cannot be negative, and a percentage
    (0 to 100) spelled out."""
    places = field.decimal_places
    whole = field.max_whole_digits
    fraction = rf"(?:\.\d{{1,{places}}})?" if places else ""
    bounded = field.min_value is not None and field.max_value is not None
    if bounded and field.min_value >= 0 and field.max_value == 100 and whole >= 3:
        zeros = rf"(?:\.0{{1,{places}}})?" if places else ""
        return rf"^(?:100{zeros}|\d{{1,2}}{fraction})$"
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    digits = r"0" if whole == 0 else rf"\d{{1,{whole}}}"
    return rf"^{sign}{digits}{fraction}$"


# The error bodies (gam.drf.exception_handler): one message, or messages per field.
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Field name (or non_field_errors, detail) -> list of messages; a nested field "
        "(credit_splits) has a list with one such object per item."
    ),
    "additionalProperties": {},
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you read, as "3" (or send "version" in the body): a stale one is 409.',
)


# What a key's schema says about the key itself, not about a field that refers to it.
_KEY_ONLY_META = {"readOnly", "writeOnly", "nullable", "description", "default", "title"}


class TenantRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """The tenant-limited related fields have no queryset until a request: type them from
    their model's key (primary key or slug field)."""

    target_class = TenantPrimaryKeyRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        model = field.model or getattr(field.queryset, "model", None)
        if model is None:
            return {"type": "string"}
        key = getattr(field, "slug_field", None)
        model_field = model._meta.get_field(key) if key else model._meta.pk
        schema = auto_schema._map_model_field(model_field, direction)
        # The key's own schema carries the key's metadata: an auto primary key is read-only
        # (the database assigns it), so every foreign key would vanish from the request
        # models. Keep only its type; drf-spectacular appends this field's own metadata
        # (read-only, nullable) afterwards.
        return {k: v for k, v in schema.items() if k not in _KEY_ONLY_META}


class TenantSlugRelatedFieldExtension(TenantRelatedFieldExtension):
    target_class = TenantSlugRelatedField
