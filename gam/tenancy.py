"""Tenant scoping that fails closed.

The current tenant lives in a context variable (``gam.context``). Every tenant-owned model's
default manager filters by it and raises ``NoTenantInContext`` when there is none. Code that
must cross tenants says so visibly with ``Model.unscoped``, which grep can find.
"""

from __future__ import annotations

from django.db import models

from gam.context import (
    NoTenantInContext,
    WrongTenant,
    activate_tenant,
    current_tenant_id,
    current_tenant_id_or_none,
    deactivate_tenant,
    tenant_context,
)
from gam.counts import bump_data_version

__all__ = [
    "NoTenantInContext",
    "WrongTenant",
    "activate_tenant",
    "current_tenant_id",
    "current_tenant_id_or_none",
    "deactivate_tenant",
    "tenant_context",
    "CurrentTenantId",
    "TenantQuerySet",
    "TenantManager",
    "TenantOwnedModel",
]


class CurrentTenantId(models.Expression):
    """The current tenant's id, read when the SQL is compiled (not when the queryset is built).

    Querysets built at import time (form field choices, serializer fields) are therefore
    fine, and every query is filtered by the tenant in context when it runs, or raises.
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        return "%s", [current_tenant_id()]

    def __repr__(self) -> str:
        return "CurrentTenantId()"


class TenantQuerySet(models.QuerySet):
    """Bulk writes mark the tenant's data as changed (``gam.counts``: cached list counts)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        bump_data_version()
        return rows

    def delete(self):
        result = super().delete()
        bump_data_version()
        return result

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        bump_data_version()
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        bump_data_version()
        return rows


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: only the current tenant's rows, or an error."""

    def get_queryset(self) -> TenantQuerySet:
        return super().get_queryset().filter(tenant_id=CurrentTenantId())


class TenantOwnedModel(models.Model):
    """Abstract base for every row that belongs to one tenant."""

    tenant = models.ForeignKey("gam.Tenant", on_delete=models.CASCADE, editable=False)

    objects = TenantManager()
    # Cross-tenant access (platform admin, migrations of data, the benchmark loader) only.
    unscoped = models.Manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        tenant_id = current_tenant_id_or_none()
        if self.tenant_id is None:
            # New rows take the tenant in context; with none, fail closed.
            self.tenant_id = current_tenant_id()
        elif tenant_id is not None and tenant_id != self.tenant_id:
            raise WrongTenant(
                f"{type(self).__name__} of tenant {self.tenant_id} saved in tenant {tenant_id}"
            )
        super().save(*args, **kwargs)
        bump_data_version(self.tenant_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        bump_data_version(self.tenant_id)
        return result
