"""Platform core API: token, me, users, countries, exchange rates."""

import pytest

from gam.models import Country, ExchangeRate, User
from gam.tenancy import tenant_context
from tests import factories as f


def test_token_login_and_me(world, api):
    response = api().post(
        "/api/v1/auth/token/", {"email": "GAM@acme.test", "password": f.PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me == {
        "id": world.gam.pk,
        "email": "gam@acme.test",
        "name": "Greta GAM",
        "country": "SE",
        "is_tenant_admin": False,
        "tenant": {"slug": "acme", "name": "Acme Industrial", "currency": "EUR"},
        "language": "en",
        "time_zone": "UTC",
    }


def test_token_with_bad_password_is_400(world, api):
    response = api().post("/api/v1/auth/token/", {"email": "gam@acme.test", "password": "x"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_without_credentials_is_401(world, api):
    for url in ["/api/v1/me/", "/api/v1/users/", "/api/v1/countries/", "/api/v1/exchange-rates/"]:
        assert api().get(url).status_code == 401, url


def test_session_authentication_works(world, client):
    client.force_login(world.rep)
    assert client.get("/api/v1/me/").json()["email"] == "rep@acme.test"


def test_lists_are_paginated_and_scoped(world, api):
    body = api(world.admin).get("/api/v1/users/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 6  # acme's six personas, not globex's admin
    assert len(body["results"]) == 2
    emails = {
        u["email"] for u in api(world.admin).get("/api/v1/users/?page_size=500").json()["results"]
    }
    assert "admin@globex.test" not in emails


def test_page_size_is_capped_at_500(world, api):
    with tenant_context(world.acme):
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(
                    tenant=world.acme, currency="SEK", rate="0.09", valid_from=f"2020-01-{d:02d}"
                )
                for d in range(1, 29)
            ]
        )
    body = api(world.admin).get("/api/v1/exchange-rates/?page_size=100000").json()
    assert body["count"] == 28 and len(body["results"]) == 28


@pytest.mark.parametrize(
    "url",
    ["/api/v1/users/{user}/", "/api/v1/countries/{country}/", "/api/v1/exchange-rates/{rate}/"],
)
def test_other_tenants_objects_are_404(world, api, url):
    rate = f.ExchangeRateFactory(tenant=world.globex, currency="SEK")
    other_only = f.CountryFactory(tenant=world.globex, code="NO")
    path = url.format(user=world.other_admin.pk, country=other_only.code, rate=rate.pk)
    client = api(world.admin)
    assert client.get(path).status_code == 404
    assert client.patch(path, {"name": "x"}, format="json").status_code == 404
    assert client.delete(path).status_code == 404
    with tenant_context(world.globex):
        assert Country.objects.filter(code="NO").exists()
        assert ExchangeRate.objects.filter(pk=rate.pk).exists()


def test_other_tenants_rows_never_listed(world, api):
    f.ExchangeRateFactory(tenant=world.globex, currency="NOK")
    f.CountryFactory(tenant=world.globex, code="NO")
    client = api(world.admin)
    assert [c["code"] for c in client.get("/api/v1/countries/").json()["results"]] == [
        "FR",
        "DE",
        "SE",
    ]
    assert client.get("/api/v1/exchange-rates/?currency=NOK").json()["count"] == 0


def test_foreign_country_code_in_input_is_rejected(world, api):
    f.CountryFactory(tenant=world.globex, code="NO")
    response = api(world.admin).post(
        "/api/v1/users/",
        {"email": "new@acme.test", "name": "New", "country": "NO", "password": "a-Long-pass-42"},
        format="json",
    )
    assert response.status_code == 400
    assert "country" in response.json()
    assert not User.objects.filter(email="new@acme.test").exists()


def test_non_admin_gets_403_on_admin_writes(world, api):
    client = api(world.gam)
    assert (
        client.post(
            "/api/v1/countries/", {"code": "NO", "name": "Norway", "currency": "NOK"}
        ).status_code
        == 403
    )
    assert client.patch("/api/v1/countries/SE/", {"name": "x"}).status_code == 403
    assert client.delete("/api/v1/countries/SE/").status_code == 403
    assert (
        client.post(
            "/api/v1/users/", {"email": "x@acme.test", "password": "a-Long-pass-42"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/exchange-rates/",
            {"currency": "SEK", "rate": "0.1", "valid_from": "2026-01-01"},
        ).status_code
        == 403
    )
    assert client.get("/api/v1/countries/SE/").status_code == 200  # reading is fine


def test_admin_creates_country_user_and_rate(world, api):
    client = api(world.admin)
    response = client.post(
        "/api/v1/countries/",
        {"code": "no", "name": "Norway", "currency": "nok", "sales_unit": "Acme AS"},
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "code": "NO",
        "name": "Norway",
        "currency": "NOK",
        "sales_unit": "Acme AS",
    }
    response = client.post(
        "/api/v1/users/",
        {"email": "Nils@acme.test", "name": "Nils", "country": "NO", "password": "a-Long-pass-42"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    nils = User.objects.get(email="nils@acme.test")
    assert nils.tenant_id == world.acme.pk and nils.check_password("a-Long-pass-42")
    response = client.post(
        "/api/v1/exchange-rates/", {"currency": "nok", "rate": "0.085", "valid_from": "2026-01-01"}
    )
    assert response.status_code == 201
    assert response.json()["rate"] == "0.08500000"


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/v1/countries/", {"code": "SWE", "name": "Sweden", "currency": "SEK"}, "code"),
        ("/api/v1/countries/", {"code": "SE", "name": "Sweden", "currency": "SEK"}, "code"),
        ("/api/v1/countries/", {"code": "NO", "name": "Norway", "currency": "NK"}, "currency"),
        (
            "/api/v1/exchange-rates/",
            {"currency": "SEK", "rate": "-1", "valid_from": "2026-01-01"},
            "rate",
        ),
        (
            "/api/v1/exchange-rates/",
            {"currency": "SEK", "rate": "abc", "valid_from": "2026-01-01"},
            "rate",
        ),
        (
            "/api/v1/exchange-rates/",
            {"currency": "SEK", "rate": "0.1", "valid_from": "yesterday"},
            "valid_from",
        ),
        ("/api/v1/users/", {"email": "not-an-email", "password": "a-Long-pass-42"}, "email"),
        ("/api/v1/users/", {"email": "gam@acme.test", "password": "a-Long-pass-42"}, "email"),
        ("/api/v1/users/", {"email": "weak@acme.test", "password": "123"}, "password"),
        ("/api/v1/users/", {"email": "nopass@acme.test"}, "password"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_changes_nothing(world, api, url, payload, field):
    with tenant_context(world.acme):
        before = (Country.objects.count(), ExchangeRate.objects.count(), User.in_tenant.count())
    response = api(world.admin).post(url, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    with tenant_context(world.acme):
        after = (Country.objects.count(), ExchangeRate.objects.count(), User.in_tenant.count())
    assert before == after


def test_duplicate_rate_for_same_day_is_400(world, api):
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK", valid_from="2026-01-01")
    response = api(world.admin).post(
        "/api/v1/exchange-rates/", {"currency": "SEK", "rate": "0.1", "valid_from": "2026-01-01"}
    )
    assert response.status_code == 400 and "valid_from" in response.json()


def test_country_in_use_cannot_be_deleted(world, api):
    response = api(world.admin).delete("/api/v1/countries/DE/")
    assert response.status_code == 400
    with tenant_context(world.acme):
        assert Country.objects.filter(code="DE").exists()


def test_list_query_counts_do_not_grow(world, api, django_assert_max_num_queries):
    client = api(world.admin)
    for i in range(30):
        f.UserFactory(tenant=world.acme, country=world.de, email=f"many{i}@acme.test")
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/users/?page_size=100").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/countries/").status_code == 200


def test_schema_and_docs_are_served_without_cdn(world, client):
    client.force_login(world.rep)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs
