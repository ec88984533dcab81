import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_reaches_home(world, page, live_server, login, screenshot):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    screenshot("login")
    login("gam@acme.test")
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("h1").inner_text() == "Welcome, Greta GAM"
    assert page.locator("text=Volvia Group").count() >= 1
    path = screenshot("home")
    assert path.stat().st_size > 10_000


def test_wrong_password_stays_on_login(world, page, live_server, login):
    login("gam@acme.test", "wrong")
    assert "/login/" in page.url
    assert page.locator("[role=alert]").count() == 1
