"""A rep enters an opportunity at a subsidiary covered by a framework agreement: the
agreement's discount and terms appear as soon as the customer is chosen, before saving; the
rep links it and saves. Screenshots: tests/e2e/output/opportunity-*.png."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gam.tenancy import tenant_context
from opportunities import services
from opportunities.models import Opportunity, Stage
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def covered(world):
    w = world
    with tenant_context(w.acme):
        services.stages_create_defaults()
        w.stages = {s.slug: s for s in Stage.objects.all()}
    w.pumps = f.ProductLineFactory(tenant=w.acme, name="Pumps")
    w.agreement = f.FrameworkAgreementFactory(
        tenant=w.acme,
        global_account=w.account,
        countries=[w.de],
        name="Volvia frame 2026",
        discount_percent=Decimal("12.5"),
        shipping_terms="DAP Hamburg",
        terms="Payment 60 days net",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    return w


def test_rep_sees_the_agreement_terms_before_saving(covered, page, live_server, login, screenshot):
    w = covered
    login("rep@acme.test")
    page.goto(f"{live_server.url}/opportunities/new/")
    expect(page.locator("h1")).to_have_text("New opportunity")
    # Nothing chosen yet: no notice.
    expect(page.locator(".agreement-notice")).to_have_count(0)
    page.fill("#id_name", "Volvia DE pumps retrofit")
    page.select_option("#id_product_line", str(w.pumps.pk))
    page.select_option("#id_subsidiary", str(w.sub_de.pk))
    notice = page.locator("#entry-panel .agreement-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Volvia frame 2026")
    expect(notice).to_contain_text("12.5%")
    expect(notice).to_contain_text("DAP Hamburg")
    expect(notice).to_contain_text("Payment 60 days net")
    page.select_option("#id_stage", str(w.stages["proposal"].pk))
    page.fill("#id_amount", "48000")
    page.fill("#id_close_date", "2026-12-18")
    screenshot("opportunity-form-agreement-notice")

    page.get_by_role("button", name="Link this agreement").click()
    expect(page.locator("#id_framework_agreement")).to_have_value(str(w.agreement.pk))
    expect(notice.get_by_role("button")).to_have_text("✓ Linked to this opportunity")
    expect(notice.get_by_role("button")).to_be_disabled()
    # Nothing left to confirm once the agreement is linked.
    expect(page.locator(".confirm-box")).to_be_hidden()
    screenshot("opportunity-form-agreement-linked")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")

    expect(page.locator("h1")).to_contain_text("Volvia DE pumps retrofit")
    assert re.search(r"/opportunities/\d+/$", page.url)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Volvia frame 2026")
    expect(facts).to_contain_text("Volvia Deutschland GmbH (DE)")
    # Linked: the detail page no longer asks to link it.
    expect(page.locator(".agreement-notice")).to_have_count(0)
    screenshot("opportunity-detail-with-agreement")
    with tenant_context(w.acme):
        opportunity = Opportunity.objects.get(name="Volvia DE pumps retrofit")
        assert opportunity.framework_agreement_id == w.agreement.pk
        assert opportunity.owner == w.rep
        assert opportunity.global_account == w.account
        assert opportunity.amount_reporting == Decimal("48000.00")


def test_saving_without_linking_needs_a_confirmation(covered, page, live_server, login):
    w = covered
    login("rep@acme.test")
    page.goto(f"{live_server.url}/opportunities/new/?subsidiary={w.sub_de.pk}")
    # Chosen from the link: the notice is there on first render.
    expect(page.locator(".agreement-notice")).to_contain_text("DAP Hamburg")
    page.fill("#id_name", "Volvia DE unlinked")
    page.select_option("#id_stage", str(w.stages["qualification"].pk))
    page.fill("#id_amount", "1000")
    page.fill("#id_close_date", "2026-12-18")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[role=alert]").first).to_contain_text("link the agreement or tick")
    with tenant_context(w.acme):
        assert not Opportunity.objects.filter(name="Volvia DE unlinked").exists()
    expect(page.locator(".confirm-box")).to_be_visible()
    page.check("#id_confirm_warnings")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Volvia DE unlinked")
    # Still unlinked: the detail page keeps showing the agreement to link.
    expect(page.locator(".agreement-notice")).to_contain_text("Volvia frame 2026")
