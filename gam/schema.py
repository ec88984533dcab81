"""OpenAPI schema generation (drf-spectacular): the schema class and field extensions.

Its own module because drf-spectacular imports DRF's generic views, which import
gam/drf.py (the pagination class): gam/drf.py must not import drf-spectacular back."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

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
