"""The sessions table and the cache hold no usable session: rows and cache entries are keyed
by a digest of the cookie's value, and the cookie still logs the user in."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import override_settings

from gam.sessions import KEY_PREFIX, stored_key
from tests.factories import PASSWORD

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def logged_in(world, client):
    with override_settings(CACHES=LOCAL_CACHE):
        cache.clear()
        response = client.post("/login/", {"username": world.gam.email, "password": PASSWORD})
        assert response.status_code == 302
        yield client, client.cookies["sessionid"].value


def test_the_table_and_the_cache_keep_a_digest_not_the_key(logged_in):
    client, key = logged_in
    assert not Session.objects.filter(session_key=key).exists()
    row = Session.objects.get(session_key=stored_key(key))
    assert row.get_decoded()["_auth_user_id"]
    assert cache.get(KEY_PREFIX + stored_key(key)) is not None
    assert cache.get(KEY_PREFIX + key) is None
    assert client.get("/customers/").status_code == 200


def test_a_stolen_row_is_no_cookie(logged_in, world):
    client, key = logged_in
    digest = stored_key(key)
    client.cookies["sessionid"] = digest
    assert client.get("/customers/").status_code == 302  # to the login page


def test_the_session_survives_an_emptied_cache_and_ends_at_logout(logged_in):
    client, key = logged_in
    cache.clear()
    assert client.get("/customers/").status_code == 200
    client.post("/logout/")
    assert not Session.objects.filter(session_key=stored_key(key)).exists()
    client.cookies["sessionid"] = key
    assert client.get("/customers/").status_code == 302
