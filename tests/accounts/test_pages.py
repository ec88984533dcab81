"""Pages of customers: what each role of the sharing model sees and may change, other
tenants, foreign ids in forms, the duplicate warning before save, stale versions, CSV
exports, settings pages, and query counts that stay flat as rows grow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts import services
from accounts.models import (
    Contact,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from tests import factories as f

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]


@pytest.fixture
def crm(world, in_tenant):
    """``world`` plus tiers, criteria, contacts, a relationship and an agreement."""
    w = world
    with in_tenant(w.acme):
        w.gold = services.tier_create(actor=w.admin, name="Gold", rank=1, min_score=Decimal(3))
        w.silver = services.tier_create(actor=w.admin, name="Silver", rank=2, min_score=0)
        w.fit = services.criterion_create(actor=w.admin, name="Strategic fit", weight=Decimal(2))
        w.revenue = services.criterion_create(
            actor=w.admin,
            name="Annual revenue",
            kind=SelectionCriterion.Kind.NUMERIC,
            weight=Decimal(1),
            scale_max=Decimal(1_000_000),
        )
        services.criterion_scores_set(
            actor=w.admin,
            account=w.account,
            values={w.fit.pk: Decimal(4), w.revenue.pk: Decimal(500_000)},
        )
        w.ceo = services.contact_create(
            actor=w.gam,
            subsidiary=w.sub_se,
            name="Cecilia CEO",
            title="CEO",
            buying_role=Contact.BuyingRole.DECISION_MAKER,
            attitude=Contact.Attitude.SUPPORTER,
        )
        w.buyer = services.contact_create(
            actor=w.lam_de,
            subsidiary=w.sub_de,
            name="Bernd Buyer",
            title="Einkauf",
            buying_role=Contact.BuyingRole.GATEKEEPER,
            attitude=Contact.Attitude.CRITIC,
            reports_to=w.ceo,
        )
        w.local_contact = services.contact_create(
            actor=w.owner, subsidiary=w.local_customer, name="Lars Local"
        )
        w.rel = services.relationship_set(actor=w.gam, user=w.gam, contact=w.ceo, strength=3)
        w.agreement = services.framework_agreement_create(
            actor=w.gam,
            global_account=w.account,
            name="Volvia frame 2026",
            countries=[w.se, w.de],
            discount_percent=Decimal("12.5"),
            valid_from=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2027, 12, 31),
        )
        w.account.refresh_from_db()
    return w


def _body(response) -> str:
    return response.content.decode()


# --- the global account list ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_lists_global_accounts_with_tier_and_gam(crm, web, role):
    response = web(getattr(crm, role)).get("/global-accounts/")
    assert response.status_code == 200
    body = _body(response)
    assert "Volvia Group" in body and "Greta GAM" in body and "Gold" in body
    assert "Initech" not in body  # other tenant
    assert ("New global account" in body) == (role == "admin")


def test_list_filters_by_tier_country_gam_and_search(crm, web, in_tenant):
    with in_tenant(crm.acme):
        other = f.GlobalAccountFactory(
            tenant=crm.acme, name="Nordbank", headquarters_country=crm.fr
        )
    client = web(crm.rep)

    def names(query):
        return [a.name for a in client.get(f"/global-accounts/?{query}").context["page"]]

    assert names("") == ["Nordbank", "Volvia Group"]
    assert names(f"tier={crm.gold.pk}") == ["Volvia Group"]
    assert names("tier=none") == ["Nordbank"]
    assert names("country=de") == ["Volvia Group"]  # a subsidiary there
    assert names("country=FR") == ["Nordbank"]  # headquarters there
    assert names(f"gam={crm.gam.pk}") == ["Volvia Group"]
    assert names("gam=none") == ["Nordbank"]
    assert names("q=volv") == ["Volvia Group"]
    assert names("q=nothing") == []
    assert "No global account matches" in _body(client.get("/global-accounts/?q=nothing"))
    assert names("tier=junk&gam=junk&page=junk") == ["Nordbank", "Volvia Group"]
    row = client.get("/global-accounts/?q=volvia").context["page"][0]
    assert (row.subsidiary_count, row.country_count) == (2, 2)
    assert other.pk


def test_global_account_csv_export(crm, web):
    response = web(crm.sponsor).get("/global-accounts/?format=csv&country=SE")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Id,Name,Tier,Global account manager")
    assert lines[1].split(",", 1)[1].startswith("Volvia Group,Gold,Greta GAM,SE,2,2")
    assert len(lines) == 2


def test_other_tenant_lists_show_nothing_of_ours(crm, web):
    client = web(crm.other_admin)
    for url in ["/global-accounts/", "/global-accounts/?format=csv", "/customers/",
                "/customers/?format=csv"]:  # fmt: skip
        response = client.get(url)
        body = (
            b"".join(response.streaming_content).decode()
            if response.streaming
            else response.content.decode()
        )
        assert "Volvia" not in body and "Småland" not in body, url
        assert "Initech" in body, url


# --- the global account page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "on_team", "can_change"),
    [
        ("admin", True, True),
        ("gam", True, True),
        ("lam_de", True, False),
        ("sponsor", True, False),
        ("rep", False, False),
        ("owner", False, False),
    ],
)
def test_account_page_per_role(crm, web, role, on_team, can_change):
    response = web(getattr(crm, role)).get(f"/global-accounts/{crm.account.pk}/")
    assert response.status_code == 200
    body = _body(response)
    # Everyone: name, tier, GAM, subsidiaries by country and the team.
    for text in ["Volvia Group", "Gold", "Greta GAM", "Volvia Sverige AB",
                 "Volvia Deutschland GmbH", "Lukas LAM", "Sofia Sponsor"]:  # fmt: skip
        assert text in body, text
    # Only the team (and admins): contacts, agreements, map, score, history.
    for text in ["Cecilia CEO", "Volvia frame 2026", "Who knows whom", "Strategic fit",
                 "History of changes", "<svg"]:  # fmt: skip
        assert (text in body) == on_team, (role, text)
    assert (f"/global-accounts/{crm.account.pk}/edit/" in body) == can_change
    assert (f'/global-accounts/{crm.account.pk}/team/"' in body) == can_change
    assert (f"/global-accounts/{crm.account.pk}/delete/" in body) == (role == "admin")
    assert "Lars Local" not in body


def test_account_page_groups_subsidiaries_by_country(crm, web):
    response = web(crm.gam).get(f"/global-accounts/{crm.account.pk}/")
    groups = response.context["groups"]
    assert [(c.code, [s.name for s in subs]) for c, subs in groups] == [
        ("DE", ["Volvia Deutschland GmbH"]),
        ("SE", ["Volvia Sverige AB"]),
    ]


def test_lam_may_edit_only_subsidiaries_in_their_country_from_the_account_page(crm, web):
    body = _body(web(crm.lam_de).get(f"/global-accounts/{crm.account.pk}/"))
    assert f"/customers/{crm.sub_de.pk}/edit/" in body
    assert f"/customers/{crm.sub_se.pk}/edit/" not in body


def test_account_page_shows_the_relationship_map(crm, web):
    response = web(crm.sponsor).get(f"/global-accounts/{crm.account.pk}/")
    rel_map = response.context["relationship_map"]
    assert [n.label for n in rel_map.users] == ["Greta GAM"]
    assert {n.label for n in rel_map.contacts} == {"Cecilia CEO", "Bernd Buyer"}
    assert len(rel_map.edges) == 1 and rel_map.edges[0].width == 4.5  # strong
    assert len(rel_map.arcs) == 1  # Bernd reports to Cecilia
    body = _body(response)
    assert "reports to" in body and "Greta GAM ↔ Cecilia CEO" in body


def test_account_page_history_shows_who_changed_what(crm, web, in_tenant):
    with in_tenant(crm.acme):
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        services.global_account_update(actor=crm.gam, account=account, industry="Trucks")
        sub = Subsidiary.objects.get(pk=crm.sub_de.pk)
        services.subsidiary_update(actor=crm.lam_de, subsidiary=sub, website="volvia.de")
        services.contact_update(actor=crm.gam, contact=crm.ceo, title="Chief executive")
        agreement = FrameworkAgreement.objects.get(pk=crm.agreement.pk)
        services.framework_agreement_update(
            actor=crm.gam, agreement=agreement, countries=[crm.de, crm.fr]
        )
    changes = web(crm.gam).get(f"/global-accounts/{crm.account.pk}/").context["changes"]
    described = {
        (c.who.display_name if c.who else None, c.object_name, f.field, str(f.old), str(f.new))
        for c in changes
        for f in c.changes
    }
    assert ("Greta GAM", "Volvia Group", "industry", "", "Trucks") in described
    assert ("Lukas LAM", "Volvia Deutschland GmbH", "website", "", "volvia.de") in described
    assert ("Greta GAM", "Cecilia CEO", "title", "CEO", "Chief executive") in described
    assert any(c.action == "+" and c.object_name == "Volvia frame 2026" for c in changes)
    assert (
        "Volvia frame 2026",
        "countries",
        "Germany (DE), Sweden (SE)",
        "France (FR), Germany (DE)",
    ) in {(c.object_name, f.field, f.old, f.new) for c in changes for f in c.changes}


def test_account_page_conflict_count_and_links(crm, web):
    response = web(crm.gam).get(f"/global-accounts/{crm.account.pk}/")
    assert response.context["open_conflicts"] == 0
    body = _body(response)
    assert f"/dashboards/accounts/{crm.account.pk}/" in body
    assert f"/global-accounts/{crm.account.pk}/timeline/" in body
    try:
        conflicts = reverse("conflicts:conflict_list")
    except NoReverseMatch:
        conflicts = None
    if conflicts:
        assert f"{conflicts}?global_account={crm.account.pk}" in body


@pytest.mark.parametrize(
    ("role", "sees"),
    [("admin", True), ("gam", True), ("lam_de", True), ("sponsor", True), ("rep", False)],
)
def test_subsidiary_page_lists_opportunities_only_for_those_who_see_them(crm, web, role, sees):
    f.OpportunityFactory(tenant=crm.acme, subsidiary=crm.sub_de, name="Hamburg valves")
    body = _body(web(getattr(crm, role)).get(f"/customers/{crm.sub_de.pk}/"))
    assert ("Hamburg valves" in body) == sees


def test_other_tenant_gets_404_on_every_customer_page(crm, web):
    client = web(crm.other_admin)
    a, s = crm.account.pk, crm.sub_se.pk
    urls = [
        f"/global-accounts/{a}/", f"/global-accounts/{a}/edit/", f"/global-accounts/{a}/delete/",
        f"/global-accounts/{a}/tier/", f"/global-accounts/{a}/scores/",
        f"/global-accounts/{a}/agreements/new/", f"/agreements/{crm.agreement.pk}/edit/",
        f"/agreements/{crm.agreement.pk}/delete/", f"/customers/{s}/", f"/customers/{s}/edit/",
        f"/customers/{s}/delete/", f"/customers/{s}/contacts/new/",
        f"/contacts/{crm.ceo.pk}/edit/", f"/contacts/{crm.ceo.pk}/delete/",
        f"/contacts/{crm.ceo.pk}/relationships/new/", f"/relationships/{crm.rel.pk}/delete/",
        f"/settings/accounts/tiers/{crm.gold.pk}/", f"/settings/accounts/criteria/{crm.fit.pk}/",
        f"/settings/accounts/tiers/{crm.gold.pk}/delete/",
    ]  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Hijack"}).status_code == 404, url


def test_missing_records_are_404(crm, web):
    client = web(crm.admin)
    for url in ["/global-accounts/999999/", "/customers/999999/", "/contacts/999999/edit/"]:
        assert client.get(url).status_code == 404


# --- global account forms -------------------------------------------------------------------


def test_only_admins_create_global_accounts(crm, web, in_tenant):
    for role in ["gam", "lam_de", "rep"]:
        assert web(getattr(crm, role)).get("/global-accounts/new/").status_code == 403
        assert (
            web(getattr(crm, role)).post("/global-accounts/new/", {"name": "X"}).status_code == 403
        )
    response = web(crm.admin).post(
        "/global-accounts/new/", {"name": "Nordbank", "headquarters_country": crm.fr.pk}
    )
    assert response.status_code == 302
    with in_tenant(crm.acme):
        assert GlobalAccount.objects.get(name="Nordbank").headquarters_country == crm.fr


def test_create_rejects_foreign_ids_and_duplicate_names(crm, web, in_tenant):
    client = web(crm.admin)
    response = client.post(
        "/global-accounts/new/", {"name": "Nordbank", "headquarters_country": crm.other_se.pk}
    )
    assert response.context["form"].errors.get("headquarters_country")
    response = client.post("/global-accounts/new/", {"name": "volvia group"})
    assert "already exists" in str(response.context["form"].errors)
    with in_tenant(crm.acme):
        assert not GlobalAccount.objects.filter(name="Nordbank").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 302), ("gam", 302), ("lam_de", 403), ("sponsor", 403), ("rep", 403)],
)
def test_who_edits_a_global_account(crm, web, role, status, in_tenant):
    client = web(getattr(crm, role))
    url = f"/global-accounts/{crm.account.pk}/edit/"
    assert client.get(url).status_code == (200 if status == 302 else 403)
    response = client.post(
        url, {"name": "Volvia Group", "industry": "Trucks", "version": crm.account.version}
    )
    assert response.status_code == status
    with in_tenant(crm.acme):
        assert (GlobalAccount.objects.get(pk=crm.account.pk).industry == "Trucks") == (
            status == 302
        )


def test_stale_version_is_refused_with_a_clear_message(crm, web, in_tenant):
    client = web(crm.gam)
    url = f"/global-accounts/{crm.account.pk}/edit/"
    read_version = client.get(url).context["form"]["version"].value()
    with in_tenant(crm.acme):
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        services.global_account_update(actor=crm.admin, account=account, industry="Mining")
    response = client.post(
        url, {"name": "Volvia Group", "industry": "Trucks", "version": read_version}
    )
    assert response.status_code == 200
    assert "changed by someone else" in _body(response)
    with in_tenant(crm.acme):
        assert GlobalAccount.objects.get(pk=crm.account.pk).industry == "Mining"


def test_tier_override_with_reason_and_clear(crm, web, in_tenant):
    client = web(crm.gam)
    url = f"/global-accounts/{crm.account.pk}/tier/"
    response = client.post(url, {"tier": crm.silver.pk, "reason": ""})
    assert response.context["form"].errors.get("reason")
    response = client.post(url, {"tier": crm.silver.pk, "reason": "Merger pending"})
    assert response.status_code == 302
    with in_tenant(crm.acme):
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        assert (account.tier, account.tier_override, account.tier_override_by) == (
            crm.silver,
            True,
            crm.gam,
        )
    body = _body(client.get(f"/global-accounts/{crm.account.pk}/"))
    assert "Merger pending" in body and "set by hand" in body
    assert client.post(url, {"clear": "1"}).status_code == 302
    with in_tenant(crm.acme):
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        assert (account.tier, account.tier_override) == (crm.gold, False)
    assert web(crm.lam_de).post(url, {"tier": crm.silver.pk, "reason": "x"}).status_code == 403
    foreign_tier = f.TierFactory(tenant=crm.globex)
    response = web(crm.gam).post(url, {"tier": foreign_tier.pk, "reason": "x"})
    assert response.context["form"].errors.get("tier")


def test_criterion_scores_recompute_the_score(crm, web, in_tenant):
    client = web(crm.gam)
    url = f"/global-accounts/{crm.account.pk}/scores/"
    form = client.get(url).context["form"]
    assert form[f"criterion_{crm.fit.pk}"].value() == "4"
    response = client.post(
        url, {f"criterion_{crm.fit.pk}": "1", f"criterion_{crm.revenue.pk}": "0"}
    )
    assert response.status_code == 302
    with in_tenant(crm.acme):
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        assert account.score == Decimal("0.67") and account.tier == crm.silver
    response = client.post(url, {f"criterion_{crm.fit.pk}": "9"})
    assert response.status_code == 200 and response.context["form"].errors
    assert web(crm.sponsor).get(url).status_code == 403


def test_admin_deletes_a_global_account_after_confirmation(crm, web, in_tenant):
    url = f"/global-accounts/{crm.account.pk}/delete/"
    assert web(crm.gam).get(url).status_code == 403
    client = web(crm.admin)
    response = client.get(url)
    assert response.status_code == 200 and "Yes, delete" in _body(response)
    with in_tenant(crm.acme):
        assert GlobalAccount.objects.filter(pk=crm.account.pk).exists()
    assert client.post(url).status_code == 302
    with in_tenant(crm.acme):
        assert not GlobalAccount.objects.filter(pk=crm.account.pk).exists()
        assert Subsidiary.objects.get(pk=crm.sub_se.pk).global_account is None


# --- subsidiaries ---------------------------------------------------------------------------


def _subsidiary_form(w, **extra):
    data = {
        "name": "Brand New Kunde GmbH",
        "country": w.de.pk,
        "global_account": w.account.pk,
        "registration_number": "",
        "website": "",
        "address": "",
        "owner": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_everyone_lists_customers(crm, web, role):
    body = _body(web(getattr(crm, role)).get("/customers/"))
    for name in ["Volvia Sverige AB", "Volvia Deutschland GmbH", "Småland Verkstad AB"]:
        assert name in body
    assert "Initech" not in body


def test_customer_list_filters_and_csv(crm, web):
    client = web(crm.owner)

    def names(query):
        return [s.name for s in client.get(f"/customers/?{query}").context["page"]]

    assert names("country=de") == ["Volvia Deutschland GmbH"]
    assert names("global_account=none") == ["Småland Verkstad AB"]
    assert names(f"global_account={crm.account.pk}") == [
        "Volvia Deutschland GmbH",
        "Volvia Sverige AB",
    ]
    assert names("owner=me") == ["Småland Verkstad AB"]
    assert names(f"owner={crm.owner.pk}") == ["Småland Verkstad AB"]
    assert names("q=verkstad") == ["Småland Verkstad AB"]
    response = client.get("/customers/?format=csv&country=DE")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[1].split(",", 1)[1].startswith("Volvia Deutschland GmbH,DE,Volvia Group,Greta GAM")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("role", "sees_contacts", "can_change"),
    [
        ("admin", True, True),
        ("gam", True, True),
        ("lam_de", True, True),
        ("sponsor", True, False),
        ("rep", False, False),
        ("owner", False, False),
    ],
)
def test_subsidiary_page_per_role(crm, web, role, sees_contacts, can_change):
    response = web(getattr(crm, role)).get(f"/customers/{crm.sub_de.pk}/")
    assert response.status_code == 200
    body = _body(response)
    assert "Volvia Deutschland GmbH" in body and "Volvia Group" in body
    assert ("Bernd Buyer" in body) == sees_contacts
    assert ("History of changes" in body) == sees_contacts
    assert (f"/customers/{crm.sub_de.pk}/edit/" in body) == can_change
    assert (f"/customers/{crm.sub_de.pk}/contacts/new/" in body) == can_change


def test_local_customer_page_is_for_its_owner_and_admin_in_detail(crm, web):
    url = f"/customers/{crm.local_customer.pk}/"
    for role, sees in [("owner", True), ("admin", True), ("gam", False), ("rep", False)]:
        body = _body(web(getattr(crm, role)).get(url))
        assert "Småland Verkstad AB" in body
        assert ("Lars Local" in body) == sees, role


@pytest.mark.parametrize(
    ("role", "sub", "status"),
    [
        ("admin", "sub_se", 200),
        ("gam", "sub_se", 200),
        ("lam_de", "sub_de", 200),
        ("lam_de", "sub_se", 403),
        ("sponsor", "sub_de", 403),
        ("rep", "sub_de", 403),
        ("owner", "local_customer", 200),
        ("rep", "local_customer", 403),
        ("gam", "local_customer", 403),
    ],
)
def test_who_may_open_the_subsidiary_edit_form(crm, web, role, sub, status):
    subsidiary = getattr(crm, sub)
    client = web(getattr(crm, role))
    assert client.get(f"/customers/{subsidiary.pk}/edit/").status_code == status
    assert client.get(f"/customers/{subsidiary.pk}/delete/").status_code == status


def test_lam_cannot_move_a_subsidiary_out_of_their_country(crm, web, in_tenant):
    client = web(crm.lam_de)
    response = client.post(
        f"/customers/{crm.sub_de.pk}/edit/",
        _subsidiary_form(crm, name="Volvia Deutschland GmbH", country=crm.fr.pk,
                         version=crm.sub_de.version),
    )  # fmt: skip
    assert response.status_code == 200
    assert "place subsidiaries of “Volvia Group” only in DE" in _body(response)
    assert response.context["form"].errors.get("country")
    with in_tenant(crm.acme):
        assert Subsidiary.objects.get(pk=crm.sub_de.pk).country == crm.de
    # In their own country the same edit goes through.
    response = client.post(
        f"/customers/{crm.sub_de.pk}/edit/",
        _subsidiary_form(crm, name="Volvia Deutschland GmbH", website="volvia.de",
                         version=crm.sub_de.version),
    )  # fmt: skip
    assert response.status_code == 302
    # And a POST to a subsidiary outside their country is refused outright.
    response = client.post(
        f"/customers/{crm.sub_se.pk}/edit/",
        _subsidiary_form(crm, name="Hacked", country=crm.se.pk),
    )
    assert response.status_code == 403


def test_lam_creates_subsidiaries_only_in_their_country(crm, web, in_tenant):
    client = web(crm.lam_de)
    response = client.post("/customers/new/", _subsidiary_form(crm, country=crm.fr.pk))
    assert response.status_code == 200
    assert "only in DE" in str(response.context["form"].errors.get("country"))
    # On a team without a country role the service's refusal names the account instead.
    response = web(crm.sponsor).post("/customers/new/", _subsidiary_form(crm))
    assert "You may not add subsidiaries in DE" in str(
        response.context["form"].errors.get("global_account")
    )
    client = web(crm.lam_de)
    response = client.post("/customers/new/", _subsidiary_form(crm))
    assert response.status_code == 302
    with in_tenant(crm.acme):
        created = Subsidiary.objects.get(name="Brand New Kunde GmbH")
        assert (created.country, created.global_account, created.owner) == (
            crm.de,
            crm.account,
            crm.lam_de,
        )


def test_duplicate_warning_names_account_and_gam_before_saving(crm, web, in_tenant):
    client = web(crm.rep)
    data = _subsidiary_form(
        crm, name="VOLVIA SVERIGE Aktiebolag", country=crm.se.pk, global_account=""
    )
    response = client.post("/customers/new/", data)
    assert response.status_code == 200
    body = _body(response)
    assert "This customer may exist already" in body
    assert "Volvia Sverige AB" in body and "Volvia Group" in body and "Greta GAM" in body
    assert f"/customers/{crm.sub_se.pk}/" in body  # open the existing one
    with in_tenant(crm.acme):
        assert Subsidiary.objects.count() == 3  # nothing saved yet
    response = client.post("/customers/new/", {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    with in_tenant(crm.acme):
        assert Subsidiary.objects.filter(name="VOLVIA SVERIGE Aktiebolag").exists()


def test_duplicate_warning_on_registration_number_and_domain(crm, web, in_tenant):
    with in_tenant(crm.acme):
        sub = Subsidiary.objects.get(pk=crm.sub_se.pk)
        services.subsidiary_update(
            actor=crm.gam, subsidiary=sub, registration_number="556012-5790",
            website="https://www.volvia.se",
        )  # fmt: skip
    client = web(crm.rep)
    for extra in [{"registration_number": "SE556012579001"}, {"website": "volvia.se/kontakt"}]:
        data = _subsidiary_form(crm, name="Totally Different AB", country=crm.se.pk,
                                global_account="", **extra)  # fmt: skip
        response = client.post("/customers/new/", data)
        assert response.status_code == 200, extra
        assert [m.subsidiary.pk for m in response.context["matches"]] == [crm.sub_se.pk]


def test_editing_without_touching_matching_fields_asks_nothing(crm, web):
    response = web(crm.gam).post(
        f"/customers/{crm.sub_se.pk}/edit/",
        _subsidiary_form(crm, name="Volvia Sverige AB", country=crm.se.pk,
                         address="Göteborg", version=crm.sub_se.version),
    )  # fmt: skip
    assert response.status_code == 302


def test_subsidiary_stale_version(crm, web, in_tenant):
    client = web(crm.gam)
    url = f"/customers/{crm.sub_se.pk}/edit/"
    version = client.get(url).context["form"]["version"].value()
    with in_tenant(crm.acme):
        sub = Subsidiary.objects.get(pk=crm.sub_se.pk)
        services.subsidiary_update(actor=crm.admin, subsidiary=sub, address="Mölndal")
    response = client.post(
        url,
        _subsidiary_form(crm, name="Volvia Sverige AB", country=crm.se.pk, address="Göteborg",
                         version=version),
    )  # fmt: skip
    assert "changed by someone else" in _body(response)
    with in_tenant(crm.acme):
        assert Subsidiary.objects.get(pk=crm.sub_se.pk).address == "Mölndal"


def test_subsidiary_form_rejects_foreign_ids(crm, web, in_tenant):
    client = web(crm.admin)
    for field, value in [
        ("country", crm.other_se.pk),
        ("global_account", crm.other_account.pk),
        ("owner", crm.other_admin.pk),
    ]:
        response = client.post("/customers/new/", _subsidiary_form(crm, **{field: value}))
        assert response.status_code == 200, field
        assert response.context["form"].errors.get(field), field
    with in_tenant(crm.acme):
        assert not Subsidiary.objects.filter(name="Brand New Kunde GmbH").exists()


def test_subsidiary_delete_needs_confirmation(crm, web, in_tenant):
    client = web(crm.owner)
    url = f"/customers/{crm.local_customer.pk}/delete/"
    assert "Yes, delete" in _body(client.get(url))
    assert client.post(url).status_code == 302
    with in_tenant(crm.acme):
        assert not Subsidiary.objects.filter(pk=crm.local_customer.pk).exists()


# --- contacts and relationships -------------------------------------------------------------


def test_contacts_follow_the_subsidiary_rights(crm, web, in_tenant):
    data = {
        "name": "Dora Director",
        "title": "CFO",
        "email": "dora@volvia.de",
        "phone": "",
        "buying_role": "influencer",
        "attitude": "neutral",
        "reports_to": crm.ceo.pk,
    }
    assert (
        web(crm.sponsor).post(f"/customers/{crm.sub_de.pk}/contacts/new/", data).status_code == 403
    )
    assert web(crm.rep).get(f"/customers/{crm.sub_de.pk}/contacts/new/").status_code == 404
    assert (
        web(crm.lam_de).post(f"/customers/{crm.sub_se.pk}/contacts/new/", data).status_code == 403
    )
    response = web(crm.lam_de).post(f"/customers/{crm.sub_de.pk}/contacts/new/", data)
    assert response.status_code == 302
    with in_tenant(crm.acme):
        dora = Contact.objects.get(name="Dora Director")
        assert (dora.subsidiary, dora.reports_to) == (crm.sub_de, crm.ceo)
    # Edit and delete: 403 for team members who may not change it, 404 outside the team.
    assert web(crm.sponsor).get(f"/contacts/{dora.pk}/edit/").status_code == 403
    assert web(crm.rep).get(f"/contacts/{dora.pk}/edit/").status_code == 404
    assert web(crm.lam_de).get(f"/contacts/{crm.ceo.pk}/edit/").status_code == 403
    response = web(crm.gam).post(f"/contacts/{dora.pk}/edit/", {**data, "title": "CEO DE"})
    assert response.status_code == 302
    assert "Yes, delete" in _body(web(crm.gam).get(f"/contacts/{dora.pk}/delete/"))
    assert web(crm.gam).post(f"/contacts/{dora.pk}/delete/").status_code == 302
    with in_tenant(crm.acme):
        assert not Contact.objects.filter(name="Dora Director").exists()


def test_contact_form_rejects_foreign_and_out_of_group_reports_to(crm, web, in_tenant):
    with in_tenant(crm.globex):
        foreign = Contact.objects.create(subsidiary=crm.other_subsidiary, name="Foreign")
    client = web(crm.gam)
    for boss in [foreign.pk, crm.local_contact.pk]:
        response = client.post(
            f"/customers/{crm.sub_se.pk}/contacts/new/",
            {"name": "X", "attitude": "unknown", "reports_to": boss},
        )
        assert response.status_code == 200
        assert response.context["form"].errors.get("reports_to")


def test_relationships_add_and_remove(crm, web, in_tenant):
    # A sponsor records their own relationship; someone else's is not theirs to record.
    client = web(crm.sponsor)
    url = f"/contacts/{crm.buyer.pk}/relationships/new/"
    response = client.post(url, {"user": crm.gam.pk, "strength": 2})
    assert response.context["form"].errors.get("user")
    assert client.post(url, {"user": crm.sponsor.pk, "strength": 1}).status_code == 302
    with in_tenant(crm.acme):
        mine = Relationship.objects.get(user=crm.sponsor, contact=crm.buyer)
    assert mine.strength == 1
    assert web(crm.rep).get(url).status_code == 404
    assert web(crm.sponsor).get(f"/relationships/{crm.rel.pk}/delete/").status_code == 403
    assert web(crm.rep).get(f"/relationships/{mine.pk}/delete/").status_code == 404
    client = web(crm.sponsor)
    assert client.post(f"/relationships/{mine.pk}/delete/").status_code == 302
    with in_tenant(crm.acme):
        assert not Relationship.objects.filter(pk=mine.pk).exists()
    response = web(crm.gam).post(url, {"user": crm.other_admin.pk, "strength": 2})
    assert response.context["form"].errors.get("user")


# --- framework agreements -------------------------------------------------------------------


def _agreement_form(w, **extra):
    data = {
        "name": "Frame 2028",
        "countries": [w.de.pk, w.fr.pk],
        "discount_percent": "8",
        "shipping_terms": "DAP",
        "terms": "",
        "valid_from": "2028-01-01",
        "valid_until": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 302), ("gam", 302), ("lam_de", 403), ("sponsor", 403), ("rep", 404)],
)
def test_who_makes_framework_agreements(crm, web, role, status, in_tenant):
    client = web(getattr(crm, role))
    response = client.post(
        f"/global-accounts/{crm.account.pk}/agreements/new/", _agreement_form(crm)
    )
    assert response.status_code == status
    edit = client.post(f"/agreements/{crm.agreement.pk}/edit/", _agreement_form(crm, name="Y"))
    assert edit.status_code == status
    with in_tenant(crm.acme):
        assert FrameworkAgreement.objects.filter(name="Frame 2028").exists() == (status == 302)


def test_agreement_form_validates_and_rejects_foreign_countries(crm, web):
    client = web(crm.gam)
    url = f"/global-accounts/{crm.account.pk}/agreements/new/"
    response = client.post(url, _agreement_form(crm, countries=[crm.other_se.pk]))
    assert response.context["form"].errors.get("countries")
    response = client.post(url, _agreement_form(crm, valid_until="2027-01-01"))
    assert response.context["form"].errors.get("valid_until")
    response = client.post(url, _agreement_form(crm, discount_percent="150"))
    assert response.context["form"].errors.get("discount_percent")


def test_agreements_active_and_expired_on_the_account_page(crm, web, in_tenant):
    with in_tenant(crm.acme):
        services.framework_agreement_create(
            actor=crm.gam, global_account=crm.account, name="Old frame", countries=[crm.se],
            discount_percent=Decimal(5), valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2021, 12, 31),
        )  # fmt: skip
    response = web(crm.gam).get(f"/global-accounts/{crm.account.pk}/")
    assert [a.name for a in response.context["other_agreements"]] == ["Old frame"]
    assert [a.name for a in response.context["active_agreements"]] == ["Volvia frame 2026"]
    assert "expired" in _body(response) and "active" in _body(response)


def test_agreement_delete_with_confirmation(crm, web, in_tenant):
    url = f"/agreements/{crm.agreement.pk}/delete/"
    assert web(crm.sponsor).post(url).status_code == 403
    client = web(crm.gam)
    assert "Yes, delete" in _body(client.get(url))
    assert client.post(url).status_code == 302
    with in_tenant(crm.acme):
        assert not FrameworkAgreement.objects.filter(pk=crm.agreement.pk).exists()


# --- settings: tiers and criteria -----------------------------------------------------------


def test_settings_pages_are_for_tenant_admins(crm, web):
    for url in [
        "/settings/accounts/tiers/",
        "/settings/accounts/criteria/",
        "/settings/accounts/tiers/new/",
        f"/settings/accounts/tiers/{crm.gold.pk}/",
    ]:
        assert web(crm.gam).get(url).status_code == 404, url
        assert web(crm.admin).get(url).status_code == 200, url
    assert web(crm.admin).get("/settings/accounts/other/").status_code == 404
    body = _body(web(crm.admin).get("/settings/"))
    assert "/settings/accounts/tiers/" in body and "/settings/accounts/criteria/" in body


def test_admin_manages_tiers_and_criteria(crm, web, in_tenant):
    client = web(crm.admin)
    response = client.post(
        "/settings/accounts/tiers/new/",
        {"name": "Bronze", "rank": 1, "min_score": "0", "review_interval_days": 180},
    )
    assert "already has rank 1" in _body(response)
    response = client.post(
        "/settings/accounts/tiers/new/",
        {"name": "Bronze", "rank": 3, "min_score": "0", "review_interval_days": 180},
    )
    assert response.status_code == 302
    response = client.post(
        "/settings/accounts/criteria/new/",
        {"name": "Profit", "kind": "numeric", "weight": "1", "scale_max": "", "order": 3},
    )
    assert response.context["form"].errors.get("scale_max")
    response = client.post(
        f"/settings/accounts/criteria/{crm.fit.pk}/",
        {"name": "Strategic fit", "kind": "manual", "weight": "0", "scale_max": "", "order": 0},
    )
    assert response.status_code == 302
    with in_tenant(crm.acme):
        # Only revenue counts now: 500k of 1M is 2.5 points, below Gold's 3.
        account = GlobalAccount.objects.get(pk=crm.account.pk)
        assert (account.score, account.tier) == (Decimal("2.50"), crm.silver)
    url = f"/settings/accounts/tiers/{crm.silver.pk}/delete/"
    assert "Yes, delete" in _body(client.get(url))
    assert client.post(url).status_code == 302
    with in_tenant(crm.acme):
        assert not Tier.objects.filter(pk=crm.silver.pk).exists()


# --- query counts ---------------------------------------------------------------------------


def _grow(w, in_tenant, n: int):
    """``n`` more accounts, subsidiaries (of Volvia, in four more countries), contacts,
    relationships, agreements, opportunities and changes."""
    with in_tenant(w.acme):
        countries = [f.CountryFactory(tenant=w.acme, code=c) for c in ("GB", "NL", "PL", "IT")]
        for i in range(n):
            account = f.GlobalAccountFactory(tenant=w.acme, tier=w.gold)
            sub = f.SubsidiaryFactory(
                tenant=w.acme, global_account=w.account, country=countries[i % 4], owner=w.rep
            )
            f.SubsidiaryFactory(tenant=w.acme, global_account=account, country=countries[i % 4])
            contact = services.contact_create(
                actor=w.gam, subsidiary=sub, name=f"Person {i}", buying_role="user",
                reports_to=w.ceo,
            )  # fmt: skip
            services.contact_create(actor=w.gam, subsidiary=w.sub_se, name=f"Swede {i}")
            services.relationship_set(actor=w.gam, user=w.gam, contact=contact, strength=2)
            services.relationship_set(actor=w.gam, user=w.lam_de, contact=contact, strength=1)
            services.contact_update(actor=w.gam, contact=contact, title=f"Title {i}")
            services.framework_agreement_create(
                actor=w.gam, global_account=w.account, name=f"Frame {i}", countries=countries,
                discount_percent=Decimal(3), valid_from=datetime.date(2026, 1, 1),
            )  # fmt: skip
            f.OpportunityFactory(
                tenant=w.acme, subsidiary=w.sub_se, owner=w.rep if i % 2 else w.gam
            )
            f.OpportunityFactory(tenant=w.acme, subsidiary=w.local_customer, owner=w.owner)


# Queries per page and role with the rows of ``_grow``: six of them are every page's
# (session, user, tenant, unread notifications, the transaction's savepoint and release).
QUERY_BUDGETS = {
    "/global-accounts/": 11,
    "/global-accounts/?country=DE&tier={gold}": 11,
    "/global-accounts/{account}/": 19,
    "/customers/": 10,
    "/customers/{sub}/": 11,
    "/customers/{local}/": 11,
    "/global-accounts/{account}/team/": 10,
    "/customers/new/": 9,
    "/customers/{sub}/edit/": 10,
}


@pytest.mark.parametrize("url", list(QUERY_BUDGETS))
def test_query_counts_stay_flat_as_rows_grow(
    crm, web, in_tenant, url, django_assert_max_num_queries, settings
):
    settings.COUNT_CACHE_SECONDS = 0  # both sides count (growing the data resets the cache)
    budget = QUERY_BUDGETS[url]
    url = url.format(
        account=crm.account.pk, sub=crm.sub_se.pk, local=crm.local_customer.pk, gold=crm.gold.pk
    )
    roles = ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]
    small = {}
    for role in roles:
        client = web(getattr(crm, role))
        client.get(url)  # warm up: the first request of a test skips the tenant reset query
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        small[role] = (status, len(captured))
    _grow(crm, in_tenant, 12)
    for role in roles:
        status, before = small[role]
        client = web(getattr(crm, role))
        with django_assert_max_num_queries(min(before, budget)):
            response = client.get(url)
        assert response.status_code == status, role
