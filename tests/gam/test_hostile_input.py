"""Client input that used to give 500 (the contract says never): JSON nested thousands deep,
NUL bytes in query parameters, paths and uploaded files, a credit split without its user, a
framework agreement without its discount, and the "Adapt for a country" page of a plan. Each
is a clear 400 (or the page itself), never a server error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.plans import services as plan_services
from tests import factories as f
from tests.factories import PASSWORD

DEEP = 3000


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/auth/token/",
        "/api/v1/subsidiaries/",
        "/api/v1/opportunities/",
        "/api/v1/activities/",
        "/api/v1/global-accounts/",
    ],
)
def test_deeply_nested_json_is_400(world, api, url):
    client = api(None if url.endswith("token/") else world.admin)
    for body in (_nested(DEEP), '{"name": ' + _nested(DEEP) + "}"):
        response = client.generic("POST", url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert "nested" in response.json()["detail"]


def test_ordinary_nesting_still_parses(world, api):
    response = api().post(
        "/api/v1/auth/token/", {"email": world.admin.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/?search=a%00b",
        "/api/v1/countries/?country=S%00E",
        "/api/v1/product-lines/?search=%00",
        "/api/v1/users/?search=x%00",
        "/api/v1/stages/?country=%00",
        "/api/v1/subsidiaries/?search=nord%00",
        "/api/v1/opportunities/?page=1&ordering=%00",
    ],
)
def test_nul_in_a_query_parameter_is_400(world, api, url):
    response = api(world.admin).get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "url", ["/settings/countries/S%00E/", "/customers/?q=a%00", "/settings/users/?search=%00"]
)
def test_nul_on_pages_is_400(world, client, url):
    client.force_login(world.admin)
    assert client.get(url).status_code == 400


def test_nul_in_an_api_path_is_400(world, api):
    assert api(world.admin).get("/api/v1/countries/S%00E/").status_code in (400, 404)


def test_nul_in_an_uploaded_csv_is_400(world, api, django_capture_on_commit_callbacks):
    data = b"name,website\nNul\x00GmbH,nul.de\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.admin).post(
            "/api/v1/imports/",
            {
                "kind": "subsidiaries",
                "country": "DE",
                "file": SimpleUploadedFile("s.csv", data, content_type="text/csv"),
            },
            format="multipart",
        )
    assert response.status_code == 400, response.content


def test_credit_split_without_user_is_400(world, api, in_tenant):
    with in_tenant(world.acme):
        opp = f.OpportunityFactory(tenant=world.acme, subsidiary=world.sub_se, owner=world.gam)
    for splits in ([{"country": "SE", "percent": "100"}], [{"percent": "100"}], [{}]):
        response = api(world.admin).patch(
            f"/api/v1/opportunities/{opp.pk}/", {"credit_splits": splits}, format="json"
        )
        assert response.status_code == 400, (splits, response.content)


def test_framework_agreement_without_discount_is_400(world, api):
    response = api(world.admin).post(
        "/api/v1/framework-agreements/",
        {
            "global_account": world.account.pk,
            "name": "No discount",
            "countries": ["SE"],
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "discount_percent" in response.json()


@pytest.mark.parametrize("role", ["admin", "gam", "lam_de", "sponsor"])
def test_adapt_for_a_country_page(world, client, in_tenant, role):
    with in_tenant(world.acme):
        plan_services.plan_create(account=world.account, actor=world.gam, strategy="Grow")
    client.force_login(getattr(world, role))
    url = f"/global-accounts/{world.account.pk}/plan/adaptation/new/"
    response = client.get(url)
    assert response.status_code in (200, 403), response.status_code
    if response.status_code == 200:
        response = client.post(url, {"country": world.de.pk, "notes": "Local rules"})
        assert response.status_code in (200, 302, 403), response.status_code
