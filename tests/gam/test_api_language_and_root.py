"""The API speaks the language the request asks for (Accept-Language), English otherwise, the
same for every user whatever their profile language; pages keep following the profile.
``GET /api/v1/`` lists the resources."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ENGLISH = "This field is required."
SWEDISH = "Fältet är obligatoriskt."


@pytest.fixture
def swedish_rep(world):
    world.rep.language = "sv"
    world.rep.save()
    return world.rep


def _error(client, **headers) -> str:
    response = client.post("/api/v1/contacts/", {}, format="json", **headers)
    assert response.status_code == 400
    return response.json()["name"][0]


def test_a_token_client_gets_english_whatever_its_profile_language(swedish_rep, api):
    assert _error(api(swedish_rep)) == ENGLISH


def test_accept_language_chooses_the_api_language(swedish_rep, api, world):
    assert _error(api(world.gam), HTTP_ACCEPT_LANGUAGE="sv") == SWEDISH
    assert _error(api(swedish_rep), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8") == ENGLISH
    assert _error(api(swedish_rep), HTTP_ACCEPT_LANGUAGE="fi") == ENGLISH  # not offered


def test_a_session_on_the_api_also_follows_the_request_not_the_profile(swedish_rep, web):
    client = web(swedish_rep)
    response = client.post("/api/v1/contacts/", {}, content_type="application/json")
    assert response.json()["name"][0] == ENGLISH
    # Pages keep the profile language.
    assert 'lang="sv"' in client.get("/").content.decode()


def test_the_api_root_lists_the_resources(client, world):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    root = response.json()
    for name in (
        "auth/token",
        "me",
        "tokens",
        "users",
        "global-accounts",
        "subsidiaries",
        "opportunities",
        "team-members",
        "framework-agreements",
        "contacts",
        "campaigns",
        "conflicts",
        "plans",
        "imports",
    ):
        assert root[name] == f"http://testserver/api/v1/{name}/", name
    assert not any("{" in url or "<" in url for url in root.values())
    assert client.get(root["global-accounts"]).status_code == 401
