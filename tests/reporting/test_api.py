"""Reporting endpoints: exact shape of API.md, per role, cross-tenant, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import grow


def url(account) -> str:
    return f"/api/v1/global-accounts/{account.pk}/dashboard/"


def test_account_dashboard_exactly_as_api_md(dash, api):
    response = api(dash.gam).get(url(dash.account))
    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "pipeline": [
            {
                "country": "DE",
                "phase": "qualification",
                "count": 2,
                "amount": "6000.00",
                "weighted_amount": "600.00",
            },
            {
                "country": "SE",
                "phase": "proposal",
                "count": 1,
                "amount": "9000.09",
                "weighted_amount": "4500.05",
            },
            {
                "country": "SE",
                "phase": "negotiation",
                "count": 1,
                "amount": "20000.00",
                "weighted_amount": "15000.00",
            },
        ],
        "won": [
            {
                "country": "DE",
                "phase": "won",
                "count": 1,
                "amount": "30000.00",
                "weighted_amount": "30000.00",
            },
            {
                "country": "SE",
                "phase": "won",
                "count": 1,
                "amount": "4500.00",
                "weighted_amount": "4500.00",
            },
        ],
        "white_space": ["GB"],
        "open_conflicts": 2,
        "next_review": dt.date(dash.year, 3, 3).isoformat(),
    }


@pytest.mark.parametrize("persona", ["admin", "gam", "lam_de", "sponsor"])
def test_account_dashboard_for_the_team_and_admin(dash, api, persona):
    body = api(getattr(dash, persona)).get(url(dash.account)).json()
    assert body["open_conflicts"] == 2 and len(body["pipeline"]) == 3


@pytest.mark.parametrize("persona", ["rep", "owner"])
def test_account_dashboard_is_404_for_users_off_the_team(dash, api, persona):
    # The rep owns an opportunity there, yet may not see the account's whole picture.
    assert api(getattr(dash, persona)).get(url(dash.account)).status_code == 404


def test_account_dashboard_cross_tenant_and_missing(dash, api):
    assert api(dash.other_admin).get(url(dash.account)).status_code == 404
    assert api(dash.admin).get(url(dash.other_account)).status_code == 404
    assert api(dash.admin).get("/api/v1/global-accounts/999999/dashboard/").status_code == 404
    assert api().get(url(dash.account)).status_code == 401


def test_account_dashboard_other_tenant_sees_only_own(dash, api):
    body = api(dash.other_admin).get(url(dash.other_account)).json()
    assert body["currency"] == "USD"
    assert body["pipeline"] == [
        {
            "country": "SE",
            "phase": "proposal",
            "count": 1,
            "amount": "99999.00",
            "weighted_amount": "49999.50",
        }
    ]
    assert body["next_review"] is None and body["open_conflicts"] == 0


def test_account_dashboard_constant_queries(dash, api, django_assert_max_num_queries):
    client = api(dash.gam)
    with django_assert_max_num_queries(12):
        assert client.get(url(dash.account)).status_code == 200
    grow(dash, 30)
    with django_assert_max_num_queries(12):
        body = client.get(url(dash.account)).json()
    assert sum(c["count"] for c in body["pipeline"]) == 34


def test_my_accounts(dash, api, django_assert_max_num_queries):
    client = api(dash.sponsor)
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/reporting/my-accounts/").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == dash.account.pk and row["role"] == "sponsor"
    assert (row["tier"], row["open_count"], row["open_amount"]) == ("Gold", 4, "35000.09")
    assert (row["weighted_amount"], row["won_amount"]) == ("20100.05", "34500.00")
    assert row["next_review"] == dt.date(dash.year, 3, 3).isoformat()
    assert api(dash.rep).get("/api/v1/reporting/my-accounts/").json() == []
    assert api(dash.other_admin).get("/api/v1/reporting/my-accounts/").json() == []


def test_tenant_dashboard_admin(dash, api, django_assert_max_num_queries):
    client = api(dash.admin)
    # 11: the figures plus the token, the request's savepoint and the RLS settings.
    with django_assert_max_num_queries(11):
        body = client.get("/api/v1/reporting/tenant-dashboard/").json()
    assert body["currency"] == "EUR"
    assert body["global_pipeline"] == {
        "count": 4,
        "amount": "35000.09",
        "weighted_amount": "20100.05",
    }
    assert body["local_pipeline"]["amount"] == "7000.00"
    assert [r["country"] for r in body["countries"]] == ["DE", "SE"]
    assert body["tiers"][0]["tier"] == "Gold"
    assert [d["name"] for d in body["deviations"]] == ["Volvia Group"]
    grow(dash, 30)
    with django_assert_max_num_queries(11):
        assert client.get("/api/v1/reporting/tenant-dashboard/").status_code == 200


def test_tenant_dashboard_per_role_and_tenant(dash, api):
    rep = api(dash.rep).get("/api/v1/reporting/tenant-dashboard/").json()
    assert rep["global_pipeline"]["amount"] == "1000.00"
    assert rep["local_pipeline"]["count"] == 0 and rep["deviations"] == []
    other = api(dash.other_admin).get("/api/v1/reporting/tenant-dashboard/").json()
    assert other["currency"] == "USD"
    assert other["global_pipeline"]["amount"] == "99999.00"
    assert [r["country"] for r in other["countries"]] == ["SE"]
    assert other["tiers"] == [
        {
            "tier": None,
            "accounts": 1,
            "count": 1,
            "amount": "99999.00",
            "weighted_amount": "49999.50",
        }
    ]
    assert api().get("/api/v1/reporting/tenant-dashboard/").status_code == 401


def test_tenant_dashboard_figures_are_cached_until_the_data_changes(dash, api):
    """The grouped scan behind the figures (gam.counts.cached_rows): read once, then from the
    cache, and read again after any write in the tenant."""
    client = api(dash.admin)
    path = "/api/v1/reporting/tenant-dashboard/"
    with CaptureQueriesContext(connection) as first:
        before = client.get(path).json()
    with CaptureQueriesContext(connection) as second:
        assert client.get(path).json() == before
    assert len(second.captured_queries) < len(first.captured_queries)
    created = client.post(
        "/api/v1/opportunities/",
        {
            "name": "Extra pumps",
            "subsidiary": dash.local_customer.pk,
            "stage": "qualification",
            "amount": "500.00",
            "currency": "EUR",
            "close_date": f"{dash.year}-12-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    after = client.get(path).json()
    assert after["local_pipeline"]["count"] == before["local_pipeline"]["count"] + 1
    assert (
        float(after["local_pipeline"]["amount"]) == float(before["local_pipeline"]["amount"]) + 500
    )
    # Another tenant's admin never reads acme's cached figures.
    assert api(dash.other_admin).get(path).json()["global_pipeline"]["amount"] == "99999.00"
