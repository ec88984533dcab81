"""In the browser: no page breaks the Content-Security-Policy, and a locked-out login says
why."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/settings/",
    "/settings/audit-log/",
    "/settings/users/",
    "/pipeline/",
    "/pipeline/table/",
    "/dashboards/",
    "/dashboards/my-accounts/",
    "/api/docs/",
]


def test_pages_run_without_csp_violations(world, page, live_server, login, screenshot):
    violations = []
    page.on(
        "console",
        lambda msg: (
            violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    login("admin@acme.test")
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 400, path
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/settings/audit-log/")
    screenshot("audit-log")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    screenshot("api-docs")
    assert violations == []


def test_locked_out_login_explains_itself(world, page, live_server, login, screenshot):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("gam@acme.test", "wrong")
    alert = page.locator("[role=alert]").first
    assert "Too many failed login attempts" in alert.inner_text()
    screenshot("login-locked-out")
