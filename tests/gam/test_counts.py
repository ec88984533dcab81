"""List counts cached until the tenant's data changes (gam.counts): read once, then from the
cache; any write in the tenant gives a fresh count; never shared across users who see
different rows, nor across tenants."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Subsidiary
from gam import counts
from opportunities.conflicts import recording
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/subsidiaries/"


def _count_queries(captured) -> int:
    return sum("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def _count(client, url=URL) -> int:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_the_second_request_reads_the_count_from_the_cache(world, api):
    client = api(world.admin)
    with CaptureQueriesContext(connection) as first:
        assert _count(client) == 3
    with CaptureQueriesContext(connection) as second:
        assert _count(client) == 3
    assert _count_queries(first) == 1
    assert _count_queries(second) == 0
    assert len(second.captured_queries) == len(first.captured_queries) - 1


def test_the_count_follows_creates_and_deletes(world, api):
    client = api(world.admin)
    assert _count(client) == 3
    created = client.post(URL, {"name": "Nordvik Oy", "country": "FR"}, format="json")
    assert created.status_code == 201, created.content
    assert _count(client) == 4
    assert client.delete(f"{URL}{created.json()['id']}/").status_code == 204
    assert _count(client) == 3


def test_a_bulk_update_changes_a_filtered_count(world, api, in_tenant):
    client = api(world.admin)
    assert _count(client, f"{URL}?country=SE") == 2
    with in_tenant(world.acme):
        assert Subsidiary.objects.filter(pk=world.sub_de.pk).update(country=world.se) == 1
    assert _count(client, f"{URL}?country=SE") == 3


@pytest.mark.parametrize("role", ["admin", "gam", "lam_de", "sponsor", "rep", "owner"])
def test_each_role_gets_the_count_of_what_it_sees(world, api, settings, role):
    f.SubsidiaryFactory(tenant=world.acme, country=world.fr, owner=world.rep, name="Rita SAS")
    # Warm the cache with every role first: a count cached for one must not serve another.
    for other in ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]:
        _count(api(getattr(world, other)))
    cached = api(getattr(world, role)).get(URL).json()
    settings.COUNT_CACHE_SECONDS = 0
    uncached = api(getattr(world, role)).get(URL).json()
    assert cached["count"] == uncached["count"] == len(uncached["results"])


def test_tenants_never_share_a_count(world, api):
    assert _count(api(world.admin)) == 3
    assert _count(api(world.other_admin)) == 1
    f.SubsidiaryFactory(tenant=world.globex, country=world.other_se, name="Initech Oy")
    assert _count(api(world.other_admin)) == 2
    assert _count(api(world.admin)) == 3


def test_a_transaction_bumps_the_version_again_once_on_commit(
    db, in_tenant, django_capture_on_commit_callbacks
):
    tenant = f.TenantFactory(slug="initech")  # no write of it in this test's transaction yet
    before = counts.data_version(tenant.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        country = f.CountryFactory(tenant=tenant, code="SE")
        for name in ("A AB", "B AB", "C AB"):
            f.SubsidiaryFactory(tenant=tenant, country=country, name=name)
        during = counts.data_version(tenant.pk)
    after = counts.data_version(tenant.pk)
    bumps = [cb for cb in callbacks if isinstance(cb, counts._BumpOnCommit)]
    assert [cb.tenant_id for cb in bumps] == [tenant.pk]  # four writes, one bump on commit
    assert len({before, during, after}) == 3


def test_a_many_to_many_change_bumps_the_version(world, in_tenant):
    agreement = f.FrameworkAgreementFactory(tenant=world.acme, global_account=world.account)
    with in_tenant(world.acme):
        before = counts.data_version(world.acme.pk)
        agreement.countries.add(world.fr)
        assert counts.data_version(world.acme.pk) != before


def test_an_empty_filter_counts_zero_without_a_query(world, in_tenant):
    with in_tenant(world.acme), CaptureQueriesContext(connection) as captured:
        assert counts.cached_count(Subsidiary.objects.filter(pk__in=[])) == 0
    assert _count_queries(captured) == 0


def test_a_page_list_count_follows_a_write(world, web):
    client = web(world.admin)
    assert client.get("/customers/").context["page"].paginator.count == 3
    f.SubsidiaryFactory(tenant=world.acme, country=world.se, name="Nordvik AB")
    assert client.get("/customers/").context["page"].paginator.count == 4


def test_a_scan_s_raw_inserts_renew_the_unread_notification_count(world, web, in_tenant):
    """Conflicts and notifications are written with raw SQL: the recorder bumps the version."""
    client = web(world.admin)

    def unread() -> int:
        context = client.get("/").context
        with in_tenant(world.acme):
            return context["unread_notifications"]()

    # one legal entity entered twice (same country, same number): a duplicate customer
    for name, country in (("Nordic Steel AB", world.se), ("Nordic Steel Aktiebolag", world.se)):
        f.SubsidiaryFactory(
            tenant=world.acme, country=country, name=name, registration_number="556677-8899"
        )
    assert unread() == 0
    assert unread() == 0  # now from the cache
    with in_tenant(world.acme):
        recording.scan_tenant(alert_by_email=False)
    assert unread() >= 1


def test_with_the_cache_down_counts_are_read_and_writes_go_on(world, in_tenant, settings):
    """The counts cache is an optimization: a Redis that does not answer changes nothing but
    speed (the API's throttles still need it; those are another matter)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with in_tenant(world.acme):
        assert counts.cached_count(Subsidiary.objects.all()) == 3
        f.SubsidiaryFactory(tenant=world.acme, country=world.fr, name="Nordvik Oy")
        assert counts.cached_count(Subsidiary.objects.all()) == 4
        assert Subsidiary.objects.filter(name="Nordvik Oy").update(name="Nordvik Ab") == 1
