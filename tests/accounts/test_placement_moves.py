"""Moving a subsidiary between global accounts is decided on both ends (DESIGN.md, sharing
model): leaving an account takes the right to change that account (its GAM or a tenant admin),
joining one takes the right to place into it. A local account manager or a subsidiary's owner
may change the subsidiary but not move it; they get 403 (the subsidiary is visible to them)
and nothing moves. Over the API and the edit page, per role."""

from __future__ import annotations

import pytest

from accounts.models import Subsidiary
from gam.tenancy import tenant_context
from teams.models import TeamRole
from teams.services import team_member_add
from tests import factories as f

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]


@pytest.fixture
def moves(world):
    """``world`` plus "Nordic Steel Group", whose GAM is lam_de (so lam_de could place
    subsidiaries into it) and where the owner is the local account manager for SE."""
    w = world
    w.nordic = f.GlobalAccountFactory(tenant=w.acme, name="Nordic Steel Group")
    with tenant_context(w.acme):
        team_member_add(account=w.nordic, user=w.lam_de, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        team_member_add(
            account=w.nordic, user=w.owner, role=TeamRole.LOCAL_ACCOUNT_MANAGER, country=w.se
        )
    return w


def _account_of(w, sub):
    with tenant_context(w.acme):
        return Subsidiary.objects.get(pk=sub.pk).global_account_id


# (role, move) -> status. Volvia's DE subsidiary out of Volvia (to no account), from Volvia
# into Nordic, and the local customer (owner's, in SE) into Volvia and into Nordic.
MOVES = {
    "out": {"admin": 200, "gam": 200, "lam_de": 403, "sponsor": 403, "rep": 403, "owner": 403},
    "to_nordic": {
        "admin": 200,
        "gam": 403,  # may leave Volvia, may not place into Nordic
        "lam_de": 403,  # may place into Nordic, may not take it out of Volvia
        "sponsor": 403,
        "rep": 403,
        "owner": 403,
    },
    "local_to_volvia": {
        "admin": 200,
        "gam": 403,  # may not change somebody else's local customer
        "lam_de": 403,
        "sponsor": 403,
        "rep": 403,
        "owner": 403,  # owns it, has no right to place into Volvia
    },
    "local_to_nordic": {
        "admin": 200,
        "gam": 403,
        "lam_de": 403,
        "sponsor": 403,
        "rep": 403,
        "owner": 200,  # its owner, and Nordic's local account manager for SE
    },
}


def _move(w, move):
    return {
        "out": (w.sub_de, None, w.account.pk),
        "to_nordic": (w.sub_de, w.nordic.pk, w.account.pk),
        "local_to_volvia": (w.local_customer, w.account.pk, None),
        "local_to_nordic": (w.local_customer, w.nordic.pk, None),
    }[move]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MOVES))
def test_move_over_the_api(moves, api, role, move):
    w = moves
    sub, to, before = _move(w, move)
    response = api(getattr(w, role)).patch(
        f"/api/v1/subsidiaries/{sub.pk}/", {"global_account": to}, format="json"
    )
    expected = MOVES[move][role]
    assert response.status_code == expected, response.content
    assert _account_of(w, sub) == (to if expected == 200 else before)


def test_other_tenant_gets_404(moves, api):
    w = moves
    response = api(w.other_admin).patch(
        f"/api/v1/subsidiaries/{w.sub_de.pk}/", {"global_account": None}, format="json"
    )
    assert response.status_code == 404
    assert _account_of(w, w.sub_de) == w.account.pk


def test_lam_edits_other_fields_and_the_country_still(moves, api):
    """The refusal is about the move: the local account manager still changes the rest."""
    w = moves
    response = api(w.lam_de).patch(
        f"/api/v1/subsidiaries/{w.sub_de.pk}/",
        {"address": "Hafenstraße 1", "global_account": w.account.pk},
        format="json",
    )
    assert response.status_code == 200, response.content


def _form(w, sub, **extra):
    with tenant_context(w.acme):
        sub = Subsidiary.objects.get(pk=sub.pk)
    data = {
        "name": sub.name,
        "country": sub.country_id,
        "global_account": sub.global_account_id or "",
        "registration_number": sub.registration_number,
        "website": sub.website,
        "address": sub.address,
        "owner": sub.owner_id or "",
        "version": sub.version,
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", list(MOVES))
def test_move_on_the_edit_page(moves, client, role, move):
    w = moves
    sub, to, before = _move(w, move)
    client.force_login(getattr(w, role))
    response = client.post(
        f"/customers/{sub.pk}/edit/", _form(w, sub, global_account=to or "", confirm_duplicate=1)
    )
    if MOVES[move][role] == 200:
        assert response.status_code == 302, response.content
        assert _account_of(w, sub) == to
    else:
        assert response.status_code == 403
        assert _account_of(w, sub) == before


def test_lam_sees_the_account_field_locked(moves, client):
    """On the edit page the local account manager cannot pick another account at all; the
    other fields save as before."""
    w = moves
    client.force_login(w.lam_de)
    response = client.get(f"/customers/{w.sub_de.pk}/edit/")
    assert response.status_code == 200
    assert response.context["form"].fields["global_account"].disabled
    response = client.post(
        f"/customers/{w.sub_de.pk}/edit/", _form(w, w.sub_de, address="Hafenstraße 1")
    )
    assert response.status_code == 302
    with tenant_context(w.acme):
        assert Subsidiary.objects.get(pk=w.sub_de.pk).address == "Hafenstraße 1"
