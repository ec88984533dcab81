"""Browser: a tenant admin turns a proposed group into a global account (the proposals page,
the confirmation page, the account), a GAM sees the evidence of a group finding and links it,
and the customer form names the group a new customer probably belongs to. Desktop and phone
widths; the screenshots go to tests/e2e/output/."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts import warnings as account_warnings
from accounts.discovery import Candidate
from accounts.models import GlobalAccount, Subsidiary
from gam.tenancy import tenant_context
from opportunities.services import stages_create_defaults
from tests import factories as f
from tests.conflicts.conflict_world import make_conflict

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def proposals(world):
    w = world
    with tenant_context(w.acme):
        stages = {s.slug: s for s in stages_create_defaults()}
        w.bosch_fr = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, owner=w.rep, name="Robert Bosch France SAS",
            registration_number="FR 552 075 541", website="bosch.fr",
        )  # fmt: skip
        w.bosch_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.lam_de, name="Robert Bosch GmbH",
            registration_number="HRB 14000", website="bosch.de",
        )  # fmt: skip
        w.bosch_se = f.SubsidiaryFactory(
            tenant=w.acme, country=w.se, owner=w.owner, name="Bosch Thermoteknik AB",
            website="bosch.se",
        )  # fmt: skip
        f.OpportunityFactory(
            tenant=w.acme,
            subsidiary=w.bosch_fr,
            owner=w.rep,
            name="Bosch FR pumps",
            stage=stages["proposal"],
            amount=Decimal("250000"),
            currency="EUR",
        )
        w.kvarn_se = f.SubsidiaryFactory(
            tenant=w.acme, country=w.se, owner=w.owner, name="Kvarn Nordic AB"
        )
        w.kvarn_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.lam_de, name="Kvarn GmbH"
        )
        w.volvia_fr = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, owner=w.rep, name="Volvia France SAS"
        )
        when = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)
        w.g_bosch = make_conflict(
            "unlinked_group",
            [("subsidiary", w.bosch_fr), ("subsidiary", w.bosch_de), ("subsidiary", w.bosch_se)],
            countries=["DE", "FR", "SE"],
            score=14.2,
            evidence=[
                "related domains bosch.fr, bosch.de, bosch.se",
                "rare word 'bosch' in all three",
                "FR, DE and SE legal forms: three entities",
            ],
            reason="Three local customers in three countries look like one group",
            detected_at=when,
        )
        make_conflict(
            "unlinked_group",
            [("subsidiary", w.kvarn_se), ("subsidiary", w.kvarn_de)],
            countries=["DE", "SE"],
            score=6.0,
            evidence=["rare word 'kvarn' in both", "SE and DE legal forms"],
            reason="Two local customers look like one group",
            detected_at=when,
        )
        w.g_volvia = make_conflict(
            "unlinked_group",
            [("subsidiary", w.sub_se), ("subsidiary", w.sub_de), ("subsidiary", w.volvia_fr)],
            global_account=w.account,
            countries=["DE", "FR", "SE"],
            score=8.4,
            evidence=["same name word 'volvia' (rare)", "FR legal form SAS"],
            reason="A local customer looks like part of Volvia Group",
            detected_at=when,
        )
    return w


def test_admin_makes_a_global_account_from_a_group(proposals, page, live_server, login, screenshot):
    w = proposals
    login("admin@acme.test")
    page.goto(f"{live_server.url}/conflicts/")
    page.click("text=Proposed global accounts")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Proposed global accounts"
    proposals_ = page.locator("article.proposal")
    assert proposals_.count() == 3
    assert "Robert Bosch France SAS" in proposals_.nth(0).inner_text()
    screenshot("proposals-desktop")
    page.set_viewport_size(PHONE)
    screenshot("proposals-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    # keyboard: the action is a focusable link
    action = proposals_.nth(0).locator("text=Make a global account from this group…")
    action.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Make a global account from this group"
    assert page.locator("#id_name").input_value() == "Bosch"
    assert "Rita Rep — local account manager for FR" in page.locator("main").inner_text()
    screenshot("proposal-preview-desktop")
    page.set_viewport_size(PHONE)
    screenshot("proposal-preview-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    page.fill("#id_name", "Bosch Group")
    page.select_option("#id_manager", label="Greta GAM")
    page.click("text=Create the global account")
    page.wait_for_load_state("networkidle")
    assert "Tick the box" in page.locator("main").inner_text()
    page.check("#id_confirm")
    page.click("text=Create the global account")
    page.wait_for_load_state("networkidle")
    assert "was created" in page.locator(".messages").inner_text()
    screenshot("proposal-created-account")
    with tenant_context(w.acme):
        account = GlobalAccount.objects.get(name="Bosch Group")
        assert Subsidiary.objects.filter(global_account=account).count() == 3
    page.goto(f"{live_server.url}/conflicts/proposals/")
    assert page.locator("article.proposal").count() == 2


def test_gam_reads_the_evidence_and_links_the_group(
    proposals, page, live_server, login, screenshot
):
    w = proposals
    login("gam@acme.test")
    page.goto(f"{live_server.url}/conflicts/{w.g_volvia.pk}/")
    text = page.locator("main").inner_text()
    assert "Why these records were found" in text
    assert "likely match" in text and "FR legal form SAS" in text
    assert "Merge…" not in text
    screenshot("group-conflict-desktop")
    page.set_viewport_size(PHONE)
    screenshot("group-conflict-phone")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(f"{live_server.url}/conflicts/proposals/")
    page.click("text=Link this company to Volvia Group")
    page.wait_for_load_state("networkidle")
    assert "now belong to Volvia Group" in page.locator(".messages").inner_text()
    with tenant_context(w.acme):
        assert Subsidiary.objects.get(pk=w.volvia_fr.pk).global_account_id == w.account.pk


def test_customer_form_names_the_group(
    proposals, page, live_server, login, screenshot, monkeypatch
):
    w = proposals

    def candidates(**kwargs):
        return [
            Candidate(
                score=11.5,
                probability=0.9996,
                evidence=["rare word 'volvia' in all"],
                global_account_id=w.account.pk,
                subsidiary_ids=[w.sub_se.pk, w.sub_de.pk],
                same_entity_ids=[],
            )
        ]

    monkeypatch.setattr(account_warnings, "find_group_candidates", candidates)
    login("rep@acme.test")
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "Volvia Nederland BV")
    page.click("form.narrow-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    box = page.locator(".group-warning").inner_text()
    assert "A global account" in box and "GAM Greta GAM" in box and "ask Greta GAM" in box
    assert "Volvia Group" not in box and "Volvia Sverige" not in box
    screenshot("entry-group-hint-desktop")
    page.set_viewport_size(PHONE)
    screenshot("entry-group-hint-phone")
