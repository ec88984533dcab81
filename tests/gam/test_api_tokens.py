"""API tokens: several named tokens per user with an expiry, the secret shown once and stored
as a digest, revoke and rotate (by the user, and by their tenant admin), ``Token`` and
``Bearer`` accepted, all of a user's tokens ended by a password change, and the tokens from
before (rest_framework.authtoken, in clear) still working after the migration hashed them."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gam import tokens
from gam.models import ApiToken
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(secret: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def _login(email: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": f.PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    return response.json()["token"]


def test_auth_token_keeps_its_contract_and_each_login_is_a_token(world):
    first = _login("gam@acme.test")
    second = _login("gam@acme.test")
    assert first != second
    for secret in (first, second):
        assert _client(secret).get("/api/v1/me/").json()["email"] == "gam@acme.test"
    login_tokens = ApiToken.objects.filter(user=world.gam)
    assert login_tokens.count() == 2
    for token in login_tokens:
        assert token.name == "POST auth/token/"
        assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


def test_bearer_is_accepted_like_token(world):
    secret = _login("rep@acme.test")
    assert _client(secret, "Bearer").get("/api/v1/me/").status_code == 200
    assert _client(secret, "bearer").get("/api/v1/me/").status_code == 200
    assert _client(secret, "Basic").get("/api/v1/me/").status_code == 401
    assert _client("", "Bearer").get("/api/v1/me/").status_code == 401
    assert _client(secret + "x", "Bearer").get("/api/v1/me/").status_code == 401


def test_tokens_are_stored_as_digests_only(world):
    client = _client(_login("rep@acme.test"))
    created = client.post("/api/v1/tokens/", {"name": "ERP sync"}, format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["token"]
    assert secret.startswith("gam_") and len(secret) > 40
    row = ApiToken.objects.get(pk=created.json()["id"])
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix) and len(row.prefix) < 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM gam_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert secret not in stored
    assert secret[len(row.prefix) :] not in stored
    # Shown once: neither the list nor the detail has it.
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"ERP sync", "POST auth/token/"}
    assert all("token" not in t for t in listed)
    assert "token" not in client.get(f"/api/v1/tokens/{row.pk}/").json()
    assert _client(secret, "Bearer").get("/api/v1/me/").status_code == 200


def test_several_named_tokens_with_expiry(world, api):
    client = api(world.gam)
    soon = timezone.now() + timedelta(days=7)
    made = [
        client.post("/api/v1/tokens/", body, format="json")
        for body in (
            {"name": "BI export", "expires_at": soon.isoformat()},
            {"name": "Marketing", "expires_at": None},
            {"name": "Default lifetime"},
        )
    ]
    assert [r.status_code for r in made] == [201, 201, 201]
    by_name = {r.json()["name"]: r.json() for r in made}
    assert by_name["Marketing"]["expires_at"] is None
    default = ApiToken.objects.get(pk=by_name["Default lifetime"]["id"])
    assert timedelta(days=364) < default.expires_at - timezone.now() <= timedelta(days=365)
    for body in by_name.values():
        assert _client(body["token"]).get("/api/v1/me/").status_code == 200
    past = client.post(
        "/api/v1/tokens/",
        {"name": "x", "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400 and "expires_at" in past.json()
    assert client.post("/api/v1/tokens/", {}, format="json").status_code == 400


def test_an_expired_token_is_refused(world):
    token, secret = tokens.issue(world.rep, name="short", expires_at=timezone.now())
    response = _client(secret).get("/api/v1/me/")
    assert response.status_code == 401
    tokens.issue(world.rep, name="next", expires_at=None)
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_last_used_is_kept(world):
    token, secret = tokens.issue(world.rep, name="cron", expires_at=None)
    assert token.last_used_at is None
    _client(secret).get("/api/v1/me/")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_revoke_and_rotate(world, api):
    owner = api(world.rep)
    made = owner.post("/api/v1/tokens/", {"name": "ERP"}, format="json").json()
    rotated = owner.post(f"/api/v1/tokens/{made['id']}/rotate/")
    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["name"] == "ERP"
    assert _client(made["token"]).get("/api/v1/me/").status_code == 401
    new_secret = rotated.json()["token"]
    assert _client(new_secret).get("/api/v1/me/").status_code == 200
    assert owner.delete(f"/api/v1/tokens/{rotated.json()['id']}/").status_code == 204
    assert _client(new_secret).get("/api/v1/me/").status_code == 401


def test_only_the_user_and_their_tenant_admin_see_and_revoke_a_token(world, api):
    token, secret = tokens.issue(world.rep, name="rep's", expires_at=None)
    url = f"/api/v1/tokens/{token.pk}/"
    assert api(world.gam).get(url).status_code == 404
    assert api(world.gam).delete(url).status_code == 404
    assert api(world.other_admin).get(url).status_code == 404
    assert api(world.other_admin).delete(url).status_code == 404
    listed = api(world.admin).get("/api/v1/tokens/", {"user": world.rep.pk}).json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert api(world.admin).get("/api/v1/tokens/", {"user": "x"}).status_code == 400
    assert {t["user"] for t in api(world.gam).get("/api/v1/tokens/").json()["results"]} == {
        world.gam.pk
    }
    assert _client(secret).get("/api/v1/me/").status_code == 200
    assert api(world.admin).delete(url).status_code == 204
    assert _client(secret).get("/api/v1/me/").status_code == 401


def test_a_password_change_ends_all_of_the_users_tokens(world, api):
    kept, kept_secret = tokens.issue(world.gam, name="someone else's", expires_at=None)
    secrets = [tokens.issue(world.rep, name=f"t{i}", expires_at=None)[1] for i in range(3)]
    secrets.append(_login("rep@acme.test"))
    changed = api(world.admin).patch(
        f"/api/v1/users/{world.rep.pk}/", {"password": "a-new-Passw0rd-42"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    for secret in secrets:
        assert _client(secret).get("/api/v1/me/").status_code == 401
    assert _client(kept_secret).get("/api/v1/me/").status_code == 200
    # A save that does not change the password keeps them.
    secret = tokens.issue(world.rep, name="after", expires_at=None)[1]
    world.rep.refresh_from_db()
    world.rep.name = "Rita R."
    world.rep.save()
    assert _client(secret).get("/api/v1/me/").status_code == 200
    world.rep.set_password("another-Passw0rd-43")
    world.rep.save()
    assert _client(secret).get("/api/v1/me/").status_code == 401


def test_the_migration_hashes_the_tokens_from_before(world):
    old = Token.objects.create(user=world.sponsor)
    migration = importlib.import_module("gam.migrations.0006_api_tokens")
    migration.hash_existing_tokens(apps, None)
    assert not Token.objects.exists()
    row = ApiToken.objects.get(user=world.sponsor)
    assert row.expires_at is None and row.digest != old.key
    response = _client(old.key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "sponsor@acme.test"
