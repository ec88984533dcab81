"""Demo data of the platform core: the demo tenant, its countries, rates and users.

``seed_demo`` calls this first, then the steps the apps register
(``gam.lifecycle.register_demo_seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from gam.models import Country, ExchangeRate, Tenant, User
from gam.services import tenant_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-pass-2026"

COUNTRIES = [
    # code, name, currency, local sales unit
    ("SE", "Sweden", "SEK", "Nordlys Sverige AB"),
    ("DE", "Germany", "EUR", "Nordlys Deutschland GmbH"),
    ("GB", "United Kingdom", "GBP", "Nordlys UK Ltd"),
    ("FR", "France", "EUR", "Nordlys France SAS"),
    ("ES", "Spain", "EUR", "Nordlys Iberia S.L."),
    ("IT", "Italy", "EUR", "Nordlys Italia S.r.l."),
    ("NL", "Netherlands", "EUR", "Nordlys Benelux B.V."),
    ("FI", "Finland", "EUR", "Nordlys Suomi Oy"),
    ("DK", "Denmark", "DKK", "Nordlys Danmark A/S"),
    ("NO", "Norway", "NOK", "Nordlys Norge AS"),
    ("PL", "Poland", "PLN", "Nordlys Polska Sp. z o.o."),
    ("US", "United States", "USD", "Nordlys Inc."),
    ("JP", "Japan", "JPY", "Nordlys K.K."),
]

RATES = {  # EUR per unit, from 2026-01-01
    "SEK": "0.0870",
    "GBP": "1.1700",
    "DKK": "0.1340",
    "NOK": "0.0850",
    "PLN": "0.2300",
    "USD": "0.9200",
    "JPY": "0.0062",
}

# email local part, name, home country, tenant admin
USERS = [
    ("admin", "Astrid Admin", "SE", True),
    ("gam", "Greta Lindqvist (GAM)", "SE", False),
    ("gam2", "Hans Becker (GAM)", "DE", False),
    ("lam.de", "Lukas Schmidt", "DE", False),
    ("lam.fr", "Camille Martin", "FR", False),
    ("lam.gb", "Oliver Smith", "GB", False),
    ("lam.es", "Lucía García", "ES", False),
    ("lam.it", "Marco Rossi", "IT", False),
    ("rep.nl", "Sanne de Vries", "NL", False),
    ("rep.fi", "Aino Virtanen", "FI", False),
    ("rep.pl", "Piotr Nowak", "PL", False),
    ("sponsor", "Sofia Ek (Sponsor)", "SE", False),
    ("marketing", "Maja Berg (Marketing)", "SE", False),
]


@dataclass
class DemoContext:
    """What each app's seed step hands to the next."""

    tenant: Tenant
    users: dict[str, User] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def demo_email(local: str) -> str:
    return f"{local}@demo.gam.test"


def seed_platform() -> DemoContext:
    """Creates the demo tenant (must not exist yet); the caller enters its tenant context."""
    tenant = tenant_create(
        name="Nordlys Industrial (demo)",
        slug=DEMO_SLUG,
        admin_email=demo_email("admin"),
        admin_password=DEMO_PASSWORD,
        currency="EUR",
    )
    return DemoContext(tenant=tenant)


def seed_markets(ctx: DemoContext) -> None:
    for code, name, currency, unit in COUNTRIES:
        ctx.countries[code] = Country.objects.create(
            code=code, name=name, currency=currency, sales_unit=unit
        )
    for currency, rate in RATES.items():
        ExchangeRate.objects.create(
            currency=currency, rate=Decimal(rate), valid_from=date(2026, 1, 1)
        )
    for local, name, country, is_admin in USERS:
        email = demo_email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                tenant=ctx.tenant,
                name=name,
                is_tenant_admin=is_admin,
            )
        user.name = name
        user.country = ctx.countries[country]
        user.save()
        ctx.users[local] = user
        ctx.logins.append((email, name))
