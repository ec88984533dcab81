"""Converting a lead: a lead from a company that is already a customer becomes an
opportunity at that subsidiary (and so at its global account), never a duplicate customer."""

from __future__ import annotations

import pytest

from accounts.models import Subsidiary
from opportunities.models import Lead, Opportunity
from tests import factories as f


@pytest.fixture
def known(sales, in_tenant):
    """Volvia's subsidiaries share the group's web domain; the German one has a VAT number."""
    w = sales
    with in_tenant(w.acme):
        for sub, number in [(w.sub_se, "556012-5790"), (w.sub_de, "DE 136 695 976")]:
            sub.website = "https://www.volvia.com/" + sub.country.code.lower()
            sub.registration_number = number
            sub.save()
        # How marketing typed it: no legal form, the bare domain, the VAT number without spaces.
        w.lead = f.LeadFactory(
            tenant=w.acme,
            company_name="Volvia Deutschland",
            country=w.de,
            website="volvia.com",
            registration_number="DE136695976",
            owner=w.lam_de,
            status="qualified",
        )
        w.stranger = f.LeadFactory(
            tenant=w.acme, company_name="Nürnberger Zahnrad KG", country=w.de
        )
    return w


def _convert(**extra):
    return {"stage": "qualification", "close_date": "2026-12-20", "amount": "40000", **extra}


def test_api_asks_which_existing_customer_before_converting(known, api, in_tenant):
    client = api(known.lam_de)
    before = _subsidiary_count(known, in_tenant)
    response = client.post(f"/api/v1/leads/{known.lead.pk}/convert/", _convert(), format="json")
    assert response.status_code == 400
    matches = response.json()["matches"]
    # Same VAT number and domain: the German subsidiary, before the Swedish sister company
    # that only shares the domain.
    assert [m["id"] for m in matches] == [known.sub_de.pk, known.sub_se.pk]
    assert matches[0]["global_account"] == known.account.pk
    assert _subsidiary_count(known, in_tenant) == before
    with in_tenant(known.acme):
        assert Lead.objects.get(pk=known.lead.pk).status == "qualified"


def test_api_converts_at_the_existing_subsidiary(known, api, in_tenant):
    before = _subsidiary_count(known, in_tenant)
    response = api(known.lam_de).post(
        f"/api/v1/leads/{known.lead.pk}/convert/",
        _convert(subsidiary=known.sub_de.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["subsidiary"] == known.sub_de.pk
    assert data["global_account"] == known.account.pk
    assert data["country"] == "DE"
    assert data["owner"] == known.lam_de.pk
    assert _subsidiary_count(known, in_tenant) == before
    with in_tenant(known.acme):
        lead = Lead.objects.get(pk=known.lead.pk)
        assert lead.status == "converted"
        assert lead.converted_opportunity_id == data["id"]
        assert lead.first_contact_at is not None
    again = api(known.lam_de).post(
        f"/api/v1/leads/{known.lead.pk}/convert/",
        _convert(subsidiary=known.sub_de.pk),
        format="json",
    )
    assert again.status_code == 400


def test_a_new_company_becomes_a_local_customer(known, api, in_tenant):
    response = api(known.lam_de).post(
        f"/api/v1/leads/{known.stranger.pk}/convert/", _convert(), format="json"
    )
    assert response.status_code == 201, response.content
    with in_tenant(known.acme):
        customer = Subsidiary.objects.get(name="Nürnberger Zahnrad KG")
        assert customer.global_account_id is None and customer.owner == known.lam_de
        assert Opportunity.objects.get(pk=response.json()["id"]).subsidiary == customer


def test_a_foreign_subsidiary_is_rejected(known, api, in_tenant):
    before = _subsidiary_count(known, in_tenant)
    response = api(known.lam_de).post(
        f"/api/v1/leads/{known.lead.pk}/convert/",
        _convert(subsidiary=known.other_subsidiary.pk),
        format="json",
    )
    assert response.status_code == 400
    assert "subsidiary" in response.json()
    assert _subsidiary_count(known, in_tenant) == before


def test_page_offers_the_existing_customer_first(known, web, in_tenant):
    client = web(known.lam_de)
    response = client.get(f"/leads/{known.lead.pk}/convert/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "looks like customers we already have" in body
    form = response.context["form"]
    assert form.fields["subsidiary"].initial == str(known.sub_de.pk)
    assert [c for c, _ in form.fields["subsidiary"].choices] == [
        str(known.sub_de.pk),
        str(known.sub_se.pk),
        "new",
    ]
    before = _subsidiary_count(known, in_tenant)
    response = client.post(
        f"/leads/{known.lead.pk}/convert/",
        {
            "subsidiary": str(known.sub_de.pk),
            "name": "Volvia DE gearboxes",
            "stage": known.stages["qualification"].pk,
            "amount": "40000",
            "currency": "EUR",
            "close_date": "2026-12-20",
        },
    )
    assert response.status_code == 302
    with in_tenant(known.acme):
        opportunity = Opportunity.objects.get(name="Volvia DE gearboxes")
    assert opportunity.subsidiary == known.sub_de
    assert opportunity.global_account == known.account
    assert response["Location"] == f"/opportunities/{opportunity.pk}/"
    assert _subsidiary_count(known, in_tenant) == before


def test_page_ignores_a_customer_that_was_not_offered(known, web, in_tenant):
    """Only the matches (or a new customer) can be chosen: a posted id of another customer,
    or of another tenant's, is a form error."""
    client = web(known.lam_de)
    for pk in [known.local_customer.pk, known.other_subsidiary.pk]:
        response = client.post(
            f"/leads/{known.lead.pk}/convert/",
            {"subsidiary": str(pk), "name": "X", "stage": known.stages["qualification"].pk,
             "amount": "1", "currency": "EUR", "close_date": "2026-12-20"},
        )  # fmt: skip
        assert response.status_code == 200
        assert response.context["form"].errors.get("subsidiary")
    with in_tenant(known.acme):
        assert not Opportunity.objects.filter(name="X").exists()


def _subsidiary_count(w, in_tenant) -> int:
    with in_tenant(w.acme):
        return Subsidiary.objects.count()
