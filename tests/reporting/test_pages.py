"""Dashboard pages: figures per role, charts fed as JSON, tables, CSV, 404s, query counts."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests import factories as f

from .conftest import grow


def account_url(w) -> str:
    return f"/dashboards/accounts/{w.account.pk}/"


def chart_data(response, chart_id: str) -> dict:
    match = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, chart_id
    return json.loads(match.group(1))


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_account_dashboard_page(dash, web):
    response = web(dash.gam).get(account_url(dash))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Volvia Group" in html and "GB" in html
    assert 'data-chart="chart-pipeline"' in html and "dashboard-charts.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    pipeline = chart_data(response, "chart-pipeline")
    assert pipeline["labels"] == ["DE", "SE"]
    assert [d["data"] for d in pipeline["datasets"]] == [
        [6000.0, 0.0],  # qualification
        [0.0, 9000.09],  # proposal
        [0.0, 20000.0],  # negotiation
    ]
    assert chart_data(response, "chart-won-lost")["datasets"][0]["data"] == [30000.0, 4500.0]
    # the same figures as a table
    assert "9,000.09" in html and "4,500.05" in html
    assert "Call FR" in html  # recent activity


@pytest.mark.parametrize("persona", ["admin", "lam_de", "sponsor"])
def test_account_dashboard_for_team_and_admin(dash, web, persona):
    assert web(getattr(dash, persona)).get(account_url(dash)).status_code == 200


@pytest.mark.parametrize("persona", ["rep", "owner", "other_admin"])
def test_account_dashboard_404_for_others(dash, web, persona):
    client = web(getattr(dash, persona))
    assert client.get(account_url(dash)).status_code == 404
    assert client.get(account_url(dash) + "export/pipeline.csv").status_code == 404


def test_account_dashboard_empty_states(dash, web):
    empty = f.GlobalAccountFactory(tenant=dash.acme, name="Empty AB")
    html = web(dash.admin).get(f"/dashboards/accounts/{empty.pk}/").content.decode()
    assert "No open opportunities at this account." in html
    assert "No objectives yet" in html and "No activity recorded" in html
    assert 'data-chart="chart-pipeline"' not in html


@pytest.mark.parametrize(
    "report,first_row",
    [
        ("pipeline", ["DE", "qualification", "2", "6000.00", "600.00"]),
        ("won", ["DE", "won", "1", "30000.00", "30000.00"]),
        ("lost", ["SE", "lost", "1", "8000.00", "0.00"]),
        ("white-space", ["GB"]),
    ],
)
def test_account_dashboard_csv(dash, web, report, first_row):
    response = web(dash.gam).get(account_url(dash) + f"export/{report}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[1] == first_row


def test_account_dashboard_csv_unknown_report_is_404(dash, web):
    assert web(dash.gam).get(account_url(dash) + "export/nope.csv").status_code == 404


# Page budgets include what every page costs: session, user, tenant, unread notifications,
# the request's savepoint and the row-level-security settings (gam/db/postgresql).
def test_account_dashboard_page_constant_queries(dash, web, django_assert_max_num_queries):
    client = web(dash.gam)
    client.get(account_url(dash))
    with django_assert_max_num_queries(17):
        assert client.get(account_url(dash)).status_code == 200
    grow(dash, 30)
    with django_assert_max_num_queries(17):
        assert client.get(account_url(dash)).status_code == 200


def test_tenant_dashboard_page_admin(dash, web, django_assert_max_num_queries):
    client = web(dash.admin)
    client.get("/dashboards/")
    with django_assert_max_num_queries(13):
        response = client.get("/dashboards/")
    html = response.content.decode()
    assert response.status_code == 200
    assert chart_data(response, "chart-split")["datasets"][0]["data"] == [35000.09, 7000.0]
    assert chart_data(response, "chart-win-rate")["datasets"][0]["data"] == [100.0, 50.0]
    assert chart_data(response, "chart-funnel")["datasets"][0]["data"] == [8, 5, 3, 2]
    assert chart_data(response, "chart-tiers")["labels"] == ["Gold"]
    assert "Volvia Group" in html  # deviations
    grow(dash, 30)
    with django_assert_max_num_queries(13):
        assert client.get("/dashboards/").status_code == 200


def test_tenant_dashboard_page_rep_sees_only_own(dash, web):
    response = web(dash.rep).get("/dashboards/")
    assert chart_data(response, "chart-split")["datasets"][0]["data"] == [1000.0, 0.0]
    assert "No account needs attention right now." in response.content.decode()


def test_tenant_dashboard_page_other_tenant(dash, web):
    response = web(dash.other_admin).get("/dashboards/")
    html = response.content.decode()
    assert "Volvia" not in html
    assert chart_data(response, "chart-split")["datasets"][0]["data"] == [99999.0, 0.0]


@pytest.mark.parametrize("report", ["countries", "funnel", "tiers", "deviations"])
def test_tenant_dashboard_csv(dash, web, report):
    rows = read_csv(web(dash.admin).get(f"/dashboards/export/{report}.csv"))
    assert len(rows) >= 2
    other = read_csv(web(dash.other_admin).get(f"/dashboards/export/{report}.csv"))
    assert "Volvia Group" not in str(other)


def test_tenant_dashboard_csv_countries_totals(dash, web):
    rows = read_csv(web(dash.admin).get("/dashboards/export/countries.csv"))
    assert rows[-1][0] == "Total"
    assert rows[-1][1:] == ["5", "42000.09", "21500.05", "2", "1", "66.7", "17250.00", "40.0"]


def test_my_accounts_page_and_csv(dash, web, django_assert_max_num_queries):
    client = web(dash.gam)
    client.get("/dashboards/my-accounts/")
    with django_assert_max_num_queries(12):  # 2 for the plans needing attention
        html = client.get("/dashboards/my-accounts/").content.decode()
    assert "Volvia Group" in html and "35,000" in html
    rows = read_csv(client.get("/dashboards/my-accounts/export.csv"))
    assert rows[1][:5] == ["Volvia Group", "Gold", "Global account manager", "", "4"]
    rep_html = web(dash.rep).get("/dashboards/my-accounts/").content.decode()
    assert "You are not on any global account team yet." in rep_html


def test_dashboards_need_login(dash, client):
    for url in ["/dashboards/", "/dashboards/my-accounts/", account_url(dash)]:
        assert client.get(url).status_code == 302
