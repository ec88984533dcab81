"""The team page of a global account: everyone in the tenant sees the team; its GAM and the
tenant admin add, change and remove members (with confirmation), others get 403, other
tenants 404; guardian permissions follow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.models import TeamMembership, TeamRole
from teams.selectors import can_see_account_details
from teams.services import team_member_add
from tests import factories as f


def _url(w, suffix=""):
    return f"/global-accounts/{w.account.pk}/team/{suffix}"


def _membership(w, user, in_tenant):
    with in_tenant(w.acme):
        return TeamMembership.objects.get(global_account=w.account, user=user)


@pytest.mark.parametrize(
    ("role", "can_manage"),
    [
        ("admin", True),
        ("gam", True),
        ("lam_de", False),
        ("sponsor", False),
        ("rep", False),
        ("owner", False),
    ],
)
def test_team_page_per_role(world, web, role, can_manage, in_tenant):
    response = web(getattr(world, role)).get(_url(world))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ["Greta GAM", "Lukas LAM", "Sofia Sponsor"]:
        assert name in body
    assert "Germany" in body  # the local account manager's country
    assert ("Add a member" in body) == can_manage
    member = _membership(world, world.sponsor, in_tenant)
    assert (_url(world, f"{member.pk}/remove/") in body) == can_manage


@pytest.mark.parametrize("role", ["lam_de", "sponsor", "rep", "owner"])
def test_team_changes_are_refused_to_others(world, web, role, in_tenant):
    client = web(getattr(world, role))
    member = _membership(world, world.sponsor, in_tenant)
    assert client.post(_url(world), {"user": world.rep.pk, "role": "member"}).status_code == 403
    assert client.get(_url(world, f"{member.pk}/")).status_code == 403
    assert client.post(_url(world, f"{member.pk}/"), {"role": "member"}).status_code == 403
    assert client.get(_url(world, f"{member.pk}/remove/")).status_code == 403
    assert client.post(_url(world, f"{member.pk}/remove/")).status_code == 403
    with in_tenant(world.acme):
        assert TeamMembership.objects.filter(global_account=world.account).count() == 3
        assert TeamMembership.objects.get(pk=member.pk).role == TeamRole.SPONSOR


def test_other_tenant_gets_404(world, web, in_tenant):
    client = web(world.other_admin)
    member = _membership(world, world.sponsor, in_tenant)
    for url in [_url(world), _url(world, f"{member.pk}/"), _url(world, f"{member.pk}/remove/")]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"user": world.other_admin.pk, "role": "member"}).status_code == 404
    # Our own admin cannot reach another tenant's account team either.
    other_team = f"/global-accounts/{world.other_account.pk}/team/"
    assert web(world.admin).get(other_team).status_code == 404


def test_gam_adds_changes_and_removes_a_member(world, web, in_tenant):
    client = web(world.gam)
    response = client.post(_url(world), {"user": world.rep.pk, "role": "local_account_manager",
                                         "country": world.fr.pk})  # fmt: skip
    assert response.status_code == 302
    member = _membership(world, world.rep, in_tenant)
    assert (member.role, member.country) == (TeamRole.LOCAL_ACCOUNT_MANAGER, world.fr)
    with in_tenant(world.acme):
        assert can_see_account_details(world.rep, world.account)
    response = client.post(_url(world, f"{member.pk}/"), {"role": "member", "country": ""})
    assert response.status_code == 302
    assert _membership(world, world.rep, in_tenant).role == TeamRole.MEMBER
    confirm = client.get(_url(world, f"{member.pk}/remove/"))
    assert "Remove Rita Rep from the team" in confirm.content.decode()
    with in_tenant(world.acme):
        assert TeamMembership.objects.filter(pk=member.pk).exists()  # GET changes nothing
    assert client.post(_url(world, f"{member.pk}/remove/")).status_code == 302
    with in_tenant(world.acme):
        assert not TeamMembership.objects.filter(pk=member.pk).exists()
        assert not can_see_account_details(world.rep, world.account)


def test_team_rules_come_back_as_form_errors(world, web, in_tenant):
    client = web(world.admin)
    cases = [
        ({"user": world.rep.pk, "role": "global_account_manager"}, "already the global account"),
        ({"user": world.rep.pk, "role": "local_account_manager"}, "needs a country"),
        ({"user": world.rep.pk, "role": "member", "country": world.de.pk}, "Only local account"),
        ({"user": world.sponsor.pk, "role": "member"}, "already on the team"),
        ({"user": world.rep.pk, "role": "boss"}, "valid choice"),
    ]
    for data, message in cases:
        response = client.post(_url(world), data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), data
    with in_tenant(world.acme):
        assert TeamMembership.objects.filter(global_account=world.account).count() == 3


def test_foreign_ids_are_rejected(world, web, in_tenant):
    client = web(world.admin)
    response = client.post(_url(world), {"user": world.other_admin.pk, "role": "member"})
    assert response.context["form"].errors.get("user")
    response = client.post(
        _url(world), {"user": world.rep.pk, "role": "local_account_manager",
                      "country": world.other_se.pk},
    )  # fmt: skip
    assert response.context["form"].errors.get("country")
    with in_tenant(world.acme):
        assert not TeamMembership.objects.filter(user=world.rep).exists()


def test_removing_the_gam_warns_and_frees_the_role(world, web, in_tenant):
    client = web(world.admin)
    gam = _membership(world, world.gam, in_tenant)
    body = client.get(_url(world, f"{gam.pk}/remove/")).content.decode()
    assert "no global account manager" in body
    assert client.post(_url(world, f"{gam.pk}/remove/")).status_code == 302
    world.account.refresh_from_db()
    assert world.account.manager_id is None
    response = client.post(_url(world), {"user": world.rep.pk, "role": "global_account_manager"})
    assert response.status_code == 302
    world.account.refresh_from_db()
    assert world.account.manager_id == world.rep.pk


def test_team_page_queries_stay_flat(
    world, web, in_tenant, django_assert_max_num_queries, settings
):
    settings.COUNT_CACHE_SECONDS = 0  # both sides count (the writes below renew the cache)
    client = web(world.gam)
    client.get(_url(world))
    with CaptureQueriesContext(connection) as small:
        client.get(_url(world))

    with in_tenant(world.acme):
        for i in range(25):
            user = f.UserFactory(tenant=world.acme, country=world.se)
            team_member_add(account=world.account, user=user, role=TeamRole.MEMBER)
            f.CountryFactory(tenant=world.acme, code=f"X{chr(65 + i)}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(_url(world)).status_code == 200
