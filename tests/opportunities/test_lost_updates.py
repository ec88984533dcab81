"""Partial updates write what was sent onto the row as it is now, not onto a stale read: two
writers of different fields of one record both land, with or without a version; writers of
the same field who send the version they read get one 200 and one 409.

The services are called with instances read before the other writer saved (what a request
holds between its read and its write), and the API is hit by concurrent PATCHes (threads,
each its own connection) on real PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts import services as account_services
from accounts.models import Contact, Subsidiary
from gam.tenancy import tenant_context
from opportunities import services
from opportunities.models import Activity, Opportunity
from tests import factories as f

ROUNDS = 8


@pytest.fixture
def opp(world):
    w = world
    with tenant_context(w.acme):
        w.opp = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_se, owner=w.gam)
    return w


def _stale_pair(model, pk):
    return model.objects.get(pk=pk), model.objects.get(pk=pk)


@pytest.mark.django_db
def test_services_apply_changes_to_the_current_row(opp):
    w = opp
    with tenant_context(w.acme):
        first, second = _stale_pair(Opportunity, w.opp.pk)
        services.opportunity_update(opportunity=first, actor=w.gam, amount=Decimal("777"))
        services.opportunity_update(opportunity=second, actor=w.gam, next_step="Call Sven")
        saved = Opportunity.objects.get(pk=w.opp.pk)
        assert (saved.amount, saved.next_step) == (Decimal("777.00"), "Call Sven")

        first, second = _stale_pair(Subsidiary, w.sub_se.pk)
        account_services.subsidiary_update(actor=w.gam, subsidiary=first, address="Storgatan 1")
        account_services.subsidiary_update(actor=w.gam, subsidiary=second, website="volvia.se")
        saved = Subsidiary.objects.get(pk=w.sub_se.pk)
        assert (saved.address, saved.website) == ("Storgatan 1", "volvia.se")

        contact = f.ContactFactory(tenant=w.acme, subsidiary=w.sub_se)
        first, second = _stale_pair(Contact, contact.pk)
        account_services.contact_update(actor=w.gam, contact=first, title="CFO")
        account_services.contact_update(actor=w.gam, contact=second, phone="+46 8 123")
        saved = Contact.objects.get(pk=contact.pk)
        assert (saved.title, saved.phone) == ("CFO", "+46 8 123")

        activity = services.activity_create(actor=w.gam, subsidiary=w.sub_se, subject="Visit")
        first, second = _stale_pair(Activity, activity.pk)
        services.activity_update(activity=first, actor=w.gam, notes="Went well")
        services.activity_update(activity=second, actor=w.gam, done=True)
        saved = Activity.objects.get(pk=activity.pk)
        assert (saved.notes, saved.done) == ("Went well", True)


def _concurrently(*calls):
    """Run the calls at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_different_fields_both_land(opp, api):
    w = opp
    lost = 0
    for n in range(ROUNDS):
        amount, step = f"{1000 + n}.00", f"Step {n}"
        address, website = f"Gata {n}", f"volvia{n}.se"
        patches = [
            (f"/api/v1/opportunities/{w.opp.pk}/", {"amount": amount}),
            (f"/api/v1/opportunities/{w.opp.pk}/", {"next_step": step}),
            (f"/api/v1/subsidiaries/{w.sub_se.pk}/", {"address": address}),
            (f"/api/v1/subsidiaries/{w.sub_se.pk}/", {"website": website}),
        ]
        responses = _concurrently(
            *[
                (lambda url=url, body=body: api(w.gam).patch(url, body, format="json"))
                for url, body in patches
            ]
        )
        assert [r.status_code for r in responses] == [200] * 4
        with tenant_context(w.acme):
            o = Opportunity.objects.get(pk=w.opp.pk)
            s = Subsidiary.objects.get(pk=w.sub_se.pk)
        lost += (str(o.amount), o.next_step) != (amount, step)
        lost += (s.address, s.website) != (address, website)
    assert lost == 0, f"{lost} of {2 * ROUNDS} rounds lost a write"


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_one_field_with_the_version_one_409(opp, api):
    w = opp
    for n in range(3):
        with tenant_context(w.acme):
            version = Opportunity.objects.get(pk=w.opp.pk).version
        responses = _concurrently(
            *[
                (
                    lambda amount=amount, version=version: api(w.gam).patch(
                        f"/api/v1/opportunities/{w.opp.pk}/",
                        {"amount": amount, "version": version},
                        format="json",
                    )
                )
                for amount in (f"{n}1.00", f"{n}2.00")
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()
        with tenant_context(w.acme):
            saved = Opportunity.objects.get(pk=w.opp.pk)
        assert str(saved.amount) == winner["amount"] and saved.version == version + 1
