"""Browser: a GAM works the conflict inbox; an owner sees only the hint."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gam.tenancy import tenant_context
from opportunities.conflicts.models import Conflict, Notification, ScanRun
from opportunities.services import stages_create_defaults
from tests import factories as f
from tests.conflicts.conflict_world import make_conflict

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox(world):
    w = world
    with tenant_context(w.acme):
        stages = {s.slug: s for s in stages_create_defaults()}
        pumps = f.ProductLineFactory(tenant=w.acme, name="Pumps")
        w.opp_se = f.OpportunityFactory(
            tenant=w.acme,
            subsidiary=w.sub_se,
            owner=w.gam,
            name="Volvia SE pump fleet",
            product_line=pumps,
            stage=stages["negotiation"],
            amount=Decimal("777777"),
            currency="SEK",
        )
        w.opp_local = f.OpportunityFactory(
            tenant=w.acme,
            subsidiary=w.local_customer,
            owner=w.owner,
            name="Småland pumps",
            product_line=pumps,
            stage=stages["proposal"],
            amount=Decimal("5000"),
        )
        w.dup = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.rep, name="Volvia Germany GmbH"
        )
        f.ContactFactory(tenant=w.acme, subsidiary=w.dup, name="Dora Dup")
        f.OpportunityFactory(
            tenant=w.acme,
            subsidiary=w.dup,
            owner=w.rep,
            name="Volvia DE service",
            stage=stages["proposal"],
        )
        w.parallel = make_conflict(
            "parallel_opportunity",
            [("opportunity", w.opp_se), ("opportunity", w.opp_local)],
            global_account=w.account,
            countries=["SE"],
            reason="Two open Pumps opportunities at Volvia Group with different owners",
            detected_at=datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC),
        )
        w.duplicate = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.sub_de), ("subsidiary", w.dup)],
            global_account=w.account,
            countries=["DE"],
            reason="Same name once legal forms are removed: “volvia”",
        )
        Notification.objects.create(
            user=w.gam, conflict=w.parallel, text="Parallel opportunity at Volvia Group (SE)"
        )
        ScanRun.objects.create(
            started_at=datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC),
            finished_at=datetime.datetime(2026, 12, 1, 6, 1, tzinfo=datetime.UTC),
            status=ScanRun.Status.FINISHED,
        )
    return w


def test_gam_resolves_a_conflict_from_the_inbox(inbox, page, live_server, login, screenshot):
    w = inbox
    login("gam@acme.test")
    page.click("header >> text=Conflicts")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Conflict inbox"
    assert page.locator(".notifications-link .badge").inner_text().startswith("1")
    assert page.locator("table.conflict-table tbody tr").count() == 2
    assert "Last full scan" in page.locator(".scan-state").inner_text()
    screenshot("conflicts-inbox")

    page.click("table.conflict-table >> text=Parallel opportunity")
    page.wait_for_load_state("networkidle")
    cards = page.locator(".side-by-side .record-card")
    assert cards.count() == 2
    assert "Volvia SE pump fleet" in cards.nth(0).inner_text()
    assert "Greta GAM" in cards.nth(0).inner_text()
    assert "Småland pumps" in cards.nth(1).inner_text()
    assert "Olle Owner" in cards.nth(1).inner_text()
    screenshot("conflict-detail")

    # resolving without a note is refused with a clear message
    page.click("button[value=resolve]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".errorlist").inner_text() == "Say how the conflict was resolved."
    page.fill("#id_resolve_note", "SE leads the deal; Småland supplies locally.")
    page.click("button[value=resolve]")
    page.wait_for_load_state("networkidle")
    assert "Conflict resolved." in page.locator(".messages").inner_text()
    assert "SE leads the deal" in page.locator(".conflict-history").inner_text()
    screenshot("conflict-resolved")
    with tenant_context(w.acme):
        conflict = Conflict.objects.get(pk=w.parallel.pk)
    assert conflict.status == "resolved"
    assert conflict.resolution_note == "SE leads the deal; Småland supplies locally."

    # the duplicate customer: the merge confirmation lists what moves
    page.goto(f"{live_server.url}/conflicts/{w.duplicate.pk}/")
    page.check(f"input[name=survivor][value='{w.sub_de.pk}']")
    page.click("text=Merge…")
    page.wait_for_load_state("networkidle")
    assert "will be merged into" in page.locator("h2").first.inner_text()
    plan = page.locator(".merge-plan").inner_text()
    assert "Dora Dup" in plan and "Volvia DE service" in plan
    screenshot("conflict-merge-confirm")

    page.goto(f"{live_server.url}/notifications/")
    assert "Parallel opportunity at Volvia Group" in page.locator(".notification-list").inner_text()
    screenshot("notifications")


def test_owner_sees_only_a_hint(inbox, page, live_server, login, screenshot):
    w = inbox
    login("owner@acme.test")
    page.goto(f"{live_server.url}/conflicts/")
    assert page.locator("table.conflict-table tbody tr").count() == 1
    page.click("table.conflict-table >> text=Parallel opportunity")
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert "Your record is part of a conflict" in text
    assert "Greta GAM" in text and "Småland pumps" in text
    for secret in ("Volvia SE pump fleet", "777", "Negotiation"):
        assert secret not in text
    screenshot("conflict-hint")
    assert page.goto(f"{live_server.url}/conflicts/{w.duplicate.pk}/").status == 404
