"""Reads of the platform core."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gam.context import identity_lookup
from gam.models import Country, ExchangeRate, User


def users_of_tenant():
    """The users of the current tenant (User's default manager is unscoped for login)."""
    return User.in_tenant.select_related("country")


def countries():
    return Country.objects.all()


def exchange_rate_on(currency: str, day: date, *, reporting_currency: str) -> Decimal | None:
    """Units of the reporting currency for one unit of ``currency``: the latest rate not after
    ``day``. 1 for the reporting currency itself, None when no rate is known."""
    if currency == reporting_currency:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether a user of any tenant logs in with this email (emails are unique across
    tenants: login knows no tenant). The users of other tenants are visible only inside
    ``identity_lookup`` (gam.rls)."""
    with identity_lookup():
        users = User.objects.filter(email=email.lower())
        if exclude_pk is not None:
            users = users.exclude(pk=exclude_pk)
        return users.exists()
