"""factory_boy factories. Every tenant-owned factory creates its row inside the tenant's
context, and SubFactories inherit the parent's tenant, so a graph never mixes tenants."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import Contact, FrameworkAgreement, GlobalAccount, Subsidiary, Tier
from gam.models import Country, ExchangeRate, Tenant, User
from gam.tenancy import tenant_context
from opportunities.models import Campaign, Lead, Opportunity, ProductLine, Stage

PASSWORD = "correct-horse-battery-9"
SAME_TENANT = factory.SelfAttribute("..tenant")


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    currency = "EUR"


class TenantOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class CountryFactory(TenantOwnedFactory):
    class Meta:
        model = Country
        django_get_or_create = ["tenant", "code"]

    code = "SE"
    name = factory.LazyAttribute(
        lambda o: {"SE": "Sweden", "DE": "Germany", "FR": "France", "GB": "United Kingdom"}.get(
            o.code, o.code
        )
    )
    currency = factory.LazyAttribute(lambda o: {"SE": "SEK", "GB": "GBP"}.get(o.code, "EUR"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    is_tenant_admin = False
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class ExchangeRateFactory(TenantOwnedFactory):
    class Meta:
        model = ExchangeRate

    currency = "SEK"
    rate = Decimal("0.09")
    valid_from = datetime.date(2026, 1, 1)


class TierFactory(TenantOwnedFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)
    min_score = Decimal("0")
    review_interval_days = 90


class GlobalAccountFactory(TenantOwnedFactory):
    class Meta:
        model = GlobalAccount

    name = factory.Sequence(lambda n: f"Global Group {n}")
    headquarters_country = factory.SubFactory(CountryFactory, tenant=SAME_TENANT)


class SubsidiaryFactory(TenantOwnedFactory):
    class Meta:
        model = Subsidiary

    name = factory.Sequence(lambda n: f"Subsidiary {n}")
    country = factory.SubFactory(CountryFactory, tenant=SAME_TENANT)
    global_account = None
    owner = None


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    subsidiary = factory.SubFactory(SubsidiaryFactory, tenant=SAME_TENANT)
    name = factory.Sequence(lambda n: f"Contact {n}")


class FrameworkAgreementFactory(TenantOwnedFactory):
    class Meta:
        model = FrameworkAgreement
        skip_postgeneration_save = True

    global_account = factory.SubFactory(GlobalAccountFactory, tenant=SAME_TENANT)
    name = factory.Sequence(lambda n: f"Framework agreement {n}")
    discount_percent = Decimal("12.50")
    valid_from = datetime.date(2026, 1, 1)
    valid_until = datetime.date(2027, 12, 31)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create and extracted:
            with tenant_context(self.tenant_id):
                self.countries.set(extracted)


class ProductLineFactory(TenantOwnedFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ["tenant", "name"]

    name = "Pumps"


class StageFactory(TenantOwnedFactory):
    class Meta:
        model = Stage
        django_get_or_create = ["tenant", "slug"]

    slug = "qualification"
    name = factory.LazyAttribute(lambda o: o.slug.replace("_", " ").capitalize())
    phase = factory.LazyAttribute(
        lambda o: {
            "prospecting": "qualification",
            "proposal": "proposal",
            "negotiation": "negotiation",
            "closed_won": "won",
            "closed_lost": "lost",
        }.get(o.slug, "qualification")
    )
    probability = 20


class OpportunityFactory(TenantOwnedFactory):
    """Denormalized fields (global_account, country, status) follow the subsidiary/stage, as
    opportunities.services would set them."""

    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Opportunity {n}")
    subsidiary = factory.SubFactory(SubsidiaryFactory, tenant=SAME_TENANT)
    global_account = factory.SelfAttribute("subsidiary.global_account")
    country = factory.SelfAttribute("subsidiary.country")
    product_line = factory.SubFactory(ProductLineFactory, tenant=SAME_TENANT)
    stage = factory.SubFactory(StageFactory, tenant=SAME_TENANT)
    status = factory.LazyAttribute(
        lambda o: {"won": "won", "lost": "lost"}.get(o.stage.phase, "open")
    )
    amount = Decimal("10000.00")
    currency = "EUR"
    amount_reporting = factory.SelfAttribute("amount")
    close_date = datetime.date(2026, 12, 15)


class CampaignFactory(TenantOwnedFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    subsidiary = factory.SubFactory(SubsidiaryFactory, tenant=SAME_TENANT)
    global_account = factory.SelfAttribute("subsidiary.global_account")
    country = factory.SelfAttribute("subsidiary.country")
    starts_on = datetime.date(2026, 11, 1)
    ends_on = datetime.date(2026, 12, 31)


# --- opportunities helper (issue 4) ---------------------------------------------------------


class LeadFactory(TenantOwnedFactory):
    class Meta:
        model = Lead

    company_name = factory.Sequence(lambda n: f"Lead Company {n}")
    country = factory.SubFactory(CountryFactory, tenant=SAME_TENANT)
