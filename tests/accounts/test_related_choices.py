"""Related-object choices and inputs come from what the user may see (DESIGN.md, sharing
model): a rep outside Volvia's team sees that its subsidiaries exist but not their contacts
or opportunities. The activity form does not offer those contacts; the API refuses them as an
unknown choice (400), on activities, relationships and contacts' ``reports_to``, so no name
shows up later on a timeline."""

from __future__ import annotations

import pytest

from accounts.models import Contact, Relationship
from gam.tenancy import tenant_context
from opportunities.models import Activity, Opportunity
from tests import factories as f


@pytest.fixture
def hidden(customers):
    w = customers
    with tenant_context(w.acme):
        w.rep_customer = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, owner=w.rep, name="Rita Kunde SARL"
        )
    return w


def test_activity_form_offers_only_visible_contacts(hidden, client):
    w = hidden
    client.force_login(w.rep)
    response = client.get("/activities/new/")
    assert response.status_code == 200
    assert "Sven Svensson" not in response.content.decode()
    with tenant_context(w.acme):
        offered = set(response.context["form"].fields["contact"].queryset.values_list("pk"))
    assert not {(w.contact_se.pk,), (w.contact_de.pk,), (w.contact_local.pk,)} & offered
    client.force_login(w.gam)
    response = client.get("/activities/new/")
    with tenant_context(w.acme):
        offered = set(response.context["form"].fields["contact"].queryset.values_list("pk"))
    assert {(w.contact_se.pk,), (w.contact_de.pk,)} <= offered


def test_activity_with_an_invisible_contact_is_400(hidden, api):
    w = hidden
    assert api(w.rep).get(f"/api/v1/contacts/{w.contact_se.pk}/").status_code == 404
    response = api(w.rep).post(
        "/api/v1/activities/",
        {
            "kind": "meeting",
            "subsidiary": w.sub_se.pk,
            "contact": w.contact_se.pk,
            "subject": "Met Sven",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "contact" in response.json()
    with tenant_context(w.acme):
        assert not Activity.objects.filter(subject="Met Sven").exists()


def test_activity_page_with_an_invisible_contact_is_refused(hidden, client):
    w = hidden
    client.force_login(w.rep)
    response = client.post(
        "/activities/new/",
        {
            "kind": "meeting",
            "subject": "Met Sven",
            "subsidiary": w.sub_se.pk,
            "contact": w.contact_se.pk,
            "occurred_at": "2026-12-01T10:00",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("contact")
    with tenant_context(w.acme):
        assert not Activity.objects.filter(subject="Met Sven").exists()


def test_relationship_with_an_invisible_contact_is_400(hidden, api):
    w = hidden
    response = api(w.rep).post(
        "/api/v1/relationships/", {"contact": w.contact_se.pk, "strength": 3}, format="json"
    )
    assert response.status_code == 400, response.content
    with tenant_context(w.acme):
        assert not Relationship.objects.filter(user=w.rep).exists()


def test_contact_reporting_to_an_invisible_contact_is_400(hidden, api):
    w = hidden
    response = api(w.rep).post(
        "/api/v1/contacts/",
        {"subsidiary": w.rep_customer.pk, "name": "Rémi", "reports_to": w.contact_se.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "reports_to" in response.json()
    with tenant_context(w.acme):
        assert not Contact.objects.filter(name="Rémi").exists()


def test_opportunity_with_another_accounts_agreement_is_400(hidden, api):
    """Whoever enters a deal at an account is shown (and may link) that account's agreements
    (DESIGN.md: shown when an opportunity is entered); another account's never."""
    w = hidden
    with tenant_context(w.acme):
        stage = f.StageFactory(tenant=w.acme, slug="qualify")
        other = f.FrameworkAgreementFactory(
            tenant=w.acme, global_account=w.other_group, countries=[w.de], name="Nordic frame"
        )
    response = api(w.rep).post(
        "/api/v1/opportunities/",
        {
            "name": "Sneaky deal",
            "subsidiary": w.sub_de.pk,
            "stage": stage.slug,
            "amount": "1000",
            "currency": "EUR",
            "close_date": "2026-12-31",
            "framework_agreement": other.pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "framework_agreement" in response.json()
    with tenant_context(w.acme):
        assert not Opportunity.objects.filter(name="Sneaky deal").exists()
