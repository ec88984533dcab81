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


def _schema_user():
    from gam.models import User

    return User(pk=0, email="schema@invalid", is_tenant_admin=True, tenant_id=None)


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
        return auto_schema._map_model_field(model_field, direction)


class TenantSlugRelatedFieldExtension(TenantRelatedFieldExtension):
    target_class = TenantSlugRelatedField
