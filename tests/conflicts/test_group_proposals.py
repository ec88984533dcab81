"""Group discovery, the user's side: the "Proposed global accounts" page and its one action
(make a global account from a group: preview, per role, atomic, audited, undone by unlinking),
the link of a group to its existing account, the score and evidence on the conflict page and
in the API, and the confirmation a merge of two probable companies asks for.

The findings are made directly (``make_conflict``), not by the matcher, so that these tests
do not depend on its thresholds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts import services as account_services
from accounts.models import GlobalAccount, Subsidiary
from gam.models import AuditLogEntry
from gam.tenancy import tenant_context
from opportunities import services as opportunity_services
from opportunities.conflicts import services as conflict_services
from opportunities.conflicts.models import Conflict, ConflictEvent
from opportunities.models import Opportunity
from teams.models import TeamMembership, TeamRole
from tests import factories as f
from tests.conflicts.conflict_world import make_conflict


@pytest.fixture
def groups(sales):
    """Three unlinked groups of acme:

    g_bosch   three local customers in FR (rep), DE (owner), SE (sponsor); open pipeline
              at the French one; no global account: a tenant admin may make one
    g_small   two local customers in SE and DE (owner), no pipeline
    g_volvia  a French local customer of the rep that belongs to Volvia Group (GAM gam)
    """
    w = sales
    with tenant_context(w.acme):
        w.bosch_fr = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, owner=w.rep, name="Robert Bosch France SAS"
        )
        w.bosch_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.owner, name="Robert Bosch GmbH"
        )
        w.bosch_se = f.SubsidiaryFactory(
            tenant=w.acme, country=w.se, owner=w.sponsor, name="Bosch Thermoteknik AB"
        )
        w.bosch_deal = opportunity_services.opportunity_create(
            actor=w.rep,
            name="Bosch FR pumps",
            subsidiary=w.bosch_fr,
            product_line=w.pumps,
            stage=w.stages["proposal"],
            amount=Decimal("250000"),
            currency="EUR",
            close_date=datetime.date(2026, 11, 30),
        )
        w.small_se = f.SubsidiaryFactory(
            tenant=w.acme, country=w.se, owner=w.owner, name="Kvarn Nordic AB"
        )
        w.small_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.owner, name="Kvarn GmbH"
        )
        w.volvia_fr = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, owner=w.rep, name="Volvia France SAS"
        )
        w.g_bosch = make_conflict(
            "unlinked_group",
            [("subsidiary", w.bosch_fr), ("subsidiary", w.bosch_de), ("subsidiary", w.bosch_se)],
            countries=["DE", "FR", "SE"],
            score=14.2,
            evidence=["same domain bosch.com", "rare word 'bosch' in all three"],
        )
        w.g_small = make_conflict(
            "unlinked_group",
            [("subsidiary", w.small_se), ("subsidiary", w.small_de)],
            countries=["DE", "SE"],
            score=6.0,
            evidence=["rare word 'kvarn' in both"],
        )
        w.g_volvia = make_conflict(
            "unlinked_group",
            [("subsidiary", w.sub_se), ("subsidiary", w.volvia_fr)],
            global_account=w.account,
            countries=["FR", "SE"],
            score=3.1,
            evidence=["same domain volvia.com"],
        )
    return w


# --- the page ---------------------------------------------------------------------------------


def _positions(body: str, *names: str) -> list[int]:
    return [body.index(n) for n in names]


def test_admin_sees_every_proposal_ranked_by_countries_then_pipeline(groups, web):
    w = groups
    response = web(w.admin).get("/conflicts/proposals/")
    assert response.status_code == 200
    body = response.content.decode()
    bosch, small = _positions(body, "Robert Bosch France SAS", "Kvarn GmbH")
    assert bosch < small  # three countries before two
    assert "Part of Volvia Group" in body
    for text in ("Rita Rep", "FR", "same domain bosch.com", "strong match", "likely match"):
        assert text in body
    assert f'href="/conflicts/{w.g_bosch.pk}/create-account/"' in body
    assert "250,000" in body or "250 000" in body or "250000" in body  # its open pipeline


def test_gam_sees_the_proposals_of_their_account_and_may_link_not_create(groups, web):
    w = groups
    body = web(w.gam).get("/conflicts/proposals/").content.decode()
    assert "Volvia France SAS" in body
    assert "Robert Bosch" not in body and "Kvarn" not in body
    assert "create-account" not in body
    assert "Link this company to Volvia Group" in body


@pytest.mark.parametrize("role", ["rep", "lam_de", "sponsor", "owner"])
def test_others_see_an_empty_page(groups, web, role):
    w = groups
    response = web(getattr(w, role)).get("/conflicts/proposals/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "No proposals right now" in body
    assert "Robert Bosch" not in body and "Volvia France SAS" not in body


def test_pagination_and_constant_queries(groups, web, django_assert_max_num_queries):
    w = groups
    client = web(w.admin)
    client.get("/conflicts/proposals/")  # warm the session and the tenant
    with django_assert_max_num_queries(12):
        small = client.get("/conflicts/proposals/")
    with tenant_context(w.acme):
        for i in range(25):
            a = f.SubsidiaryFactory(tenant=w.acme, country=w.se, name=f"Grp{i} AB")
            b = f.SubsidiaryFactory(tenant=w.acme, country=w.de, name=f"Grp{i} GmbH")
            f.OpportunityFactory(tenant=w.acme, subsidiary=a, product_line=w.pumps)
            make_conflict(
                "unlinked_group",
                [("subsidiary", a), ("subsidiary", b)],
                countries=["DE", "SE"],
                score=5.5,
                evidence=[f"rare word 'grp{i}' in both"],
            )
    with django_assert_max_num_queries(12):
        large = client.get("/conflicts/proposals/")
    assert small.status_code == large.status_code == 200
    body = large.content.decode()
    assert 'rel="next"' in body and "Page 1 of 2" in body
    assert "Robert Bosch France SAS" in body  # still first
    assert client.get("/conflicts/proposals/?page=2").status_code == 200


# --- making the global account ------------------------------------------------------------------


def test_preview_shows_what_will_happen_and_changes_nothing(groups, web, in_tenant):
    w = groups
    with in_tenant(w.acme):
        before = GlobalAccount.objects.count()
    response = web(w.admin).get(f"/conflicts/{w.g_bosch.pk}/create-account/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        'value="Bosch"',  # the words all members share are suggested
        "Robert Bosch France SAS (FR)",
        "Rita Rep — local account manager for FR",
        "Olle Owner — local account manager for DE",
        "Sofia Sponsor — local account manager for SE",
        "same domain bosch.com",
    ):
        assert text in body, text
    with in_tenant(w.acme):
        assert GlobalAccount.objects.count() == before
        assert Conflict.objects.get(pk=w.g_bosch.pk).status == "open"


def test_admin_creates_the_account_in_one_action(groups, web, in_tenant):
    w = groups
    response = web(w.admin).post(
        f"/conflicts/{w.g_bosch.pk}/create-account/",
        {
            "name": "Bosch Group",
            "headquarters_country": w.de.pk,
            "manager": w.gam.pk,
            "add_local_managers": "on",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    with in_tenant(w.acme):
        account = GlobalAccount.objects.get(name="Bosch Group")
        assert response["Location"] == f"/global-accounts/{account.pk}/"
        assert account.headquarters_country == w.de
        assert account.manager == w.gam
        linked = set(Subsidiary.objects.filter(global_account=account).values_list("pk", flat=True))
        assert linked == {w.bosch_fr.pk, w.bosch_de.pk, w.bosch_se.pk}
        # the deal follows its customer into the account
        assert Opportunity.objects.get(pk=w.bosch_deal.pk).global_account_id == account.pk
        team = {
            (m.user_id, m.role, m.country.code if m.country else None)
            for m in TeamMembership.objects.filter(global_account=account)
        }
        assert team == {
            (w.gam.pk, TeamRole.GLOBAL_ACCOUNT_MANAGER, None),
            (w.rep.pk, TeamRole.LOCAL_ACCOUNT_MANAGER, "FR"),
            (w.owner.pk, TeamRole.LOCAL_ACCOUNT_MANAGER, "DE"),
            (w.sponsor.pk, TeamRole.LOCAL_ACCOUNT_MANAGER, "SE"),
        }
        conflict = Conflict.objects.get(pk=w.g_bosch.pk)
        assert conflict.status == "resolved"
        assert conflict.global_account_id == account.pk
        assert ConflictEvent.objects.filter(conflict=conflict, action="account_created").exists()
        assert AuditLogEntry.objects.filter(
            action="conflict.create_account", object_id=str(conflict.pk), actor=w.admin
        ).exists()
        assert AuditLogEntry.objects.filter(action="global_account.create").exists()


def test_without_the_box_nothing_happens(groups, web, in_tenant):
    w = groups
    response = web(w.admin).post(
        f"/conflicts/{w.g_bosch.pk}/create-account/", {"name": "Bosch Group"}
    )
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    with in_tenant(w.acme):
        assert not GlobalAccount.objects.filter(name="Bosch Group").exists()


@pytest.mark.parametrize(
    ("role", "finding", "status"),
    [
        ("gam", "g_bosch", 404),  # not their account's group: they do not see it
        ("gam", "g_volvia", 403),  # they see it, but creating accounts is the admin's
        ("rep", "g_bosch", 403),  # owner of a member: a hint view, no action
        ("lam_de", "g_bosch", 404),
        ("sponsor", "g_volvia", 404),
        ("other_admin", "g_bosch", 404),  # another tenant
    ],
)
def test_only_a_tenant_admin_may_create(groups, web, api, in_tenant, role, finding, status):
    w = groups
    conflict = getattr(w, finding)
    user = getattr(w, role)
    page = web(user).post(
        f"/conflicts/{conflict.pk}/create-account/", {"name": "Bosch Group", "confirm": "on"}
    )
    assert page.status_code == status
    assert web(user).get(f"/conflicts/{conflict.pk}/create-account/").status_code == status
    answer = api(user).post(
        f"/api/v1/conflicts/{conflict.pk}/create-account/", {"name": "Bosch Group"}, format="json"
    )
    assert answer.status_code == status
    with in_tenant(w.acme):
        assert not GlobalAccount.objects.filter(name="Bosch Group").exists()
        assert Conflict.objects.get(pk=conflict.pk).status == "open"


def test_api_preview_and_create(groups, api, in_tenant):
    w = groups
    client = api(w.admin)
    url = f"/api/v1/conflicts/{w.g_bosch.pk}/create-account/"
    preview = client.get(url)
    assert preview.status_code == 200
    data = preview.json()
    assert data["name"] == "Bosch"
    assert {m["id"] for m in data["members"]} == {w.bosch_fr.pk, w.bosch_de.pk, w.bosch_se.pk}
    assert {(m["user"], m["country"]) for m in data["local_account_managers"]} == {
        (w.rep.pk, "FR"),
        (w.owner.pk, "DE"),
        (w.sponsor.pk, "SE"),
    }
    bad = client.post(url, {"name": "Volvia Group"}, format="json")  # taken
    assert bad.status_code == 400
    assert "already exists" in str(bad.json())
    done = client.post(
        url,
        {"name": "Bosch", "headquarters_country": "de", "add_local_managers": False},
        format="json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "resolved"
    with in_tenant(w.acme):
        account = GlobalAccount.objects.get(pk=body["created_global_account"])
        assert body["global_account"] == account.pk
        assert not TeamMembership.objects.filter(global_account=account).exists()
    again = client.post(url, {"name": "Bosch 2"}, format="json")
    assert again.status_code == 400  # closed, and it has its account now


def test_a_failure_midway_leaves_nothing(groups, monkeypatch, in_tenant):
    w = groups
    calls = []
    real = conflict_services._follow_account

    def flaky(subsidiary):
        calls.append(subsidiary.pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        real(subsidiary)

    monkeypatch.setattr(conflict_services, "_follow_account", flaky)
    with in_tenant(w.acme):
        with pytest.raises(RuntimeError):
            conflict_services.group_create_account(
                conflict=w.g_bosch, actor=w.admin, name="Bosch Group", manager=w.gam
            )
        assert not GlobalAccount.objects.filter(name="Bosch Group").exists()
        assert not Subsidiary.objects.filter(
            pk__in=[w.bosch_fr.pk, w.bosch_de.pk, w.bosch_se.pk], global_account__isnull=False
        ).exists()
        assert Opportunity.objects.get(pk=w.bosch_deal.pk).global_account_id is None
        assert (
            not TeamMembership.objects.filter(user=w.rep).exclude(global_account=w.account).exists()
        )
        conflict = Conflict.objects.get(pk=w.g_bosch.pk)
        assert conflict.status == "open" and conflict.global_account_id is None
        assert not ConflictEvent.objects.filter(conflict=conflict, action="account_created")
        assert not AuditLogEntry.objects.filter(action="conflict.create_account").exists()


def test_undo_by_unlinking(groups, in_tenant):
    w = groups
    with in_tenant(w.acme):
        account = conflict_services.group_create_account(
            conflict=w.g_bosch, actor=w.admin, name="Bosch Group"
        )
        for sub in Subsidiary.objects.filter(global_account=account):
            account_services.subsidiary_update(actor=w.admin, subsidiary=sub, global_account=None)
        assert not Subsidiary.objects.filter(global_account=account).exists()
        assert Opportunity.objects.get(pk=w.bosch_deal.pk).global_account_id is None
        account_services.global_account_delete(actor=w.admin, account=account)
        assert not GlobalAccount.objects.filter(name="Bosch Group").exists()
        assert Subsidiary.objects.filter(pk=w.bosch_fr.pk, owner=w.rep).exists()


# --- a group that has its account -------------------------------------------------------------


def test_gam_links_the_group_to_its_account_in_one_action(groups, web, in_tenant):
    w = groups
    response = web(w.gam).post(
        f"/conflicts/{w.g_volvia.pk}/link/",
        {"global_account": w.account.pk, "next": "/conflicts/proposals/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/conflicts/proposals/"
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(pk=w.volvia_fr.pk).global_account_id == w.account.pk
        conflict = Conflict.objects.get(pk=w.g_volvia.pk)
        assert conflict.status == "resolved"
        assert ConflictEvent.objects.filter(conflict=conflict, action="linked").exists()
        assert AuditLogEntry.objects.filter(action="conflict.link").exists()


def test_next_must_stay_on_the_site(groups, web):
    w = groups
    response = web(w.gam).post(
        f"/conflicts/{w.g_volvia.pk}/link/",
        {"global_account": w.account.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/conflicts/{w.g_volvia.pk}/"


@pytest.mark.parametrize(("role", "status"), [("rep", 403), ("lam_de", 404), ("gam2", 404)])
def test_others_may_not_link_the_group(groups, api, in_tenant, role, status):
    w = groups
    with in_tenant(w.acme):
        w.gam2 = f.UserFactory(tenant=w.acme, email="gam2@acme.test", name="Gustav Gam2")
    answer = api(getattr(w, role)).post(
        f"/api/v1/conflicts/{w.g_volvia.pk}/link/",
        {"global_account": w.account.pk},
        format="json",
    )
    assert answer.status_code == status
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(pk=w.volvia_fr.pk).global_account_id is None


def test_conflict_page_offers_link_for_a_group_and_explains_the_evidence(groups, web):
    w = groups
    body = web(w.gam).get(f"/conflicts/{w.g_volvia.pk}/").content.decode()
    assert "Why these records were found" in body
    assert "same domain volvia.com" in body
    assert "possible match" in body
    assert "link them to one global account, not to merge" in body
    assert "Link this company to Volvia Group" in body
    assert "Merge…" not in body
    admin_body = web(w.admin).get(f"/conflicts/{w.g_bosch.pk}/").content.decode()
    assert "strong match" in admin_body
    assert f'href="/conflicts/{w.g_bosch.pk}/create-account/"' in admin_body
    assert "Merge…" not in admin_body
    # the owner of a member sees only the hint: no evidence (it may name the others)
    rep_body = web(w.rep).get(f"/conflicts/{w.g_bosch.pk}/").content.decode()
    assert "Your record is part of a conflict" in rep_body
    assert "bosch.com" not in rep_body and "Robert Bosch GmbH" not in rep_body


# --- the API: score and evidence ----------------------------------------------------------------


def test_api_exposes_score_and_evidence_to_who_handles_it(groups, api):
    w = groups
    rows = api(w.admin).get("/api/v1/conflicts/?kind=unlinked_group&has_global_account=false")
    assert rows.status_code == 200
    data = {r["id"]: r for r in rows.json()["results"]}
    assert set(data) == {w.g_bosch.pk, w.g_small.pk}
    assert data[w.g_bosch.pk]["score"] == pytest.approx(14.2)
    assert data[w.g_bosch.pk]["score_label"] == "strong"
    assert data[w.g_bosch.pk]["evidence"] == [
        "same domain bosch.com",
        "rare word 'bosch' in all three",
    ]
    assert data[w.g_small.pk]["score_label"] == "likely"
    hint = api(w.rep).get(f"/api/v1/conflicts/{w.g_bosch.pk}/").json()
    assert hint["access"] == "hint"
    assert hint["evidence"] == []


def test_schema_documents_score_and_evidence(groups, api):
    schema = api(groups.admin).get("/api/schema/?format=json").json()
    conflict = schema["components"]["schemas"]["Conflict"]["properties"]
    for name in ("score", "score_label", "evidence"):
        assert conflict[name]["readOnly"] is True, name
    assert "create-account" in " ".join(schema["paths"])


# --- merge: probably two companies --------------------------------------------------------------


@pytest.fixture
def doubtful(groups):
    w = groups
    with tenant_context(w.acme):
        w.twin_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.admin, name="Twin GmbH",
            registration_number="HRB 1111",
        )  # fmt: skip
        w.twin_de2 = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.admin, name="Twin GmbH",
            registration_number="HRB 2222",
        )  # fmt: skip
        w.twin_fr = f.SubsidiaryFactory(tenant=w.acme, country=w.fr, owner=w.admin, name="Twin SAS")
        w.same_a = f.SubsidiaryFactory(tenant=w.acme, country=w.de, name="Same GmbH")
        w.same_b = f.SubsidiaryFactory(tenant=w.acme, country=w.de, name="Same Gmbh")
        w.d_numbers = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.twin_de), ("subsidiary", w.twin_de2)],
            countries=["DE"],
        )
        w.d_countries = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.twin_de), ("subsidiary", w.twin_fr)],
            countries=["DE", "FR"],
        )
        w.d_plain = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.same_a), ("subsidiary", w.same_b)],
            countries=["DE"],
        )
    return w


@pytest.mark.parametrize(
    ("finding", "why"),
    [("d_numbers", "different registration numbers"), ("d_countries", "different countries")],
)
def test_api_merge_of_probable_companies_needs_confirm(doubtful, api, in_tenant, finding, why):
    w = doubtful
    conflict = getattr(w, finding)
    survivor = w.twin_de
    url = f"/api/v1/conflicts/{conflict.pk}/merge/"
    client = api(w.admin)
    preview = client.get(url, {"survivor": survivor.pk})
    assert any(why in d for d in preview.json()["doubts"])
    refused = client.post(url, {"survivor": survivor.pk}, format="json")
    assert refused.status_code == 409
    assert why in refused.json()["detail"] and refused.json()["confirm_required"] is True
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk__in=[r["id"] for r in conflict.records]).count() == 2
    done = client.post(url, {"survivor": survivor.pk, "confirm": True}, format="json")
    assert done.status_code == 200, done.content
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk__in=[r["id"] for r in conflict.records]).count() == 1
        event = ConflictEvent.objects.filter(conflict=conflict, action="merged").get()
        assert "Merged despite" in event.note


def test_api_merge_without_doubts_needs_no_confirm(doubtful, api):
    w = doubtful
    answer = api(w.admin).post(
        f"/api/v1/conflicts/{w.d_plain.pk}/merge/", {"survivor": w.same_a.pk}, format="json"
    )
    assert answer.status_code == 200


def test_merge_page_says_why_and_asks_for_the_second_box(doubtful, web, in_tenant):
    w = doubtful
    client = web(w.admin)
    url = f"/conflicts/{w.d_countries.pk}/merge/"
    page = client.get(url, {"survivor": w.twin_de.pk})
    body = page.content.decode()
    assert "This merge is probably wrong" in body and "different countries (DE and FR)" in body
    refused = client.post(url, {"survivor": w.twin_de.pk, "confirm": "on"})
    assert refused.status_code == 400
    assert "tick this box only if you are sure" in refused.content.decode()
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk=w.twin_fr.pk).exists()
    done = client.post(url, {"survivor": w.twin_de.pk, "confirm": "on", "confirm_doubts": "on"})
    assert done.status_code == 302
    with in_tenant(w.acme):
        assert not Subsidiary.objects.filter(pk=w.twin_fr.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"manager": "abc"},
        {"manager": 999999},
        {"headquarters_country": "ZZ"},
        {"name": "x" * 300},
        {"add_local_managers": "maybe"},
        {"name": ["a"]},
    ],
)
def test_api_create_account_bad_input_is_400(groups, api, in_tenant, data):
    w = groups
    url = f"/api/v1/conflicts/{w.g_bosch.pk}/create-account/"
    assert api(w.admin).post(url, data, format="json").status_code == 400
    with in_tenant(w.acme):
        assert Conflict.objects.get(pk=w.g_bosch.pk).status == "open"


def test_api_create_account_of_another_kind_or_a_foreign_user_is_400(groups, api, in_tenant):
    w = groups
    with in_tenant(w.acme):
        duplicate = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.small_se), ("subsidiary", w.small_de)],
            countries=["DE", "SE"],
        )
    client = api(w.admin)
    assert client.get(f"/api/v1/conflicts/{duplicate.pk}/create-account/").status_code == 400
    assert client.get(f"/api/v1/conflicts/{w.g_volvia.pk}/create-account/").status_code == 400
    foreign = client.post(
        f"/api/v1/conflicts/{w.g_bosch.pk}/create-account/",
        {"manager": w.other_admin.pk},
        format="json",
    )
    assert foreign.status_code == 400
    junk = client.post(
        f"/api/v1/conflicts/{duplicate.pk}/merge/",
        {"survivor": w.small_se.pk, "confirm": "perhaps"},
        format="json",
    )
    assert junk.status_code == 400
