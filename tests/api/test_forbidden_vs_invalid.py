"""403, not 400, for an action on a visible record that the user may not take (API.md, Errors):
adding a team member, a framework agreement or a contact under an account or subsidiary
everyone in the tenant sees. Bad input stays 400, another tenant's id stays "does not exist"
(400) in a body, and nothing is written on a refusal."""

from __future__ import annotations

import pytest

from accounts.models import Contact, FrameworkAgreement
from teams.models import TeamMembership

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]
MANAGE_ACCOUNT = {"admin", "gam"}


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_team_member(world, api, in_tenant, role):
    w = world
    response = api(getattr(w, role)).post(
        "/api/v1/team-members/",
        {"global_account": w.account.pk, "user": w.rep.pk, "role": "member"},
        format="json",
    )
    allowed = role in MANAGE_ACCOUNT
    assert response.status_code == (201 if allowed else 403), response.content
    if not allowed:
        assert "may not manage the team of “Volvia Group”" in response.json()["detail"]
    with in_tenant(w.acme):
        assert TeamMembership.objects.filter(user=w.rep).exists() is allowed


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_framework_agreement(world, api, in_tenant, role):
    w = world
    response = api(getattr(w, role)).post(
        "/api/v1/framework-agreements/",
        {
            "global_account": w.account.pk,
            "name": "Frame",
            "countries": ["DE"],
            "valid_from": "2026-01-01",
        },
        format="json",
    )
    allowed = role in MANAGE_ACCOUNT
    assert response.status_code == (201 if allowed else 403), response.content
    with in_tenant(w.acme):
        assert FrameworkAgreement.objects.filter(name="Frame").exists() is allowed


def test_a_local_account_manager_may_add_contacts_in_their_country_only(world, api, in_tenant):
    w = world
    client = api(w.lam_de)
    ok = client.post(
        "/api/v1/contacts/", {"subsidiary": w.sub_de.pk, "name": "Jonas"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        "/api/v1/contacts/", {"subsidiary": w.sub_se.pk, "name": "Karin"}, format="json"
    )
    assert refused.status_code == 403, refused.content
    with in_tenant(w.acme):
        assert not Contact.objects.filter(name="Karin").exists()


def test_bad_input_and_foreign_ids_stay_400(world, api):
    w = world
    gam = api(w.gam)
    missing = gam.post("/api/v1/framework-agreements/", {"name": "x"}, format="json")
    assert missing.status_code == 400 and "global_account" in missing.json()
    foreign = gam.post(
        "/api/v1/team-members/",
        {"global_account": w.other_account.pk, "user": w.rep.pk, "role": "member"},
        format="json",
    )
    assert foreign.status_code == 400 and "global_account" in foreign.json()
    # A rep's bad input is a 400 before any permission question.
    bad = api(w.rep).post(
        "/api/v1/team-members/", {"global_account": w.account.pk, "role": "boss"}, format="json"
    )
    assert bad.status_code == 400
