import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import GlobalAccount, Subsidiary
from gam.models import Country
from gam.tenancy import NoTenantInContext, WrongTenant, tenant_context
from tests import factories as f


def test_query_without_tenant_raises(world):
    with pytest.raises(NoTenantInContext):
        list(Country.objects.all())
    with pytest.raises(NoTenantInContext):
        Subsidiary.objects.count()
    with pytest.raises(NoTenantInContext):
        GlobalAccount.objects.filter(name="Volvia Group").exists()


def test_queryset_built_without_tenant_is_scoped_when_it_runs(world):
    # Form and serializer fields build querysets at import time; the tenant applies at run.
    queryset = Country.objects.all()
    with tenant_context(world.acme):
        assert {c.code for c in queryset.all()} == {"SE", "DE", "FR"}
    with tenant_context(world.globex):
        assert {c.code for c in queryset.all()} == {"SE"}
        assert list(queryset.values_list("tenant_id", flat=True)) == [world.globex.pk]


def test_scoped_queries_never_see_another_tenant(world):
    with tenant_context(world.globex):
        assert list(GlobalAccount.objects.values_list("name", flat=True)) == ["Initech Holding"]
        assert not Subsidiary.objects.filter(pk=world.sub_se.pk).exists()


def test_unscoped_is_explicit(world):
    assert GlobalAccount.unscoped.count() == 2


def test_new_rows_take_the_tenant_in_context_and_refuse_another(world):
    with tenant_context(world.acme):
        country = Country.objects.create(code="NO", name="Norway", currency="NOK")
    assert country.tenant_id == world.acme.pk
    with pytest.raises(NoTenantInContext):
        Country(code="DK", name="Denmark", currency="DKK").save()
    with tenant_context(world.globex), pytest.raises(WrongTenant):
        country.name = "Norge"
        country.save()


def test_uniqueness_is_per_tenant(world):
    # Both tenants have SE; a second SE in one tenant is refused by the database.

    with tenant_context(world.acme), pytest.raises(IntegrityError), transaction.atomic():
        Country.objects.create(code="SE", name="Sverige", currency="SEK")


def test_factories_keep_one_tenant_per_graph(db):
    opportunity = f.OpportunityFactory()
    tenant_ids = {
        opportunity.tenant_id,
        opportunity.subsidiary.tenant_id,
        opportunity.subsidiary.country.tenant_id,
        opportunity.stage.tenant_id,
        opportunity.product_line.tenant_id,
    }
    assert len(tenant_ids) == 1


def test_tests_run_on_postgresql(db):
    assert connection.vendor == "postgresql"
