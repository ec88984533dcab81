"""The customer API beyond the sharing matrix: the other tenant, foreign ids, bad input,
stale versions, duplicate warnings, scoring endpoints, filters and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts import services
from accounts.models import (
    Contact,
    CriterionScore,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from teams.models import TeamMembership, TeamRole
from teams.services import team_member_add
from tests import factories as f

# --- the other tenant -----------------------------------------------------------------------


def _acme_urls(w):
    with_team = TeamMembership.unscoped.filter(global_account=w.account).first()
    return [
        f"/api/v1/global-accounts/{w.account.pk}/",
        f"/api/v1/subsidiaries/{w.sub_se.pk}/",
        f"/api/v1/contacts/{w.contact_se.pk}/",
        f"/api/v1/relationships/{w.rel_gam.pk}/",
        f"/api/v1/framework-agreements/{w.agreement.pk}/",
        f"/api/v1/team-members/{with_team.pk}/",
        f"/api/v1/tiers/{w.gold.pk}/",
        f"/api/v1/selection-criteria/{w.fit.pk}/",
    ]


@pytest.fixture
def config(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        w.gold = services.tier_create(actor=w.admin, name="Gold", rank=1, min_score=Decimal(3))
        w.bronze = services.tier_create(actor=w.admin, name="Bronze", rank=2)
        w.fit = services.criterion_create(actor=w.admin, name="Strategic fit", weight=Decimal(2))
        w.revenue = services.criterion_create(
            actor=w.admin,
            name="Revenue",
            kind="numeric",
            weight=Decimal(1),
            scale_max=Decimal("1000000"),
        )
    return w


def test_the_other_tenant_gets_404_for_every_record_and_method(config, api, in_tenant):
    w = config
    client = api(w.other_admin)
    for url in _acme_urls(w):
        assert client.get(url).status_code == 404, url
        assert client.patch(url, {"name": "Hijack"}, format="json").status_code == 404, url
        assert client.delete(url).status_code == 404, url
    scores = f"/api/v1/global-accounts/{w.account.pk}/criterion-scores/"
    assert client.get(scores).status_code == 404
    assert client.put(scores, {"values": []}, format="json").status_code == 404
    with in_tenant(w.acme):
        assert GlobalAccount.objects.filter(pk=w.account.pk).exists()
        assert Tier.objects.filter(pk=w.gold.pk).exists()
        assert not Subsidiary.objects.filter(name="Hijack").exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "tiers",
        "selection-criteria",
        "global-accounts",
        "subsidiaries",
        "contacts",
        "relationships",
        "framework-agreements",
        "team-members",
    ],
)
def test_lists_of_the_other_tenant_show_nothing_of_acme(config, api, endpoint):
    w = config
    body = api(w.other_admin).get(f"/api/v1/{endpoint}/?page_size=500").json()
    acme_names = {"Volvia Group", "Volvia Sverige AB", "Gold", "Strategic fit", "Sven Svensson"}
    for row in body["results"]:
        assert row.get("name") not in acme_names
        assert row.get("global_account") != w.account.pk
        assert row.get("user") not in (w.gam.pk, w.lam_de.pk, w.sponsor.pk)


def test_requests_without_credentials_are_401(config, api):
    assert api().get("/api/v1/global-accounts/").status_code == 401


# --- foreign ids ----------------------------------------------------------------------------


SUB = {"name": "X AB", "country": "SE"}
FA = {"name": "X", "global_account": "ACCOUNT", "countries": ["SE"], "discount_percent": "5",
      "valid_from": "2026-01-01"}  # fmt: skip
CON = {"name": "X", "subsidiary": "SUB_SE"}


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("subsidiaries", {**SUB, "global_account": "OTHER_ACCOUNT"}, "global_account"),
        ("subsidiaries", {**SUB, "owner": "OTHER_ADMIN"}, "owner"),
        ("subsidiaries", {"name": "X AB", "country": "US"}, "country"),
        ("global-accounts", {"name": "X Group", "tier": "OTHER_TIER"}, "tier"),
        ("contacts", {"name": "X", "subsidiary": "OTHER_SUBSIDIARY"}, "subsidiary"),
        ("contacts", {**CON, "reports_to": "OTHER_CONTACT"}, "reports_to"),
        ("relationships", {"contact": "OTHER_CONTACT", "strength": 2}, "contact"),
        ("relationships", {"contact": "CONTACT_SE", "user": "OTHER_ADMIN", "strength": 2}, "user"),
        ("framework-agreements", {**FA, "global_account": "OTHER_ACCOUNT"}, "global_account"),
        ("framework-agreements", {**FA, "countries": ["SE", "US"]}, "countries"),
    ],
)  # fmt: skip
def test_foreign_ids_are_rejected(config, api, in_tenant, endpoint, body, field):
    w = config
    other_tier = f.TierFactory(tenant=w.globex)
    ids = {
        "OTHER_ACCOUNT": w.other_account.pk,
        "OTHER_ADMIN": w.other_admin.pk,
        "OTHER_TIER": other_tier.pk,
        "OTHER_SUBSIDIARY": w.other_subsidiary.pk,
        "OTHER_CONTACT": w.other_contact.pk,
        "SUB_SE": w.sub_se.pk,
        "CONTACT_SE": w.contact_se.pk,
        "ACCOUNT": w.account.pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    model = {
        "subsidiaries": Subsidiary,
        "global-accounts": GlobalAccount,
        "contacts": Contact,
        "relationships": Relationship,
        "framework-agreements": FrameworkAgreement,
    }[endpoint]
    with in_tenant(w.acme):
        before = model.objects.count()
    response = api(w.admin).post(f"/api/v1/{endpoint}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    with in_tenant(w.acme):
        assert model.objects.count() == before


def test_patching_in_a_foreign_account_is_rejected(config, api, in_tenant):
    w = config
    response = api(w.admin).patch(
        f"/api/v1/subsidiaries/{w.sub_se.pk}/",
        {"global_account": w.other_account.pk},
        format="json",
    )
    assert response.status_code == 400
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(pk=w.sub_se.pk).global_account_id == w.account.pk


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("subsidiaries", {"name": "", "country": "SE"}, "name"),
        ("subsidiaries", {"name": "X", "country": "SE", "website": "not a web site"}, "website"),
        ("subsidiaries", {"name": "X", "country": "SE", "owner": 10**12}, "owner"),
        ("subsidiaries", {"name": ["a"], "country": "SE"}, "name"),
        ("global-accounts", {"name": "Volvia group"}, "name"),
        ("global-accounts", {"name": "X", "headquarters_country": 7}, "headquarters_country"),
        ("contacts", {**CON, "email": "nope"}, "email"),
        ("contacts", {**CON, "buying_role": "king"}, "buying_role"),
        ("contacts", {**CON, "subsidiary": "LOCAL", "reports_to": "CONTACT_SE"}, "reports_to"),
        ("relationships", {"contact": "CONTACT_SE", "strength": 7}, "strength"),
        ("relationships", {"contact": "CONTACT_SE", "strength": 1, "last_contact": "2999-01-01"},
         "last_contact"),
        ("framework-agreements", {**FA, "discount_percent": "150"}, "discount_percent"),
        ("framework-agreements", {**FA, "countries": []}, "countries"),
        ("framework-agreements", {**FA, "valid_from": "2026-06-01", "valid_until": "2026-01-01"},
         "valid_until"),
        ("framework-agreements", {**FA, "valid_from": "junk"}, "valid_from"),
        ("tiers", {"name": "Gold", "rank": 5}, "name"),
        ("tiers", {"name": "Silver", "rank": 1}, "rank"),
        ("tiers", {"name": "Silver", "rank": 3, "min_score": "9"}, "min_score"),
        ("selection-criteria", {"name": "Profit", "kind": "numeric", "weight": "1"}, "scale_max"),
        ("selection-criteria", {"name": "Profit", "kind": "manual", "weight": "-1"}, "weight"),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_400_and_changes_nothing(
    config, api, in_tenant, endpoint, body, field
):
    w = config
    ids = {
        "SUB_SE": w.sub_se.pk,
        "LOCAL": w.local_customer.pk,
        "CONTACT_SE": w.contact_se.pk,
        "ACCOUNT": w.account.pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    models = [Subsidiary, GlobalAccount, Contact, Relationship, FrameworkAgreement, Tier]
    with in_tenant(w.acme):
        before = [m.objects.count() for m in models]
    response = api(w.admin).post(f"/api/v1/{endpoint}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    with in_tenant(w.acme):
        assert [m.objects.count() for m in models] == before


def test_junk_in_filters_and_bodies_is_never_a_500(config, api):
    w = config
    client = api(w.gam)
    for url in [
        "/api/v1/global-accounts/?tier=abc",
        "/api/v1/subsidiaries/?global_account=x",
        "/api/v1/subsidiaries/?owner=-1",
        "/api/v1/global-accounts/?ordering=password",
        "/api/v1/global-accounts/abc/",
        "/api/v1/subsidiaries/99999999999999999999/",
    ]:
        assert client.get(url).status_code in (200, 400, 404), url
    for body in ["[]", '"x"', "{", '{"values": "x"}', '{"values": [{"criterion": "a"}]}']:
        response = client.generic(
            "PUT",
            f"/api/v1/global-accounts/{w.account.pk}/criterion-scores/",
            body,
            content_type="application/json",
        )
        assert response.status_code == 400, body


def test_a_subsidiary_with_opportunities_is_not_deleted(config, api, in_tenant):
    w = config
    with in_tenant(w.acme):
        f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_de)
        f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_de)
    response = api(w.gam).delete(f"/api/v1/subsidiaries/{w.sub_de.pk}/")
    assert response.status_code == 400
    assert "still has 2 opportunities" in response.json()["detail"][0]
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk=w.sub_de.pk).exists()
    response = api(w.admin).delete(f"/api/v1/global-accounts/{w.account.pk}/")
    assert response.status_code == 400 and "2 opportunities" in response.json()["detail"][0]


def test_moving_a_subsidiary_needs_the_right_at_the_destination(config, api, in_tenant):
    w = config
    # the German local account manager may not move "their" subsidiary to France
    response = api(w.lam_de).patch(
        f"/api/v1/subsidiaries/{w.sub_de.pk}/", {"country": "FR"}, format="json"
    )
    assert response.status_code == 400 and "global_account" in response.json()
    # the owner of a local customer may not hang it under Volvia (403: they see it)
    response = api(w.owner).patch(
        f"/api/v1/subsidiaries/{w.local_customer.pk}/",
        {"global_account": w.account.pk},
        format="json",
    )
    assert response.status_code == 403
    # the GAM may, and the opportunities at it follow
    with in_tenant(w.acme):
        opp = f.OpportunityFactory(tenant=w.acme, subsidiary=w.local_customer, owner=w.owner)
        assert opp.global_account_id is None
    response = api(w.admin).patch(
        f"/api/v1/subsidiaries/{w.local_customer.pk}/",
        {"global_account": w.account.pk},
        format="json",
    )
    assert response.status_code == 200
    with in_tenant(w.acme):
        opp.refresh_from_db()
        assert opp.global_account_id == w.account.pk


# --- optimistic concurrency -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["global-accounts", "subsidiaries"])
def test_a_stale_version_is_409_and_saves_nothing(config, api, in_tenant, endpoint):
    w = config
    pk = w.account.pk if endpoint == "global-accounts" else w.sub_se.pk
    url = f"/api/v1/{endpoint}/{pk}/"
    client = api(w.gam)
    version = client.get(url).json()["version"]
    first = client.patch(url, {"website": "volvia.com", "version": version}, format="json")
    assert first.status_code == 200 and first.json()["version"] == version + 1
    stale = client.patch(url, {"website": "volvia.se", "version": version}, format="json")
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    header = client.patch(
        url, {"website": "volvia.de"}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert header.status_code == 409
    model = GlobalAccount if endpoint == "global-accounts" else Subsidiary
    with in_tenant(w.acme):
        assert model.objects.get(pk=pk).website == "volvia.com"
    fresh = client.patch(
        url, {"website": "volvia.de"}, format="json", HTTP_IF_MATCH=f'"{version + 1}"'
    )
    assert fresh.status_code == 200


# --- duplicate warnings ---------------------------------------------------------------------


def test_a_duplicate_is_saved_with_a_warning_that_respects_the_sharing_model(
    config, api, in_tenant
):
    w = config
    with in_tenant(w.acme):
        services.subsidiary_update(
            actor=w.admin, subsidiary=w.sub_de, registration_number="DE811234567"
        )
    # the rep, outside the team, enters Volvia's German company again (VAT without prefix)
    response = api(w.rep).post(
        "/api/v1/subsidiaries/",
        {"name": "Volvia Deutschland", "country": "de", "registration_number": "811 234 567"},
        format="json",
    )
    assert response.status_code == 201, response.content
    warnings = response.json()["warnings"]
    assert len(warnings) == 1
    assert "DE" in warnings[0] and "Greta GAM" in warnings[0]
    assert "Volvia Deutschland GmbH" not in warnings[0] and "Volvia Group" not in warnings[0]
    # the GAM, who sees Volvia's details, is told which record it is
    response = api(w.gam).post(
        "/api/v1/subsidiaries/",
        {"name": "Volvia Deutschland G.m.b.H.", "country": "DE", "website": "volvia.de"},
        format="json",
    )
    text = " ".join(response.json()["warnings"])
    assert "Volvia Deutschland GmbH" in text and "Volvia Group" in text
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(country=w.de).count() == 3


def test_a_duplicate_local_customer_names_its_owner(config, api):
    w = config
    response = api(w.rep).post(
        "/api/v1/subsidiaries/", {"name": "Smaland Verkstad", "country": "SE"}, format="json"
    )
    warnings = response.json()["warnings"]
    assert warnings and "Olle Owner" in warnings[0] and "Småland" not in warnings[0]
    response = api(w.owner).post(
        "/api/v1/subsidiaries/", {"name": "Småland Verkstad Aktiebolag", "country": "SE"},
        format="json",
    )  # fmt: skip
    assert "Småland Verkstad AB" in response.json()["warnings"][0]


# --- scoring endpoints ----------------------------------------------------------------------


def test_criterion_scores_over_the_api(config, api, in_tenant):
    w = config
    url = f"/api/v1/global-accounts/{w.account.pk}/criterion-scores/"
    body = {
        "values": [
            {"criterion": w.fit.pk, "value": "4"},
            {"criterion": w.revenue.pk, "value": "500000"},
        ]
    }
    assert api(w.lam_de).put(url, body, format="json").status_code == 403
    assert api(w.rep).get(url).status_code == 403
    response = api(w.gam).put(url, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    # fit 4 × 2 + revenue 2.5 × 1 = 10.5 / 3 = 3.50 -> Gold (min 3)
    assert data["score"] == "3.50" and data["tier"] == w.gold.pk
    assert [(c["name"], c["points"], c["weighted"]) for c in data["criteria"]] == [
        ("Revenue", "2.50", "0.83"),
        ("Strategic fit", "4.00", "2.67"),
    ]
    assert api(w.sponsor).get(url).json()["score"] == "3.50"
    detail = api(w.gam).get(f"/api/v1/global-accounts/{w.account.pk}/").json()
    assert (detail["score"], detail["tier"]) == ("3.50", w.gold.pk)
    bad = api(w.gam).put(url, {"values": [{"criterion": w.fit.pk, "value": "9"}]}, format="json")
    assert bad.status_code == 400 and "1 to 5" in str(bad.json())
    with in_tenant(w.acme):
        assert CriterionScore.objects.get(criterion=w.fit).value == Decimal("4.00")


def test_tier_override_over_the_api(config, api, in_tenant):
    w = config
    url = f"/api/v1/global-accounts/{w.account.pk}/tier-override/"
    assert api(w.sponsor).post(url, {"tier": w.gold.pk, "reason": "x"}).status_code == 403
    assert api(w.gam).post(url, {"tier": w.gold.pk}, format="json").status_code == 400
    response = api(w.gam).post(url, {"tier": w.gold.pk, "reason": "Strategic"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["tier"] == w.gold.pk and data["tier_override"] is True
    assert data["tier_override_by"] == w.gam.pk and data["tier_override_reason"] == "Strategic"
    response = api(w.gam).delete(url)
    assert response.json()["tier"] == w.bronze.pk and response.json()["tier_override"] is False


def test_configuration_endpoints_are_for_tenant_admins(config, api, in_tenant):
    w = config
    assert api(w.gam).get("/api/v1/tiers/").status_code == 200
    assert api(w.gam).post("/api/v1/tiers/", {"name": "Silver", "rank": 5}).status_code == 403
    assert (
        api(w.gam).patch(f"/api/v1/selection-criteria/{w.fit.pk}/", {"weight": "9"}).status_code
        == 403
    )
    response = api(w.admin).post(
        "/api/v1/tiers/",
        {"name": "Premier", "rank": 0, "min_score": "4.5", "review_interval_days": 30},
        format="json",
    )
    assert response.status_code == 400  # ranks start at 1
    response = api(w.admin).patch(f"/api/v1/tiers/{w.gold.pk}/", {"min_score": "0"}, format="json")
    assert response.status_code == 200
    with in_tenant(w.acme):
        # every account with score >= 0 is Gold now (rank 1 beats Bronze)
        assert set(GlobalAccount.objects.values_list("tier_id", flat=True)) == {w.gold.pk}
    assert api(w.admin).delete(f"/api/v1/selection-criteria/{w.fit.pk}/").status_code == 204
    with in_tenant(w.acme):
        assert not SelectionCriterion.objects.filter(pk=w.fit.pk).exists()


# --- filters --------------------------------------------------------------------------------


def test_filters(config, api, in_tenant):
    w = config
    client = api(w.rep)

    def ids(url):
        return {r["id"] for r in client.get(url).json()["results"]}

    assert ids("/api/v1/global-accounts/?search=volv") == {w.account.pk}
    assert ids("/api/v1/global-accounts/?country=de") == {w.account.pk}  # a subsidiary there
    assert ids(f"/api/v1/global-accounts/?manager={w.gam.pk}") == {w.account.pk}
    assert ids("/api/v1/global-accounts/?manager=none") == {w.other_group.pk}
    assert ids(f"/api/v1/subsidiaries/?global_account={w.account.pk}") == {w.sub_se.pk, w.sub_de.pk}
    assert ids("/api/v1/subsidiaries/?global_account=none") == {w.local_customer.pk}
    assert ids("/api/v1/subsidiaries/?country=SE") == {w.sub_se.pk, w.local_customer.pk}
    assert ids(f"/api/v1/subsidiaries/?owner={w.owner.pk}") == {w.local_customer.pk}
    assert ids("/api/v1/subsidiaries/?search=deutsch") == {w.sub_de.pk}
    names = [
        r["name"] for r in client.get("/api/v1/subsidiaries/?ordering=-name").json()["results"]
    ]
    assert names == sorted(names, reverse=True)
    gam = api(w.gam)
    assert {
        r["id"] for r in gam.get("/api/v1/framework-agreements/?country=fr").json()["results"]
    } == {w.agreement.pk}
    assert gam.get("/api/v1/framework-agreements/?country=se").json()["count"] == 0
    assert gam.get(f"/api/v1/contacts/?subsidiary={w.sub_de.pk}").json()["count"] == 1
    assert gam.get("/api/v1/contacts/?buying_role=decision_maker").json()["count"] == 1
    with in_tenant(w.acme):
        services.tier_override_set(actor=w.admin, account=w.other_group, tier=w.gold, reason="x")
    assert ids(f"/api/v1/global-accounts/?tier={w.gold.pk}") == {w.other_group.pk}


# --- query counts ---------------------------------------------------------------------------


def _grow(w, n):
    """n more of each kind of record, all at Volvia, with team members and relationships."""
    for i in range(n):
        account = f.GlobalAccountFactory(tenant=w.acme, headquarters_country=w.de)
        user = f.UserFactory(tenant=w.acme)
        team_member_add(account=account, user=w.gam, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        team_member_add(account=account, user=user, role=TeamRole.MEMBER)
        sub = f.SubsidiaryFactory(tenant=w.acme, global_account=w.account, country=w.de, owner=user)
        contact = f.ContactFactory(tenant=w.acme, subsidiary=sub, reports_to=w.contact_de)
        Relationship.objects.create(user=user, contact=contact, strength=1 + i % 3)
        f.FrameworkAgreementFactory(
            tenant=w.acme, global_account=w.account, countries=[w.de, w.se],
            valid_from=datetime.date(2025, 1, 1) + datetime.timedelta(days=i),
        )  # fmt: skip


ENDPOINTS = [
    "global-accounts",
    "subsidiaries",
    "contacts",
    "relationships",
    "framework-agreements",
    "team-members",
    "tiers",
    "selection-criteria",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ["admin", "lam_de", "rep"])
def test_list_query_count_is_constant(
    config, api, in_tenant, django_assert_max_num_queries, endpoint, role
):
    w = config
    client = api(getattr(w, role))
    counts = []
    for extra in (3, 17):
        with in_tenant(w.acme):
            _grow(w, extra)
        with django_assert_max_num_queries(8) as ctx:
            response = client.get(f"/api/v1/{endpoint}/?page_size=100")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("role", ["admin", "gam", "rep"])
def test_detail_query_counts_are_constant(
    config, api, in_tenant, django_assert_max_num_queries, role
):
    w = config
    client = api(getattr(w, role))
    urls = [
        f"/api/v1/global-accounts/{w.account.pk}/",
        f"/api/v1/subsidiaries/{w.sub_de.pk}/",
        f"/api/v1/framework-agreements/{w.agreement.pk}/",
    ]
    counts = []
    for extra in (3, 17):
        with in_tenant(w.acme):
            _grow(w, extra)
        row = []
        for url in urls:
            with django_assert_max_num_queries(8) as ctx:
                client.get(url)
            row.append(len(ctx.captured_queries))
        counts.append(row)
    assert counts[0] == counts[1], counts
