"""The sharing model of DESIGN.md over the customer API, per role and per method (list,
detail, create, update, delete): global accounts, subsidiaries, framework agreements and
contacts. Team members are in tests/teams/test_team_api.py. The other tenant's admin sees
and changes nothing of acme's (404)."""

from __future__ import annotations

import pytest

from accounts.models import Contact, FrameworkAgreement, GlobalAccount, Subsidiary
from tests import factories as f

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner", "other_admin"]
ACME = ROLES[:-1]

# --- global accounts ------------------------------------------------------------------------

# who sees the details (score, description ...) of Volvia, who may change it
ACCOUNT_DETAILS = {"admin", "gam", "lam_de", "sponsor"}
ACCOUNT_CHANGE = {"admin", "gam"}


@pytest.mark.parametrize("role", ROLES)
def test_global_account_list(customers, api, role):
    w = customers
    body = api(getattr(w, role)).get("/api/v1/global-accounts/").json()
    rows = {r["id"]: r for r in body["results"]}
    if role == "other_admin":
        assert set(rows) == {w.other_account.pk}
        return
    # everyone in the tenant sees that both accounts exist, with tier and GAM
    assert set(rows) == {w.account.pk, w.other_group.pk}
    volvia = rows[w.account.pk]
    assert volvia["manager"] == w.gam.pk and volvia["name"] == "Volvia Group"
    assert volvia["details_visible"] is (role in ACCOUNT_DETAILS)
    assert ("score" in volvia) is (role in ACCOUNT_DETAILS)
    assert ("description" in volvia) is (role in ACCOUNT_DETAILS)
    # nobody but the admin sees the details of the account without a team
    assert rows[w.other_group.pk]["details_visible"] is (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_global_account_detail(customers, api, role):
    w = customers
    response = api(getattr(w, role)).get(f"/api/v1/global-accounts/{w.account.pk}/")
    if role == "other_admin":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    data = response.json()
    for field in ["id", "name", "tier", "headquarters_country", "manager"]:
        assert field in data
    assert data["headquarters_country"] == "SE"
    assert ("score" in data) is (role in ACCOUNT_DETAILS)
    assert data["can_change"] is (role in ACCOUNT_CHANGE)


@pytest.mark.parametrize("role", ROLES)
def test_global_account_create_is_for_tenant_admins(customers, api, in_tenant, role):
    w = customers
    response = api(getattr(w, role)).post(
        "/api/v1/global-accounts/",
        {"name": "Kestrel Industries", "headquarters_country": "de"},
        format="json",
    )
    # globex has no Germany: its admin's country code does not resolve to acme's
    expected = {"admin": 201, "other_admin": 400}.get(role, 403)
    assert response.status_code == expected, response.content
    with in_tenant(w.acme):
        assert GlobalAccount.objects.filter(name="Kestrel Industries").exists() is (role == "admin")
    if role == "admin":
        data = response.json()
        assert data["headquarters_country"] == "DE"
        assert data["manager"] is None and data["score"] == "0.00"


@pytest.mark.parametrize("role", ROLES)
def test_global_account_update(customers, api, in_tenant, role):
    w = customers
    response = api(getattr(w, role)).patch(
        f"/api/v1/global-accounts/{w.account.pk}/",
        {"description": "Trucks and buses"},
        format="json",
    )
    expected = 200 if role in ACCOUNT_CHANGE else 404 if role == "other_admin" else 403
    assert response.status_code == expected, response.content
    with in_tenant(w.acme):
        stored = GlobalAccount.objects.get(pk=w.account.pk).description
    assert (stored == "Trucks and buses") is (role in ACCOUNT_CHANGE)


@pytest.mark.parametrize("role", ROLES)
def test_global_account_delete_is_for_tenant_admins(customers, api, in_tenant, role):
    w = customers
    response = api(getattr(w, role)).delete(f"/api/v1/global-accounts/{w.account.pk}/")
    expected = 204 if role == "admin" else 404 if role == "other_admin" else 403
    assert response.status_code == expected, response.content
    with in_tenant(w.acme):
        assert GlobalAccount.objects.filter(pk=w.account.pk).exists() is (role != "admin")
        if role == "admin":
            # its subsidiaries stay, as local customers; its agreement goes with it
            assert Subsidiary.objects.get(pk=w.sub_de.pk).global_account_id is None
            assert not FrameworkAgreement.objects.filter(pk=w.agreement.pk).exists()


def test_the_manager_is_read_only(customers, api):
    w = customers
    response = api(w.admin).patch(
        f"/api/v1/global-accounts/{w.account.pk}/", {"manager": w.rep.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["manager"] == w.gam.pk


# --- subsidiaries ---------------------------------------------------------------------------

SUBSIDIARY_CHANGE = {
    "admin": {"se", "de", "local"},
    "gam": {"se", "de"},
    "lam_de": {"de"},
    "sponsor": set(),
    "rep": set(),
    "owner": {"local"},
    "other_admin": set(),
}


def _subsidiaries(w):
    return {"se": w.sub_se, "de": w.sub_de, "local": w.local_customer}


@pytest.mark.parametrize("role", ROLES)
def test_subsidiary_list_and_detail(customers, api, role):
    w = customers
    client = api(getattr(w, role))
    body = client.get("/api/v1/subsidiaries/?page_size=500").json()
    listed = {r["id"]: r for r in body["results"]}
    acme = {s.pk for s in _subsidiaries(w).values()}
    if role == "other_admin":
        assert set(listed) == {w.other_subsidiary.pk}
    else:
        # everyone sees every customer, so nobody enters one twice
        assert set(listed) == acme
        for place, sub in _subsidiaries(w).items():
            assert listed[sub.pk]["can_change"] is (place in SUBSIDIARY_CHANGE[role]), place
    for sub in _subsidiaries(w).values():
        expected = 404 if role == "other_admin" else 200
        assert client.get(f"/api/v1/subsidiaries/{sub.pk}/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_subsidiary_update(customers, api, in_tenant, role):
    w = customers
    client = api(getattr(w, role))
    for place, sub in _subsidiaries(w).items():
        response = client.patch(
            f"/api/v1/subsidiaries/{sub.pk}/", {"address": "Changed 1"}, format="json"
        )
        changeable = place in SUBSIDIARY_CHANGE[role]
        expected = 200 if changeable else 404 if role == "other_admin" else 403
        assert response.status_code == expected, (place, response.content)
        with in_tenant(w.acme):
            assert (Subsidiary.objects.get(pk=sub.pk).address == "Changed 1") is changeable


@pytest.mark.parametrize("role", ROLES)
def test_subsidiary_delete(customers, api, in_tenant, role):
    w = customers
    client = api(getattr(w, role))
    for place, sub in _subsidiaries(w).items():
        response = client.delete(f"/api/v1/subsidiaries/{sub.pk}/")
        changeable = place in SUBSIDIARY_CHANGE[role]
        expected = 204 if changeable else 404 if role == "other_admin" else 403
        assert response.status_code == expected, (place, response.content)
        with in_tenant(w.acme):
            assert Subsidiary.objects.filter(pk=sub.pk).exists() is not changeable


# (role, where) -> status: a local customer anyone may enter; under Volvia it takes the GAM,
# the local account manager for that country, or the tenant admin.
SUBSIDIARY_CREATE = {
    "admin": {"local": 201, "DE": 201, "FR": 201},
    "gam": {"local": 201, "DE": 201, "FR": 201},
    "lam_de": {"local": 201, "DE": 201, "FR": 400},
    "sponsor": {"local": 201, "DE": 400, "FR": 400},
    "rep": {"local": 201, "DE": 400, "FR": 400},
    "owner": {"local": 201, "DE": 400, "FR": 400},
}


@pytest.mark.parametrize("role", ACME)
@pytest.mark.parametrize("where", ["local", "DE", "FR"])
def test_subsidiary_create(customers, api, in_tenant, role, where):
    w = customers
    user = getattr(w, role)
    body = {"name": f"Kestrel {where} {role}", "country": "FR" if where == "local" else where}
    if where != "local":
        body["global_account"] = w.account.pk
    response = api(user).post("/api/v1/subsidiaries/", body, format="json")
    expected = SUBSIDIARY_CREATE[role][where]
    assert response.status_code == expected, response.content
    with in_tenant(w.acme):
        created = Subsidiary.objects.filter(name=body["name"]).first()
    if expected == 201:
        assert created.owner == user  # the owner defaults to whoever enters it
        assert response.json()["warnings"] == []
    else:
        assert created is None
        message = response.json()["global_account"][0]
        assert "Greta GAM" in message and where in message


def test_subsidiary_create_in_the_other_tenant_stays_there(customers, api, in_tenant):
    w = customers
    response = api(w.other_admin).post(
        "/api/v1/subsidiaries/", {"name": "Initech Oy", "country": "se"}, format="json"
    )
    assert response.status_code == 201
    with in_tenant(w.acme):
        assert not Subsidiary.objects.filter(name="Initech Oy").exists()


# --- framework agreements -------------------------------------------------------------------

AGREEMENT_VISIBLE = {"admin", "gam", "lam_de", "sponsor"}
AGREEMENT_CHANGE = {"admin", "gam"}


@pytest.mark.parametrize("role", ROLES)
def test_agreement_list_and_detail(customers, api, role):
    w = customers
    client = api(getattr(w, role))
    listed = {r["id"] for r in client.get("/api/v1/framework-agreements/").json()["results"]}
    assert (w.agreement.pk in listed) is (role in AGREEMENT_VISIBLE)
    assert listed <= ({w.other_agreement.pk} if role == "other_admin" else {w.agreement.pk})
    response = client.get(f"/api/v1/framework-agreements/{w.agreement.pk}/")
    assert response.status_code == (200 if role in AGREEMENT_VISIBLE else 404)
    if response.status_code == 200:
        data = response.json()
        assert data["countries"] == ["DE", "FR"]
        assert data["discount_percent"] == "8.00"
        assert data["global_account"] == w.account.pk


@pytest.mark.parametrize("role", ACME)
def test_agreement_create(customers, api, in_tenant, role):
    w = customers
    response = api(getattr(w, role)).post(
        "/api/v1/framework-agreements/",
        {
            "global_account": w.account.pk,
            "name": "Volvia frame 2027",
            "countries": ["se", "DE"],
            "discount_percent": "10.5",
            "shipping_terms": "DAP",
            "valid_from": "2027-01-01",
            "valid_until": "2027-12-31",
        },
        format="json",
    )
    allowed = role in AGREEMENT_CHANGE
    # The account is visible to the whole tenant: a refused create is 403 (another tenant's
    # admin: the id does not resolve, 400).
    refused = 400 if role == "other_admin" else 403
    assert response.status_code == (201 if allowed else refused), response.content
    with in_tenant(w.acme):
        assert FrameworkAgreement.objects.filter(name="Volvia frame 2027").exists() is allowed
    if allowed:
        assert response.json()["countries"] == ["DE", "SE"]
    elif role == "other_admin":
        assert "global_account" in response.json()
    else:
        assert "global account manager" in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_agreement_update_and_delete(customers, api, in_tenant, role):
    w = customers
    client = api(getattr(w, role))
    expected = 200 if role in AGREEMENT_CHANGE else 403 if role in AGREEMENT_VISIBLE else 404
    url = f"/api/v1/framework-agreements/{w.agreement.pk}/"
    response = client.patch(url, {"countries": ["SE"]}, format="json")
    assert response.status_code == expected, response.content
    with in_tenant(w.acme):
        codes = set(
            FrameworkAgreement.objects.get(pk=w.agreement.pk).countries.values_list(
                "code", flat=True
            )
        )
    assert codes == ({"SE"} if role in AGREEMENT_CHANGE else {"DE", "FR"})
    response = client.delete(url)
    assert response.status_code == (204 if expected == 200 else expected)
    with in_tenant(w.acme):
        assert FrameworkAgreement.objects.filter(pk=w.agreement.pk).exists() is (
            role not in AGREEMENT_CHANGE
        )


# --- contacts -------------------------------------------------------------------------------

CONTACT_VISIBLE = {
    "admin": {"se", "de", "local"},
    "gam": {"se", "de"},
    "lam_de": {"se", "de"},
    "sponsor": {"se", "de"},
    "rep": set(),
    "owner": {"local"},
    "other_admin": set(),
}
CONTACT_CHANGE = {
    "admin": {"se", "de", "local"},
    "gam": {"se", "de"},
    "lam_de": {"de"},
    "sponsor": set(),
    "rep": set(),
    "owner": {"local"},
    "other_admin": set(),
}


def _contacts(w):
    return {"se": w.contact_se, "de": w.contact_de, "local": w.contact_local}


@pytest.mark.parametrize("role", ROLES)
def test_contact_list_detail_update_delete(customers, api, in_tenant, role):
    w = customers
    client = api(getattr(w, role))
    listed = {r["id"] for r in client.get("/api/v1/contacts/").json()["results"]}
    contacts = _contacts(w)
    assert listed & {c.pk for c in contacts.values()} == {
        contacts[p].pk for p in CONTACT_VISIBLE[role]
    }
    for place, contact in contacts.items():
        visible = place in CONTACT_VISIBLE[role]
        changeable = place in CONTACT_CHANGE[role]
        url = f"/api/v1/contacts/{contact.pk}/"
        assert client.get(url).status_code == (200 if visible else 404)
        response = client.patch(url, {"attitude": "supporter"}, format="json")
        assert response.status_code == (200 if changeable else 403 if visible else 404), place
        with in_tenant(w.acme):
            assert (Contact.objects.get(pk=contact.pk).attitude == "supporter") is changeable
    for place, contact in contacts.items():
        response = client.delete(f"/api/v1/contacts/{contact.pk}/")
        changeable = place in CONTACT_CHANGE[role]
        visible = place in CONTACT_VISIBLE[role]
        assert response.status_code == (204 if changeable else 403 if visible else 404), place


@pytest.mark.parametrize("role", ACME)
def test_contact_create_needs_the_right_to_change_the_subsidiary(customers, api, in_tenant, role):
    w = customers
    client = api(getattr(w, role))
    for place, sub in _subsidiaries(w).items():
        response = client.post(
            "/api/v1/contacts/",
            {"subsidiary": sub.pk, "name": f"New {place}", "buying_role": "influencer"},
            format="json",
        )
        allowed = place in CONTACT_CHANGE[role]
        # Every subsidiary of the tenant is visible: a refused create is 403.
        assert response.status_code == (201 if allowed else 403), (place, response.content)
        if not allowed:
            assert "may not add contacts" in response.json()["detail"]


# --- relationships --------------------------------------------------------------------------


def test_relationships_follow_the_contacts(customers, api):
    w = customers
    assert [r["id"] for r in api(w.sponsor).get("/api/v1/relationships/").json()["results"]] == [
        w.rel_gam.pk
    ]
    assert api(w.rep).get("/api/v1/relationships/").json()["count"] == 0
    assert api(w.rep).get(f"/api/v1/relationships/{w.rel_gam.pk}/").status_code == 404
    # the sponsor records their own relationship, not someone else's
    own = api(w.sponsor).post(
        "/api/v1/relationships/", {"contact": w.contact_de.pk, "strength": 1}, format="json"
    )
    assert own.status_code == 201 and own.json()["user"] == w.sponsor.pk
    theirs = api(w.sponsor).post(
        "/api/v1/relationships/",
        {"contact": w.contact_de.pk, "user": w.rep.pk, "strength": 1},
        format="json",
    )
    assert theirs.status_code == 400 and "user" in theirs.json()
    # the rep may not see the contact, so cannot link to it
    hidden = api(w.rep).post(
        "/api/v1/relationships/", {"contact": w.contact_de.pk, "strength": 2}, format="json"
    )
    assert hidden.status_code == 400 and "contact" in hidden.json()
    # the German local account manager may record the rep's relationship in Germany
    lam = api(w.lam_de).post(
        "/api/v1/relationships/",
        {"contact": w.contact_de.pk, "user": w.rep.pk, "strength": 3},
        format="json",
    )
    assert lam.status_code == 201
    # a second POST for the same pair updates it
    again = api(w.sponsor).post(
        "/api/v1/relationships/", {"contact": w.contact_de.pk, "strength": 3}, format="json"
    )
    assert again.status_code == 201 and again.json()["id"] == own.json()["id"]
    assert (
        api(w.sponsor)
        .patch(f"/api/v1/relationships/{w.rel_gam.pk}/", {"strength": 1}, format="json")
        .status_code
        == 403
    )
    assert api(w.gam).delete(f"/api/v1/relationships/{w.rel_gam.pk}/").status_code == 204


def test_more_global_accounts_all_listed(customers, api):
    w = customers
    f.GlobalAccountFactory(tenant=w.acme, name="Zeta Holding")
    assert api(w.rep).get("/api/v1/global-accounts/").json()["count"] == 3
