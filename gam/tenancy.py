"""Tenant scoping that fails closed.

The current tenant lives in a context variable. It is set in exactly two places: for a web
request (``gam.middleware.TenantMiddleware`` for sessions, ``gam.drf.TenantScopedAPIMixin``
after DRF authentication for tokens) and for a Celery task (``tenant_context(tenant_id)`` at
the top of the task). Every tenant-owned model's default manager filters by it and raises
``NoTenantInContext`` when there is none. Code that must cross tenants says so visibly with
``Model.unscoped``, which grep can find.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from gam.models import Tenant


class NoTenantInContext(RuntimeError):
    """A tenant-owned table was queried with no tenant in context."""


class WrongTenant(ValueError):
    """A row of one tenant was about to be saved while another tenant is in context."""


_current_tenant_id: ContextVar[int | None] = ContextVar("gam_current_tenant_id", default=None)


def current_tenant_id() -> int:
    tenant_id = _current_tenant_id.get()
    if tenant_id is None:
        raise NoTenantInContext(
            "No tenant in context: wrap the code in tenant_context(...) or use .unscoped"
        )
    return tenant_id


def current_tenant_id_or_none() -> int | None:
    return _current_tenant_id.get()


def current_tenant() -> Tenant:
    from gam.models import Tenant

    return Tenant.objects.get(pk=current_tenant_id())


def activate_tenant(tenant_id: int | None):
    """Set the tenant for the rest of this context; returns a token for ``deactivate``."""
    return _current_tenant_id.set(tenant_id)


def deactivate_tenant(token) -> None:
    _current_tenant_id.reset(token)


@contextlib.contextmanager
def tenant_context(tenant: Tenant | int) -> Iterator[None]:
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    if tenant_id is None:
        raise NoTenantInContext("tenant_context() needs a saved tenant")
    token = _current_tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant_id.reset(token)


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


def _data_changed(tenant_id: int | None = None) -> None:
    from gam.counts import bump_data_version  # counts imports this module

    bump_data_version(tenant_id)


class TenantQuerySet(models.QuerySet):
    """Bulk writes mark the tenant's data as changed (``gam.counts``: cached list counts)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        _data_changed()
        return rows

    def delete(self):
        result = super().delete()
        _data_changed()
        return result

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _data_changed()
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        _data_changed()
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
        _data_changed(self.tenant_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _data_changed(self.tenant_id)
        return result
