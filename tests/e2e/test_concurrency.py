"""Two people edit the same opportunity in two browsers: the second save is refused with a
clear message and the first person's change stays (no silent lost update).
Screenshot: tests/e2e/output/concurrency-stale-save.png."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gam.tenancy import tenant_context
from opportunities import services
from opportunities.models import Opportunity, Stage
from tests import factories as f
from tests.e2e.conftest import OUTPUT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opportunity(world):
    with tenant_context(world.acme):
        services.stages_create_defaults()
        stage = Stage.objects.get(slug="proposal")
        pumps = f.ProductLineFactory(tenant=world.acme, name="Pumps")
        return services.opportunity_create(
            actor=world.gam,
            name="Volvia DE pumps",
            subsidiary=world.sub_de,
            product_line=pumps,
            owner=world.lam_de,
            stage=stage,
            amount=Decimal("48000"),
            currency="EUR",
            close_date=datetime.date(2026, 12, 18),
        )


def _open_edit(browser, live_server, email, pk):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", "correct-horse-battery-9")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/opportunities/{pk}/edit/")
    return context, page


def test_the_second_save_is_refused_and_the_first_change_stays(
    world, opportunity, browser, live_server
):
    greta_ctx, greta = _open_edit(browser, live_server, "gam@acme.test", opportunity.pk)
    lukas_ctx, lukas = _open_edit(browser, live_server, "lam.de@acme.test", opportunity.pk)
    try:
        greta.fill("#id_next_step", "Call the plant manager (Greta)")
        greta.get_by_role("button", name="Save").click()
        greta.wait_for_load_state("networkidle")
        expect(greta.locator("h1")).to_contain_text("Volvia DE pumps")

        # Lukas opened the form before Greta saved: his save is based on an old version.
        lukas.fill("#id_next_step", "Send the offer (Lukas)")
        lukas.get_by_role("button", name="Save").click()
        lukas.wait_for_load_state("networkidle")
        expect(lukas.locator("body")).to_contain_text("changed by someone else since you opened it")
        lukas.screenshot(path=str(_output() / "concurrency-stale-save.png"), full_page=True)
    finally:
        greta_ctx.close()
        lukas_ctx.close()

    with tenant_context(world.acme):
        stored = Opportunity.objects.get(pk=opportunity.pk)
    assert stored.next_step == "Call the plant manager (Greta)"
    assert stored.version == 2


def _output():
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
