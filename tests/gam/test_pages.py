import pytest

from gam.models import Country, User
from gam.tenancy import tenant_context
from tests import factories as f


def test_login_page_and_login(world, client):
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200 and b"Email" in page.content
    response = client.post(
        "/login/", {"username": "GAM@acme.test", "password": "correct-horse-battery-9"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert b"Welcome, Greta GAM" in home.content
    assert b"Volvia Group" in home.content


def test_wrong_password_shows_error(world, client):
    response = client.post("/login/", {"username": "gam@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_logout_is_a_post(world, web):
    client = web(world.rep)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/settings/",
        "/settings/users/",
        "/settings/countries/",
        "/settings/exchange-rates/",
        "/settings/users/new/",
    ],
)
def test_settings_pages_are_for_tenant_admins(world, web, url):
    assert web(world.admin).get(url).status_code == 200
    assert web(world.gam).get(url).status_code == 404


def test_settings_nav_only_for_admin(world, web):
    assert b'href="/settings/"' in web(world.admin).get("/").content
    assert b'href="/settings/"' not in web(world.rep).get("/").content


def test_user_list_shows_only_own_tenant(world, web):
    content = web(world.admin).get("/settings/users/").content
    assert b"gam@acme.test" in content and b"admin@globex.test" not in content


def test_other_tenants_user_and_country_are_404(world, web):
    client = web(world.admin)
    assert client.get(f"/settings/users/{world.other_admin.pk}/").status_code == 404
    assert client.post(f"/settings/users/{world.other_admin.pk}/deactivate/").status_code == 404
    world.other_admin.refresh_from_db()
    assert world.other_admin.is_active


def test_admin_creates_user_with_form_and_errors_are_shown(world, web):
    client = web(world.admin)
    bad = client.post("/settings/users/new/", {"email": "gam@acme.test", "password": "1"})
    assert bad.status_code == 200
    assert b"already exists" in bad.content
    ok = client.post(
        "/settings/users/new/",
        {
            "email": "New@acme.test",
            "name": "New One",
            "country": world.de.pk,
            "language": "en",
            "password": "a-Long-pass-42",
        },
    )
    assert ok.status_code == 302
    assert User.objects.get(email="new@acme.test").tenant_id == world.acme.pk


def test_user_form_rejects_foreign_country(world, web):
    client = web(world.admin)
    response = client.post(
        "/settings/users/new/",
        {
            "email": "x@acme.test",
            "country": world.other_se.pk,
            "language": "en",
            "password": "a-Long-pass-42",
        },
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert not User.objects.filter(email="x@acme.test").exists()


def test_country_create_edit_delete(world, web):
    client = web(world.admin)
    assert (
        client.post(
            "/settings/countries/new/", {"code": "no", "name": "Norway", "currency": "nok"}
        ).status_code
        == 302
    )
    with tenant_context(world.acme):
        assert Country.objects.get(code="NO").currency == "NOK"
    dup = client.post("/settings/countries/new/", {"code": "SE", "name": "x", "currency": "SEK"})
    assert b"already exists" in dup.content
    assert client.post("/settings/countries/NO/delete/").status_code == 302
    # in use by a subsidiary: refused with a message, nothing deleted
    response = client.post("/settings/countries/DE/delete/", follow=True)
    assert b"still used" in response.content
    with tenant_context(world.acme):
        assert not Country.objects.filter(code="NO").exists()
        assert Country.objects.filter(code="DE").exists()


def test_foreign_country_page_is_404(world, web):
    f.CountryFactory(tenant=world.globex, code="NO")
    assert web(world.admin).get("/settings/countries/NO/").status_code == 404


def test_home_query_count_is_constant(world, web, django_assert_max_num_queries):
    client = web(world.gam)
    # 13: includes the unread-notification count in the navigation (one query per page)
    with django_assert_max_num_queries(13):
        assert client.get("/").status_code == 200
