"""Writes of the platform core: tenants, users, countries, exchange rates."""

from __future__ import annotations

from django.db import transaction

from gam.audit import audit
from gam.concurrency import lock_current
from gam.lifecycle import tenant_created, tenant_purge_order
from gam.models import Country, Tenant, User
from gam.selectors import email_taken
from gam.tenancy import tenant_context


class SlugTaken(ValueError):
    pass


@transaction.atomic
def tenant_create(
    *, name: str, slug: str, admin_email: str, admin_password: str, currency: str = "EUR"
) -> Tenant:
    """A tenant with its first tenant admin, and what the apps add to a new tenant (the
    default sales stages): ``gam.lifecycle.tenant_created``."""
    if Tenant.objects.filter(slug=slug).exists():
        raise SlugTaken(f"A tenant with slug {slug!r} already exists.")
    if email_taken(admin_email):
        raise ValueError(f"A user with email {admin_email!r} already exists.")
    tenant = Tenant.objects.create(name=name, slug=slug, currency=currency.upper())
    with tenant_context(tenant):
        tenant_created.send(sender=Tenant, tenant=tenant)
        admin = User.objects.create_user(
            admin_email, admin_password, tenant=tenant, is_tenant_admin=True, name="Admin"
        )
        audit(admin, "tenant.create", tenant)
    return tenant


@transaction.atomic
def tenant_delete(*, tenant: Tenant) -> None:
    """Delete a tenant and everything it owns (platform operators and ``seed_demo --reset``).

    Sales records protect their subsidiary, stage and country from deletion one by one, so
    the apps' protecting rows go first (``gam.lifecycle.register_tenant_purge``), then the
    tenant with everything that cascades."""
    with tenant_context(tenant):
        for model in tenant_purge_order():
            model.objects.all().delete()
        tenant.delete()


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    name: str = "",
    country: Country | None = None,
    is_tenant_admin: bool = False,
    language: str = "en",
    tenant_id: int,
    actor: User | None = None,
) -> User:
    user = User.objects.create_user(
        email,
        password,
        name=name,
        country=country,
        is_tenant_admin=is_tenant_admin,
        language=language,
        tenant_id=tenant_id,
    )
    audit(actor, "user.create", user, email=user.email, is_tenant_admin=is_tenant_admin)
    return user


@transaction.atomic
def user_update(
    *, user: User, actor: User | None = None, password: str | None = None, **fields
) -> User:
    lock_current(user)
    changed = {k: v for k, v in fields.items() if getattr(user, k) != v}
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
        changed["password"] = "(changed)"
    user.save()
    if changed:
        audit(actor, "user.update", user, **changed)
    return user
