"""Entry warnings of group discovery: a customer being saved that probably belongs to a global
account's group gets a hint naming the account and its GAM, and the link in one click where
the user may place customers in that account. Hints keep to the privacy rule: outside the
account's team, only the countries and the GAM to talk to (no names of its companies, no
evidence).

The matcher's candidates are given (``find_group_candidates`` patched), so that these tests
do not depend on its thresholds; the matcher's own tests cover what it finds."""

from __future__ import annotations

import pytest

from accounts import warnings as account_warnings
from accounts.discovery import Candidate
from accounts.models import Subsidiary

NEW_NAME = "Volvia France SAS"


@pytest.fixture
def volvia_candidate(world, monkeypatch):
    """Whatever is entered, the matcher says: part of Volvia Group (its SE and DE companies,
    and a local customer of someone else that must never be named)."""
    w = world
    seen = []

    def candidates(**kwargs):
        seen.append(kwargs)
        if "volvia" not in kwargs["name"].lower():
            return []
        return [
            Candidate(
                score=11.5,
                probability=0.9996,
                evidence=["same domain volvia.com", "rare word 'volvia' in all"],
                global_account_id=w.account.pk,
                subsidiary_ids=[w.sub_se.pk, w.sub_de.pk, w.local_customer.pk],
                same_entity_ids=[],
            )
        ]

    monkeypatch.setattr(account_warnings, "find_group_candidates", candidates)
    w.candidate_calls = seen
    return w


def _create(api, user, country="FR", name=NEW_NAME):
    return api(user).post(
        "/api/v1/subsidiaries/",
        {"name": name, "country": country, "website": "volvia.fr"},
        format="json",
    )


# role -> (country entered, may link, sees the account's companies in detail)
ROLES = {
    "admin": ("FR", True, True),
    "gam": ("FR", True, True),
    "lam_de": ("DE", True, True),  # the account's LAM for DE places in DE
    "sponsor": ("FR", False, True),  # on the team, but may not place
    "rep": ("FR", False, False),  # outside the team
    "owner": ("SE", False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_api_warning_per_role(volvia_candidate, api, role):
    w = volvia_candidate
    country, can_link, detailed = ROLES[role]
    response = _create(api, getattr(w, role), country=country)
    assert response.status_code == 201, response.content
    data = response.json()
    texts = " ".join(data["warnings"])
    [suggestion] = data["group_suggestions"]
    assert suggestion["manager"]["name"] == "Greta GAM"
    assert suggestion["countries"] == ["DE", "SE"]
    assert suggestion["can_link"] is can_link
    # never the local customer of someone else, whoever asks: it is not the account's
    assert "Småland" not in response.content.decode()
    if can_link:
        assert "— link it?" in texts
    else:
        assert "ask Greta GAM" in texts
    if detailed:
        assert "This looks like part of Volvia Group, GAM Greta GAM" in texts
        assert suggestion["global_account"] == w.account.pk
        assert "Volvia Sverige AB (SE)" in texts and "same domain volvia.com" in texts
        assert suggestion["evidence"] == ["same domain volvia.com", "rare word 'volvia' in all"]
    else:
        # the privacy rule: countries and the GAM to talk to, nothing else
        assert (
            "This looks like part of a global account with companies in DE, SE; its global "
            "account manager is Greta GAM." in texts
        )
        body = response.content.decode()
        for secret in ("Volvia Group", "Volvia Sverige", "Volvia Deutschland", "volvia.com"):
            assert secret not in body, secret
        assert suggestion["global_account"] is None and suggestion["name"] is None
        assert "members" not in suggestion and "evidence" not in suggestion


def test_the_one_click_link_over_the_api(volvia_candidate, api, in_tenant):
    w = volvia_candidate
    created = _create(api, w.gam).json()
    [suggestion] = created["group_suggestions"]
    linked = api(w.gam).patch(
        f"/api/v1/subsidiaries/{created['id']}/",
        {"global_account": suggestion["global_account"]},
        format="json",
    )
    assert linked.status_code == 200
    assert linked.json()["global_account"] == w.account.pk
    # a rep may not: the placement rule holds and says whom to ask
    mine = _create(api, w.rep).json()
    refused = api(w.rep).patch(
        f"/api/v1/subsidiaries/{mine['id']}/", {"global_account": w.account.pk}, format="json"
    )
    assert refused.status_code in (400, 403)  # the placement rule (403 since the lock)
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(pk=mine["id"]).global_account_id is None


def test_no_hint_once_under_the_account(volvia_candidate, api):
    w = volvia_candidate
    response = api(w.gam).post(
        "/api/v1/subsidiaries/",
        {"name": NEW_NAME, "country": "FR", "global_account": w.account.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["group_suggestions"] == []


def test_nothing_for_an_unrelated_customer(volvia_candidate, api):
    w = volvia_candidate
    response = _create(api, w.rep, name="Lyon Boulangerie SARL")
    assert response.json()["group_suggestions"] == []


# --- the page ---------------------------------------------------------------------------------


def _form(w, **extra):
    return {"name": NEW_NAME, "country": w.fr.pk, "website": "volvia.fr", **extra}


def test_page_asks_before_saving_and_offers_the_link(volvia_candidate, web, in_tenant):
    w = volvia_candidate
    client = web(w.gam)
    response = client.post("/customers/new/", _form(w))
    assert response.status_code == 200
    body = response.content.decode()
    assert "This customer probably belongs to a global account" in body
    assert "Volvia Group" in body and "GAM Greta GAM" in body
    assert f'name="link_account" value="{w.account.pk}"' in body
    assert "Save and link to Volvia Group" in body
    with in_tenant(w.acme):
        assert not Subsidiary.objects.filter(name=NEW_NAME).exists()  # not saved yet
    saved = client.post("/customers/new/", _form(w, link_account=w.account.pk))
    assert saved.status_code == 302
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(name=NEW_NAME).global_account_id == w.account.pk


def test_page_hint_for_an_outsider_keeps_to_the_privacy_rule(volvia_candidate, web, in_tenant):
    w = volvia_candidate
    client = web(w.rep)
    body = client.post("/customers/new/", _form(w)).content.decode()
    box = body[body.index("group-warning") : body.index("</div>", body.index("group-warning"))]
    assert "A global account" in box and "GAM Greta GAM" in box
    assert "It has companies in" in box and "DE, SE" in box
    assert "ask Greta GAM" in box
    assert 'name="link_account"' not in body
    for secret in ("Volvia Group", "Volvia Sverige", "volvia.com", "Småland"):
        assert secret not in box, secret
    for secret in ("Volvia Sverige", "Volvia Deutschland", "volvia.com", "Småland"):
        assert secret not in body, secret
    # the one click is refused for a rep even if forged: placement rules hold
    forged = client.post("/customers/new/", _form(w, link_account=w.account.pk))
    assert forged.status_code == 200
    with in_tenant(w.acme):
        assert not Subsidiary.objects.filter(name=NEW_NAME).exists()
    # saving it as a local customer: tick the box
    saved = client.post("/customers/new/", _form(w, confirm_duplicate="on"))
    assert saved.status_code == 302
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(name=NEW_NAME).global_account_id is None


def test_page_query_count_is_bounded(volvia_candidate, web, django_assert_max_num_queries):
    w = volvia_candidate
    client = web(w.rep)
    client.get("/customers/new/")
    with django_assert_max_num_queries(30):
        assert client.post("/customers/new/", _form(w)).status_code == 200
