"""A GAM of the demo tenant (seed_demo) opens the dashboard of their account: the charts
are drawn (canvases with pixels on them), the figures are also tables; then the account
plan. Also the tenant dashboard and my accounts. Screenshots: tests/e2e/output/dash-*.png."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import GlobalAccount
from gam import seed as platform_seed
from gam.models import Tenant
from gam.tenancy import tenant_context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Pixels that are not transparent in a canvas: > 0 once Chart.js has drawn on it.
PAINTED = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


@pytest.fixture
def demo(db):
    call_command("seed_demo")
    tenant = Tenant.objects.get(slug=platform_seed.DEMO_SLUG)
    with tenant_context(tenant):
        return GlobalAccount.objects.get(name="Volvia Group")


def test_gam_sees_the_account_dashboard_with_charts_and_the_plan(
    demo, page, live_server, login, screenshot
):
    login(platform_seed.demo_email("gam"), platform_seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboards/accounts/{demo.pk}/")
    expect(page.locator("h1")).to_have_text("Volvia Group")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(2)
    for i in range(2):
        canvas = canvases.nth(i)
        expect(canvas).to_have_attribute("data-drawn", "1")
        box = canvas.bounding_box()
        assert box["width"] > 200 and box["height"] > 150
        assert canvas.evaluate(PAINTED) > 1000, f"chart {i} is blank"
    # Every chart is also a table.
    page.locator("summary", has_text="Show as table").first.click()
    expect(page.locator("details[open] table tbody tr").first).to_be_visible()
    expect(page.locator(".kpi").first).to_contain_text("0")
    screenshot("dash-account")

    page.locator(".page-header a", has_text="Account plan").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Account plan: Volvia Group")
    expect(page.locator("#objectives progress").first).to_be_visible()
    expect(page.locator("#actions tr.row-overdue").first).to_be_visible()
    expect(page.locator("#adaptations article").first).to_be_visible()
    screenshot("dash-plan")

    page.goto(f"{live_server.url}/global-accounts/{demo.pk}/plan/versions/")
    expect(page.locator("ins").first).to_be_visible()
    screenshot("dash-plan-versions")


def test_tenant_dashboard_and_my_accounts(demo, page, live_server, login, screenshot):
    login(platform_seed.demo_email("admin"), platform_seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboards/")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 4
    for i in range(canvases.count()):
        expect(canvases.nth(i)).to_have_attribute("data-drawn", "1")
        assert canvases.nth(i).evaluate(PAINTED) > 500, f"chart {i} is blank"
    screenshot("dash-tenant")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    login(platform_seed.demo_email("sponsor"), platform_seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboards/my-accounts/")
    expect(page.locator(".plan-attention")).to_contain_text("Overdue plan reviews")
    screenshot("dash-my-accounts")
    review = page.locator(".plan-attention a").first
    review.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".error-box")).to_contain_text("The plan review was due")
    page.locator(".page-header a", has_text="Record a review").click()
    page.fill("#id_notes", "Walked through the pipeline with the team.")
    page.fill("#id_decisions", "GAM to book the group procurement meeting.")
    screenshot("dash-review-form")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("The next one is due on")
    expect(page.locator(".error-box")).to_have_count(0)
