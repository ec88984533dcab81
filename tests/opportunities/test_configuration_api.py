"""Stages, product lines and lead qualification parameters: everyone reads, tenant admins
write, each tenant has its own."""

from __future__ import annotations

import pytest

from opportunities.models import ProductLine, Stage


def test_stages_are_listed_in_order_with_the_contract_fields(sales, api):
    body = api(sales.rep).get("/api/v1/stages/").json()
    assert [s["slug"] for s in body["results"]] == [
        "prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost",
    ]  # fmt: skip
    assert body["results"][0] == {
        "slug": "prospecting",
        "name": "Prospecting",
        "phase": "qualification",
        "order": 1,
        "probability": 10,
        "country": None,
    }


def test_tenant_admin_adds_a_country_stage_by_slug(sales, api, in_tenant):
    client = api(sales.admin)
    response = client.post(
        "/api/v1/stages/",
        {"slug": "de_angebot", "name": "Angebot", "phase": "proposal", "order": 3,
         "probability": 40, "country": "de"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert client.get("/api/v1/stages/de_angebot/").json()["country"] == "DE"
    assert client.get("/api/v1/stages/?country=DE").json()["count"] == 1
    response = client.patch("/api/v1/stages/de_angebot/", {"probability": 45}, format="json")
    assert response.json()["probability"] == 45


@pytest.mark.parametrize(
    "body",
    [
        {"slug": "proposal", "name": "Again", "phase": "proposal"},  # slug taken
        {"slug": "x", "name": "X", "phase": "closing"},  # no such phase
        {"slug": "x", "name": "X", "phase": "won", "probability": 150},
        {"slug": "x", "name": "X", "phase": "won", "country": "US"},  # not a tenant country
        {"slug": "has space", "name": "X", "phase": "won"},
    ],
)
def test_bad_stages_are_400(sales, api, body):
    assert api(sales.admin).post("/api/v1/stages/", body, format="json").status_code == 400


def test_only_tenant_admins_write_configuration(sales, api, in_tenant):
    for url, body in [
        ("/api/v1/stages/", {"slug": "x", "name": "X", "phase": "won"}),
        ("/api/v1/product-lines/", {"name": "Compressors"}),
        ("/api/v1/lead-qualification-parameters/", {"name": "Budget", "weight": 3}),
    ]:
        assert api(sales.gam).post(url, body, format="json").status_code == 403
        assert api(sales.admin).post(url, body, format="json").status_code == 201
    assert api(sales.gam).delete("/api/v1/stages/x/").status_code == 403
    assert (
        api(sales.gam).patch(f"/api/v1/product-lines/{sales.pumps.pk}/", {"name": "P"}).status_code
        == 403
    )


def test_configuration_in_use_cannot_be_deleted(sales, api, in_tenant):
    client = api(sales.admin)
    response = client.delete("/api/v1/stages/proposal/")
    assert response.status_code == 400
    assert "still used" in response.json()["detail"][0]
    assert client.delete(f"/api/v1/product-lines/{sales.pumps.pk}/").status_code == 400
    assert client.delete("/api/v1/stages/prospecting/").status_code == 204
    with in_tenant(sales.acme):
        assert Stage.objects.filter(slug="proposal").exists()
        assert not Stage.objects.filter(slug="prospecting").exists()


def test_product_line_names_are_unique_per_tenant(sales, api, in_tenant):
    assert api(sales.admin).post("/api/v1/product-lines/", {"name": "pumps"}).status_code == 400
    # globex has its own "Globex widgets"; acme may use the same name
    response = api(sales.admin).post("/api/v1/product-lines/", {"name": "Globex widgets"})
    assert response.status_code == 201
    with in_tenant(sales.acme):
        assert ProductLine.objects.count() == 3


def test_configuration_of_another_tenant_is_invisible(sales, api):
    client = api(sales.other_admin)
    assert [s["slug"] for s in client.get("/api/v1/stages/").json()["results"]] == ["globex_only"]
    assert client.get("/api/v1/stages/proposal/").status_code == 404
    assert client.get(f"/api/v1/product-lines/{sales.pumps.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/product-lines/{sales.pumps.pk}/", {"name": "x"}).status_code == 404
    )
    assert client.delete("/api/v1/stages/proposal/").status_code == 404
