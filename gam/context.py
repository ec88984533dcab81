"""The current tenant of this request or task: a context variable, and nothing else.

It is set in exactly two places: for a web request (``gam.middleware.TenantMiddleware`` for
sessions, ``gam.drf.TenantScopedAPIMixin`` after DRF authentication for tokens) and for a
Celery task (``gam.tasks.tenant_task``). Kept apart from ``gam.tenancy`` so that the modules
that only read it (the count cache) do not depend on the model layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

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


# Login reads users before any tenant is known: by email (the login form, the token
# endpoint), by id (the session), by token. Row-level security lets the app's role see the
# users of other tenants only inside this scope (gam.rls), which only those steps enter.
_identity_lookup: ContextVar[bool] = ContextVar("gam_identity_lookup", default=False)


def identity_lookup_active() -> bool:
    return _identity_lookup.get()


@contextlib.contextmanager
def identity_lookup() -> Iterator[None]:
    """Users of every tenant are visible inside (login and the email uniqueness check)."""
    token = _identity_lookup.set(True)
    try:
        yield
    finally:
        _identity_lookup.reset(token)
