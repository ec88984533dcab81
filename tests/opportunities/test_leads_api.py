"""Leads: qualification score from the tenant's parameters, the SLA from qualified to first
sales contact, who sees which leads, and conversion into an opportunity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from opportunities.models import Lead, LeadQualificationParameter
from tests import factories as f


@pytest.fixture
def leads(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        w.budget = LeadQualificationParameter.objects.create(name="Budget", weight=3, order=1)
        w.timing = LeadQualificationParameter.objects.create(name="Timing", weight=1, order=2)
        w.lead_de = f.LeadFactory(tenant=w.acme, company_name="Kraftwerk AG", country=w.de,
                                  owner=w.lam_de)  # fmt: skip
        w.lead_fr = f.LeadFactory(tenant=w.acme, company_name="Lyon Fluides", country=w.fr)
        w.lead_se_free = f.LeadFactory(tenant=w.acme, company_name="Umeå Energi", country=w.se)
        w.lead_se_owned = f.LeadFactory(tenant=w.acme, company_name="Luleå Stål", country=w.se,
                                        owner=w.owner)  # fmt: skip
    return w


def test_score_is_the_weighted_share_of_the_best_answers(leads, api):
    response = api(leads.rep).post(
        "/api/v1/leads/",
        {
            "company_name": "Bordeaux Pompes",
            "country": "fr",
            "answers": [
                {"parameter": leads.budget.pk, "value": 5},
                {"parameter": leads.timing.pk, "value": 1},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    # (3×5 + 1×1) / ((3+1)×5) = 16/20
    assert response.json()["score"] == 80
    lead_id = response.json()["id"]
    response = api(leads.rep).patch(
        f"/api/v1/leads/{lead_id}/",
        {"answers": [{"parameter": leads.timing.pk, "value": 5}]},
        format="json",
    )
    assert response.json()["score"] == 100


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", {"lead_de", "lead_fr", "lead_se_free", "lead_se_owned"}),
        ("lam_de", {"lead_de", "lead_fr", "lead_se_free"}),  # DE + unassigned
        ("rep", {"lead_fr", "lead_se_free"}),  # FR + unassigned
        ("owner", {"lead_fr", "lead_se_free", "lead_se_owned"}),  # SE + own
        ("other_admin", set()),
    ],
)
def test_leads_are_worked_by_country(leads, api, role, visible):
    client = api(getattr(leads, role))
    names = ["lead_de", "lead_fr", "lead_se_free", "lead_se_owned"]
    listed = {r["id"] for r in client.get("/api/v1/leads/").json()["results"]}
    assert listed == {getattr(leads, n).pk for n in visible}
    for name in names:
        lead = getattr(leads, name)
        expected = 200 if name in visible else 404
        assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == expected
        assert client.patch(f"/api/v1/leads/{lead.pk}/", {"source": "x"}).status_code == expected


def test_sla_runs_from_qualified_to_first_contact(leads, api, in_tenant):
    client = api(leads.rep)
    url = f"/api/v1/leads/{leads.lead_fr.pk}/"
    data = client.patch(url, {"status": "qualified"}, format="json").json()
    assert data["qualified_at"] is not None
    assert data["overdue"] is False
    with in_tenant(leads.acme):
        Lead.objects.filter(pk=leads.lead_fr.pk).update(
            qualified_at=timezone.now() - timedelta(hours=49)
        )
    assert client.get(url).json()["overdue"] is True
    assert [r["id"] for r in client.get("/api/v1/leads/?overdue=true").json()["results"]] == [
        leads.lead_fr.pk
    ]
    data = client.patch(url, {"status": "contacted"}, format="json").json()
    assert data["first_contact_at"] is not None
    assert data["overdue"] is False
    assert client.get("/api/v1/leads/?overdue=true").json()["count"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("product_line", lambda w: w.other_product_line.pk),
        ("owner", lambda w: w.other_admin.pk),
        ("country", lambda w: "US"),
        ("answers", lambda w: [{"parameter": 999999, "value": 3}]),
        ("answers", lambda w: [{"parameter": w.budget.pk, "value": 6}]),
        ("status", lambda w: "converted"),
    ],
)
def test_bad_lead_input_is_400(leads, api, field, value):
    body = {"company_name": "X", "country": "SE", field: value(leads)}
    assert api(leads.admin).post("/api/v1/leads/", body, format="json").status_code == 400
