"""Word-prefix search of the lists (gam.search): semantics, words kept in step with the
records, tenant isolation, the sharing model, constant query counts, and the rebuild the
data migration runs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import GlobalAccount, Subsidiary
from gam import search
from gam.models import SearchWord
from gam.tenancy import tenant_context
from opportunities import services as opportunity_services
from opportunities.models import Opportunity
from tests import factories as f
from tests.gam.test_imports import csv_bytes
from tests.gam.test_rls import as_app_role  # noqa: F401 (fixture)

Kind = SearchWord.Kind


# --- normalization --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nordvik AB", ["nordvik", "ab"]),
        ("Müller & Söhne GmbH", ["muller", "sohne", "gmbh"]),
        ("Großhandel Ørsted", ["grosshandel", "orsted"]),
        ("Nord-Vik_Group (publ.)", ["nord", "vik", "group", "publ"]),
        ("VOLVIA volvia Volvia", ["volvia"]),
        ("Москва Trading", ["москва", "trading"]),
        ("  –  ", []),
    ],
)
def test_words_are_lower_case_without_accents_split_at_punctuation(text, expected):
    assert search.words(text) == expected


def test_code_words_of_registration_number_and_website():
    words = search.code_words("SE 556012-5790", "https://www.volvia.se/kontakt")
    assert words == ["se", "556012", "5790", "se5560125790", "volvia"]
    assert search.code_words("", "") == []


def test_search_terms_are_capped():
    assert search.terms(" ".join(f"w{i}" for i in range(20))) == [f"w{i}" for i in range(8)]


# --- the lists ------------------------------------------------------------------------------


@pytest.fixture
def searchable(world):
    w = world
    w.nordvik = f.SubsidiaryFactory(tenant=w.acme, country=w.se, name="Nordvik Verkstäder AB")
    w.mueller = f.SubsidiaryFactory(tenant=w.acme, country=w.de, name="Müller Pumpen GmbH")
    w.other_nordvik = f.SubsidiaryFactory(
        tenant=w.globex, country=w.other_se, name="Nordvik Globex AB"
    )
    w.opp_pumps = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_se, name="Pumps retrofit")
    w.opp_nordvik = f.OpportunityFactory(tenant=w.acme, subsidiary=w.nordvik, name="Valves 2027")
    w.opp_local = f.OpportunityFactory(
        tenant=w.acme, subsidiary=w.local_customer, owner=w.owner, name="Nordvik spare parts"
    )
    return w


def _ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_subsidiary_search_matches_word_prefixes(searchable, api):
    w = searchable
    client = api(w.admin)

    def found(term):
        return _ids(client, f"/api/v1/subsidiaries/?search={term}")

    assert found("volv") == {w.sub_se.pk, w.sub_de.pk}
    assert found("VOLVIA%20sv") == {w.sub_se.pk}  # every word, any case
    assert found("sv%20volvia") == {w.sub_se.pk}  # in any order
    assert found("verkstad") == {w.nordvik.pk, w.local_customer.pk}  # "Verkstäder"
    assert found("småland") == found("smaland") == {w.local_customer.pk}
    assert found("muller") == found("MÜLL") == {w.mueller.pk}
    # Word-prefix, not substring: the inside of a word does not match (was icontains).
    assert found("olvia") == set()
    assert found("!!!") == set()  # no word at all: nothing, not everything
    assert found("volvia%20nothing") == set()


def test_global_account_search(searchable, api, web):
    w = searchable
    assert _ids(api(w.rep), "/api/v1/global-accounts/?search=volvia%20gr") == {w.account.pk}
    assert _ids(api(w.rep), "/api/v1/global-accounts/?search=group") == {w.account.pk}
    assert _ids(api(w.rep), "/api/v1/global-accounts/?search=roup") == set()
    page = web(w.rep).get("/global-accounts/?q=VOLV")
    assert [a.pk for a in page.context["page"]] == [w.account.pk]


def test_opportunity_search_covers_the_customer_name(searchable, api):
    w = searchable
    client = api(w.admin)

    def found(term):
        return _ids(client, f"/api/v1/opportunities/?search={term}")

    assert found("nordvik") == {w.opp_nordvik.pk, w.opp_local.pk}  # customer / own name
    assert found("pump") == {w.opp_pumps.pk}
    # One word in the opportunity's name, the other in its customer's.
    assert found("pumps%20sverige") == {w.opp_pumps.pk}
    assert found("valves%20verkst") == {w.opp_nordvik.pk}
    assert found("valves%20sverige") == set()


def test_search_never_widens_the_sharing_model(searchable, api):
    w = searchable
    # The rep sees no opportunity; the owner only those at their customer.
    assert _ids(api(w.rep), "/api/v1/opportunities/?search=nordvik") == set()
    assert _ids(api(w.owner), "/api/v1/opportunities/?search=nordvik") == {w.opp_local.pk}


def test_another_tenants_words_never_match(searchable, api):
    w = searchable
    assert _ids(api(w.admin), "/api/v1/subsidiaries/?search=globex") == set()
    assert _ids(api(w.admin), "/api/v1/subsidiaries/?search=initech") == set()
    assert _ids(api(w.admin), "/api/v1/global-accounts/?search=initech") == set()
    assert _ids(api(w.other_admin), "/api/v1/subsidiaries/?search=nordvik") == {w.other_nordvik.pk}
    with tenant_context(w.acme):
        assert not search.record_ids(Kind.SUBSIDIARY, "initech").exists()


def test_pages_search_the_same_way(searchable, web):
    w = searchable
    client = web(w.admin)
    page = client.get("/customers/?q=nordvik%20verk").context["page"]
    assert [s.pk for s in page] == [w.nordvik.pk]
    pipeline = client.get("/pipeline/table/?scope=all&q=nordvik")
    assert pipeline.status_code == 200
    assert {o.pk for o in pipeline.context["page"]} == {w.opp_nordvik.pk, w.opp_local.pk}


def test_subsidiary_page_finds_registration_number_and_website(searchable, web, in_tenant):
    w = searchable
    with in_tenant(w.acme):
        account_services.subsidiary_update(
            actor=w.admin,
            subsidiary=Subsidiary.objects.get(pk=w.sub_de.pk),
            registration_number="HRB 12345",
            website="https://www.volvia.de/",
        )
    client = web(w.admin)
    for query in ("hrb12345", "HRB%2012", "12345", "volvia.de"):
        page = client.get(f"/customers/?q={query}").context["page"]
        assert [s.pk for s in page] == [w.sub_de.pk], query


def test_activity_and_campaign_search(searchable, api, web, in_tenant):
    w = searchable
    with in_tenant(w.acme):
        activity = opportunity_services.activity_create(
            actor=w.admin,
            kind="call",
            subject="Kick-off with Ängelholm plant",
            subsidiary=w.sub_se,
            owner=w.admin,
            occurred_at=datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC),
        )
    campaign = f.CampaignFactory(tenant=w.acme, subsidiary=w.nordvik, name="Spring fair")
    client = api(w.admin)
    assert _ids(client, "/api/v1/activities/?search=angelh") == {activity.pk}
    assert _ids(client, "/api/v1/activities/?search=kick%20off") == {activity.pk}
    assert _ids(client, "/api/v1/campaigns/?search=spring") == {campaign.pk}
    page = web(w.admin).get("/campaigns/?q=nordvik").context["page"]  # and the customer
    assert [c.pk for c in page] == [campaign.pk]

    # Deleting over the API (the pages use the same services) drops their words.
    assert client.delete(f"/api/v1/activities/{activity.pk}/").status_code == 204
    assert client.delete(f"/api/v1/campaigns/{campaign.pk}/").status_code == 204
    assert _words(w.acme, Kind.ACTIVITY, activity.pk) == set()
    assert _words(w.acme, Kind.CAMPAIGN, campaign.pk) == set()


# --- kept in step ---------------------------------------------------------------------------


def _words(tenant, kind, record_id) -> set[str]:
    with tenant_context(tenant):
        return set(
            SearchWord.objects.filter(kind=kind, record_id=record_id).values_list("word", flat=True)
        )


def test_words_follow_create_rename_and_delete(searchable, api, in_tenant):
    w = searchable
    client = api(w.admin)
    response = client.post(
        "/api/v1/subsidiaries/",
        {"name": "Fjällräven Service AB", "country": "SE"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert _words(w.acme, Kind.SUBSIDIARY, pk) == {"fjallraven", "service", "ab"}
    assert _ids(client, "/api/v1/subsidiaries/?search=fjall") == {pk}

    assert client.patch(f"/api/v1/subsidiaries/{pk}/", {"name": "Kebnekaise AB"}).status_code == 200
    assert _ids(client, "/api/v1/subsidiaries/?search=fjall") == set()
    assert _ids(client, "/api/v1/subsidiaries/?search=kebne") == {pk}

    assert client.delete(f"/api/v1/subsidiaries/{pk}/").status_code == 204
    assert _words(w.acme, Kind.SUBSIDIARY, pk) == set()

    with in_tenant(w.acme):
        account = GlobalAccount.objects.get(pk=w.account.pk)
        account_services.global_account_update(actor=w.admin, account=account, name="Scania Group")
    assert _ids(client, "/api/v1/global-accounts/?search=scania") == {w.account.pk}
    assert _ids(client, "/api/v1/global-accounts/?search=volvia") == set()

    with in_tenant(w.acme):
        opportunity = Opportunity.objects.get(pk=w.opp_pumps.pk)
        opportunity_services.opportunity_delete(opportunity=opportunity, actor=w.admin)
    assert _words(w.acme, Kind.OPPORTUNITY, w.opp_pumps.pk) == set()


def test_saves_that_keep_the_name_write_no_words(searchable, in_tenant):
    w = searchable
    with in_tenant(w.acme):
        sub = Subsidiary.objects.get(pk=w.nordvik.pk)
        sub.address = "Storgatan 1"
        with CaptureQueriesContext(connection) as ctx:
            sub.save()
        assert ctx.captured_queries
        assert not any("gam_searchword" in q["sql"] for q in ctx.captured_queries)
        sub.name = "Nordvik Works AB"
        with CaptureQueriesContext(connection) as ctx:
            sub.save()
        assert sum("gam_searchword" in q["sql"] for q in ctx.captured_queries) == 2


def test_renaming_the_customer_changes_what_finds_its_opportunities(searchable, api, in_tenant):
    w = searchable
    with in_tenant(w.acme):
        sub = Subsidiary.objects.get(pk=w.nordvik.pk)
        account_services.subsidiary_update(actor=w.admin, subsidiary=sub, name="Kiruna Works AB")
    client = api(w.admin)
    assert _ids(client, "/api/v1/opportunities/?search=kiruna") == {w.opp_nordvik.pk}
    assert _ids(client, "/api/v1/opportunities/?search=nordvik") == {w.opp_local.pk}


def test_imports_write_words(world, run_import, apply_job, api):  # noqa: F811
    w = world
    data = csv_bytes(
        ["name", "country", "registration_number", "website", "global_account", "owner"],
        [["Nordkap Maskin AB", "SE", "", "", "", ""]],
    )
    assert apply_job(run_import(w.admin, "subsidiaries", data)).summary["create"] == 1
    rename = csv_bytes(["id", "name", "country"], [[w.sub_de.pk, "Volvia Germany GmbH", "DE"]])
    assert apply_job(run_import(w.admin, "subsidiaries", rename)).summary["update"] == 1
    f.StageFactory(tenant=w.acme, slug="proposal")
    opportunities = csv_bytes(
        ["subsidiary", "name", "stage", "close_date", "amount", "currency", "owner"],
        [[w.sub_se.pk, "Turbines 2027", "proposal", "2026-12-15", "1000", "EUR", ""]],
    )
    assert apply_job(run_import(w.gam, "opportunities", opportunities)).summary["create"] == 1
    client = api(w.admin)
    with tenant_context(w.acme):
        nordkap = Subsidiary.objects.get(name="Nordkap Maskin AB")
        turbines = Opportunity.objects.get(name="Turbines 2027")
    assert _ids(client, "/api/v1/subsidiaries/?search=nordkap") == {nordkap.pk}
    assert _ids(client, "/api/v1/subsidiaries/?search=germany") == {w.sub_de.pk}
    assert _ids(client, "/api/v1/subsidiaries/?search=deutschland") == set()
    assert _ids(client, "/api/v1/opportunities/?search=turbine") == {turbines.pk}


def test_rebuild_writes_what_the_saves_wrote(searchable, in_tenant):
    """The data migration's fill (``rebuild``) and the incremental path agree."""
    w = searchable
    f.CampaignFactory(tenant=w.acme, subsidiary=w.nordvik, name="Höst-kampanj 2026")

    def everything():
        with connection.cursor() as cursor:
            cursor.execute("SELECT tenant_id, kind, record_id, word FROM gam_searchword")
            return set(cursor.fetchall())

    incremental = everything()
    assert {(w.globex.pk, Kind.SUBSIDIARY, w.other_nordvik.pk, "nordvik")} <= incremental
    written = search.rebuild()
    assert everything() == incremental
    assert written == len(incremental)
    search.rebuild(tenant_id=w.globex.pk)
    assert everything() == incremental


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subsidiaries/?search=grow%20sub",
        "/api/v1/global-accounts/?search=grow",
        "/api/v1/opportunities/?search=grow%20deal",
        "/api/v1/campaigns/?search=grow",
    ],
)
def test_search_query_count_is_constant(searchable, api, django_assert_max_num_queries, url):
    w = searchable
    client = api(w.admin)
    counts, sizes = [], []
    for extra in (2, 9):
        for n in range(len(sizes) * 100, len(sizes) * 100 + extra):
            account = f.GlobalAccountFactory(tenant=w.acme, name=f"Grow Group {n}")
            sub = f.SubsidiaryFactory(
                tenant=w.acme, country=w.se, global_account=account, name=f"Grow Sub {n}"
            )
            f.OpportunityFactory(tenant=w.acme, subsidiary=sub, name=f"Deal {n}")
            f.CampaignFactory(tenant=w.acme, subsidiary=sub, name=f"Grow campaign {n}")
        with django_assert_max_num_queries(9) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        sizes.append(response.json()["count"])
    assert counts[0] == counts[1], counts
    assert sizes[1] > sizes[0] > 0, sizes


def test_the_repair_command_restores_lost_words(searchable, api):
    w = searchable
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM gam_searchword WHERE tenant_id = %s", [w.acme.pk])
    assert _ids(api(w.admin), "/api/v1/subsidiaries/?search=nordvik") == set()
    out = io.StringIO()
    call_command("search_words", "--tenant", "acme", stdout=out)
    assert "search words" in out.getvalue()
    assert _ids(api(w.admin), "/api/v1/subsidiaries/?search=nordvik") == {w.nordvik.pk}
    with pytest.raises(CommandError):
        call_command("search_words", "--tenant", "nope")


def test_row_level_security_keeps_words_in_their_tenant(searchable, as_app_role):  # noqa: F811
    w = searchable
    with tenant_context(w.acme), connection.cursor() as cursor:
        # No tenant filter at all: the policy alone hides the other tenant's words.
        cursor.execute("SELECT DISTINCT tenant_id FROM gam_searchword")
        assert cursor.fetchall() == [(w.acme.pk,)]
        cursor.execute("SELECT count(*) FROM gam_searchword WHERE word = 'globex'")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_no_trigram_indexes_are_left_from_the_substring_search():
    """They served ILIKE, which row-level security keeps from using any index; the search
    words replaced them (accounts 0008, opportunities 0008)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        assert cursor.fetchall() == []
