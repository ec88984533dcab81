"""Row-level security on the identity tables: the app's role sees the users (password
hashes included) and the API tokens of the tenant in context only; the users of every tenant
only inside ``identity_lookup``, which login, the session's user and the email uniqueness
check enter. Login by page and by token, and the uniqueness of emails across tenants, keep
working as the app role."""

from __future__ import annotations

from django.db import connection

from gam import tokens
from gam.context import identity_lookup
from gam.models import User
from gam.tenancy import tenant_context
from tests.factories import PASSWORD
from tests.gam.test_rls import as_app_role  # noqa: F401 (fixture)


def _emails() -> set[str]:
    # The query a careless developer writes: no tenant filter at all.
    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM gam_user")
        return {email for (email,) in cursor.fetchall()}


def _token_users() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id FROM gam_apitoken")
        return {user_id for (user_id,) in cursor.fetchall()}


def test_users_and_tokens_of_other_tenants_are_out_of_sight(world, as_app_role):  # noqa: F811
    w = world
    with tenant_context(w.acme):
        tokens.issue(w.gam, name="ERP", expires_at=None)
    with tenant_context(w.globex):
        tokens.issue(w.other_admin, name="BI", expires_at=None)

    with tenant_context(w.acme):
        acme = _emails()
        assert w.gam.email in acme and w.admin.email in acme
        assert w.other_admin.email not in acme
        assert _token_users() == {w.gam.pk}
    with tenant_context(w.globex):
        assert _emails() == {w.other_admin.email}
        assert _token_users() == {w.other_admin.pk}
    assert _emails() == set()  # no tenant in context: no user
    assert _token_users() == set()
    with identity_lookup():
        assert {w.gam.email, w.other_admin.email} <= _emails()
        assert {w.gam.pk, w.other_admin.pk} <= _token_users()


def test_login_by_page_and_by_token_as_the_app_role(world, client, api, as_app_role):  # noqa: F811
    w = world
    wrong = client.post("/login/", {"username": w.gam.email, "password": "wrong"})
    assert wrong.status_code == 200  # the form again, with its error
    response = client.post("/login/", {"username": w.gam.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.get("/customers/").status_code == 200
    with identity_lookup():
        assert User.objects.get(pk=w.gam.pk).last_login is not None

    response = api().post(
        "/api/v1/auth/token/", {"email": w.other_admin.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    secret = response.json()["token"]
    listed = api().get("/api/v1/countries/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listed.status_code == 200
    assert [c["code"] for c in listed.json()["results"]] == ["SE"]


def test_an_email_of_another_tenant_is_still_taken(world, api, web, as_app_role):  # noqa: F811
    w = world
    response = api(w.admin).post(
        "/api/v1/users/",
        {"email": w.other_admin.email.upper(), "name": "Copy", "password": "Long-enough-9"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "email" in response.json()
    page = web(w.admin).post(
        "/settings/users/new/",
        {
            "email": w.other_admin.email,
            "name": "Copy",
            "password": "Long-enough-9",
            "language": "en",
        },
    )
    assert page.status_code == 200
    assert "A user with this email already exists." in page.content.decode()
    with identity_lookup():
        assert User.objects.filter(email=w.other_admin.email).count() == 1


def test_login_attempts_are_seen_only_by_login(world, client, api, as_app_role):  # noqa: F811
    w = world
    assert client.post("/login/", {"username": w.gam.email, "password": "wrong"}).status_code == 200
    bad = api().post(
        "/api/v1/auth/token/", {"email": w.other_admin.email, "password": "x"}, format="json"
    )
    assert bad.status_code == 400
    with connection.cursor() as cursor:
        cursor.execute("SELECT username FROM axes_accessattempt")
        assert cursor.fetchall() == []  # a careless query sees no attempt
        with identity_lookup():
            cursor.execute("SELECT username FROM axes_accessattempt ORDER BY username")
            assert [u for (u,) in cursor.fetchall()] == sorted([w.gam.email, w.other_admin.email])
    # The lockout still counts: five failures lock the email out of the token endpoint.
    for _ in range(5):
        api().post("/api/v1/auth/token/", {"email": w.gam.email, "password": "x"}, format="json")
    locked = api().post(
        "/api/v1/auth/token/", {"email": w.gam.email, "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert client.post("/logout/").status_code == 302
