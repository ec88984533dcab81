"""Browser tests of the customer pages: a GAM opens an account and sees its subsidiaries by
country and its team; a local account manager of Germany is refused an edit outside their
country. Screenshots of every page go to tests/e2e/output/."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from accounts import services
from gam.tenancy import tenant_context
from tests import factories as f
from tests.accounts.test_pages import crm  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def big_account(crm):  # noqa: F811
    """Volvia with subsidiaries in more countries, more contacts and relationships."""
    w = crm
    with tenant_context(w.acme):
        extra = {
            "GB": ["Volvia UK Ltd"],
            "FR": ["Volvia France SAS", "Volvia Lyon SARL"],
            "NL": ["Volvia Nederland B.V."],
        }
        for code, names in extra.items():
            country = f.CountryFactory(tenant=w.acme, code=code)
            for name in names:
                services.subsidiary_create(
                    actor=w.gam, name=name, country=country, global_account=w.account
                )
        cfo = services.contact_create(
            actor=w.gam,
            subsidiary=w.sub_se,
            name="Frida Finance",
            title="CFO",
            buying_role="influencer",
            attitude="neutral",
            reports_to=w.ceo,
        )
        services.relationship_set(actor=w.gam, user=w.sponsor, contact=w.ceo, strength=2)
        services.relationship_set(actor=w.gam, user=w.lam_de, contact=w.buyer, strength=3)
        services.relationship_set(
            actor=w.gam, user=w.gam, contact=cfo, strength=1, last_contact=datetime.date(2026, 3, 2)
        )
        services.framework_agreement_create(
            actor=w.gam,
            global_account=w.account,
            name="Volvia frame 2021",
            countries=[w.se],
            discount_percent=Decimal(6),
            valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2021, 12, 31),
        )
    return w


def test_gam_sees_subsidiaries_by_country_and_the_team(
    big_account, page, live_server, login, screenshot
):
    w = big_account
    login("gam@acme.test")
    page.goto(f"{live_server.url}/global-accounts/")
    assert page.locator("h1").inner_text() == "Global accounts"
    screenshot("accounts-list")
    page.click("text=Volvia Group")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/global-accounts/{w.account.pk}/")
    groups = page.locator(".country-group h3")
    headings = [re.sub(r"\s+", " ", t).strip() for t in groups.all_inner_texts()]
    assert headings == [
        "FR France (2)",
        "DE Germany (1)",
        "NL NL (1)",
        "SE Sweden (1)",
        "GB United Kingdom (1)",
    ]
    team = page.locator(".team-table").inner_text()
    for text in ["Greta GAM", "Global account manager", "Lukas LAM", "DE", "Sofia Sponsor"]:
        assert text in team
    assert page.locator(".relationship-map svg[role=img] line").count() == 4
    assert (
        page.locator("#fa-title + *, .table-scroll").filter(has_text="Volvia frame 2026").count()
        >= 1
    )
    path = screenshot("account-detail-gam")
    assert path.stat().st_size > 30_000
    page.click("text=Manage team")
    page.wait_for_load_state("networkidle")
    assert page.locator("text=Add a member").count() == 1
    screenshot("team-page")
    # The narrow screen of a phone: the same page still reads.
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(f"{live_server.url}/global-accounts/{w.account.pk}/")
    screenshot("account-detail-phone")


def test_local_rep_is_refused_an_edit_outside_their_country(
    big_account, page, live_server, login, screenshot
):
    w = big_account
    login("lam.de@acme.test")
    page.goto(f"{live_server.url}/global-accounts/{w.account.pk}/")
    # Only the German subsidiary offers an edit link to the German local account manager.
    assert page.locator(f"a[href='/customers/{w.sub_de.pk}/edit/']").count() == 1
    assert page.locator(f"a[href='/customers/{w.sub_se.pk}/edit/']").count() == 0
    assert page.locator("text=Manage team").count() == 0
    screenshot("account-detail-lam")
    # Opening the Swedish subsidiary's edit page directly is refused.
    response = page.goto(f"{live_server.url}/customers/{w.sub_se.pk}/edit/")
    assert response.status == 403
    # Moving the German subsidiary to France is refused with a clear message.
    page.goto(f"{live_server.url}/customers/{w.sub_de.pk}/edit/")
    page.select_option("#id_country", label="France (FR)")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("text=only in DE. For FR ask its global account manager").count() == 1
    screenshot("subsidiary-edit-refused")
    with tenant_context(w.acme):
        w.sub_de.refresh_from_db()
    assert w.sub_de.country_id == w.de.pk


def test_duplicate_warning_before_saving(big_account, page, live_server, login, screenshot):
    login("rep@acme.test")
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "Volvia Sverige Aktiebolag")
    page.select_option("#id_country", label="Sweden (SE)")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    warning = page.locator(".duplicate-warning").inner_text()
    assert "Volvia Sverige AB" in warning and "Volvia Group" in warning
    assert "Greta GAM" in warning
    screenshot("subsidiary-duplicate-warning")
    page.check("#id_confirm_duplicate")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Volvia Sverige Aktiebolag")
    screenshot("subsidiary-detail")


def test_other_pages_render(big_account, page, live_server, login, screenshot):
    w = big_account
    login("admin@acme.test")
    for name, url in [
        ("customers-list", "/customers/"),
        ("subsidiary-detail-de", f"/customers/{w.sub_de.pk}/"),
        ("tier-override", f"/global-accounts/{w.account.pk}/tier/"),
        ("criterion-scores", f"/global-accounts/{w.account.pk}/scores/"),
        ("agreement-form", f"/agreements/{w.agreement.pk}/edit/"),
        ("settings-tiers", "/settings/accounts/tiers/"),
        ("settings-criteria", "/settings/accounts/criteria/"),
        ("account-delete-confirm", f"/global-accounts/{w.account.pk}/delete/"),
    ]:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        screenshot(name)
