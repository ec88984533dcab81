"""Pages of the sales work: sharing, other tenants, the warnings at entry, concurrency,
split credit, leads inbox, CSV export and query counts."""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities import services
from opportunities.models import (
    CreditSplit,
    Lead,
    LeadQualificationParameter,
    Opportunity,
    StageChange,
)
from tests import factories as f


def _form(w, **extra):
    data = {
        "name": "Volvia DE pumps",
        "subsidiary": w.sub_de.pk,
        "product_line": "",
        "stage": w.stages["qualification"].pk,
        "amount": "1000",
        "currency": "EUR",
        "close_date": "2026-10-01",
        "owner": "",
        "framework_agreement": "",
        "next_step": "",
        "loss_reason": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def agreement(sales):
    return f.FrameworkAgreementFactory(
        tenant=sales.acme,
        global_account=sales.account,
        countries=[sales.de],
        name="Volvia frame 2026",
        discount_percent=Decimal("12.5"),
        shipping_terms="DAP Hamburg",
        terms="Payment 60 days net",
    )


# --- who sees which page --------------------------------------------------------------------


def _pages(w):
    return [
        f"/opportunities/{w.opp_de.pk}/",
        f"/opportunities/{w.opp_de.pk}/edit/",
        f"/opportunities/{w.opp_de.pk}/splits/",
        f"/activities/{w.act_de.pk}/edit/",
        f"/campaigns/{w.camp_de.pk}/edit/",
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", [200, 200, 200, 200, 200]),
        ("gam", [200, 200, 200, 200, 200]),
        ("lam_de", [200, 200, 200, 200, 200]),
        ("sponsor", [200, 403, 403, 403, 403]),
        ("rep", [404, 404, 404, 404, 404]),
        ("owner", [404, 404, 404, 404, 404]),
        ("other_admin", [404, 404, 404, 404, 404]),
    ],
)
def test_record_pages_follow_the_sharing_model(sales, web, role, expected):
    client = web(getattr(sales, role))
    assert [client.get(url).status_code for url in _pages(sales)] == expected


def test_other_tenant_gets_404_everywhere(sales, web, in_tenant):
    with in_tenant(sales.acme):
        lead = f.LeadFactory(tenant=sales.acme, country=sales.se)
    client = web(sales.other_admin)
    for url in [
        f"/global-accounts/{sales.account.pk}/timeline/",
        f"/leads/{lead.pk}/",
        f"/leads/{lead.pk}/convert/",
        f"/opportunities/entry-panel/?pk={sales.opp_se.pk}",
        f"/settings/sales/stages/{sales.stages['proposal'].pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/opportunities/{sales.opp_se.pk}/move/",
        f"/opportunities/{sales.opp_se.pk}/delete/",
        f"/activities/{sales.act_se.pk}/delete/",
        f"/campaigns/{sales.camp_se.pk}/delete/",
        f"/settings/sales/product-lines/{sales.pumps.pk}/delete/",
    ]:
        assert client.post(url, {"stage": "closed_won"}).status_code == 404, url
    with in_tenant(sales.acme):
        assert Opportunity.objects.get(pk=sales.opp_se.pk).stage.slug == "proposal"
    # lists show none of acme's records
    for url in ["/pipeline/?scope=all", "/pipeline/table/?scope=all", "/campaigns/", "/leads/"]:
        body = client.get(url).content.decode()
        assert "Volvia" not in body and "Nordic fair" not in body, url


def test_foreign_ids_in_forms_are_rejected(sales, web, in_tenant):
    client = web(sales.admin)
    for field, value in [
        ("subsidiary", sales.other_subsidiary.pk),
        ("stage", sales.other_stage.pk),
        ("product_line", sales.other_product_line.pk),
        ("owner", sales.other_admin.pk),
        ("framework_agreement", sales.other_agreement.pk),
    ]:
        response = client.post("/opportunities/new/", _form(sales, **{field: value}))
        assert response.status_code == 200, field
        assert response.context["form"].errors.get(field), field
    with in_tenant(sales.acme):
        assert not Opportunity.objects.filter(name="Volvia DE pumps").exists()
    response = client.post(
        "/campaigns/new/",
        {"name": "X", "subsidiary": sales.other_subsidiary.pk, "starts_on": "2026-01-01",
         "ends_on": "2026-01-02"},
    )  # fmt: skip
    assert response.context["form"].errors.get("subsidiary")


def test_settings_pages_are_for_tenant_admins(sales, web):
    for kind in ["stages", "product-lines", "lead-parameters"]:
        assert web(sales.gam).get(f"/settings/sales/{kind}/").status_code == 404
        assert web(sales.admin).get(f"/settings/sales/{kind}/").status_code == 200
        assert web(sales.admin).get(f"/settings/sales/{kind}/new/").status_code == 200
    assert web(sales.admin).get("/settings/sales/other/").status_code == 404


def test_admin_adds_a_country_stage_and_cannot_delete_one_in_use(sales, web, in_tenant):
    client = web(sales.admin)
    response = client.post(
        "/settings/sales/stages/new/",
        {"slug": "de_angebot", "name": "Angebot", "phase": "proposal", "order": 3,
         "probability": 40, "country": sales.de.pk},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        f"/settings/sales/stages/{sales.stages['proposal'].pk}/delete/", follow=True
    )
    assert "still in use" in response.content.decode()


# --- the pipeline ---------------------------------------------------------------------------


def test_board_has_a_column_per_stage_and_my_cards(sales, web):
    response = web(sales.lam_de).get("/pipeline/")
    body = response.content.decode()
    assert [c["stage"].slug for c in response.context["columns"]] == [
        "prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost",
    ]  # fmt: skip
    assert "Volvia DE valves" in body
    assert "Volvia SE pumps" not in body  # not theirs: only with scope=all
    assert "Volvia SE pumps" in web(sales.lam_de).get("/pipeline/?scope=all").content.decode()


def test_a_credit_share_puts_the_deal_in_my_pipeline(sales, web, in_tenant):
    with in_tenant(sales.acme):
        services.opportunity_update(
            opportunity=sales.opp_se,
            actor=sales.gam,
            splits=[
                services.Split(user=sales.gam, country=sales.se, percent=Decimal(70)),
                services.Split(user=sales.lam_de, country=sales.de, percent=Decimal(30)),
            ],
        )
    assert "Volvia SE pumps" in web(sales.lam_de).get("/pipeline/").content.decode()


def test_rep_sees_no_account_opportunities_anywhere(sales, web):
    client = web(sales.rep)
    for url in ["/pipeline/?scope=all", "/pipeline/table/?scope=all"]:
        body = client.get(url).content.decode()
        assert "Volvia SE pumps" not in body and "Volvia DE valves" not in body
    csv = b"".join(client.get("/pipeline/table/?scope=all&format=csv").streaming_content)
    assert csv.decode("utf-8-sig").strip().splitlines() == [
        "Name,Customer,Country,Global account,Product line,Stage,Phase,Status,Amount,Currency,"
        "Amount (reporting currency),Close date,Owner"
    ]


def test_table_filters_and_csv_export(sales, web):
    client = web(sales.admin)
    body = client.get("/pipeline/table/?scope=all&country=de").content.decode()
    assert "Volvia DE valves" in body and "Volvia SE pumps" not in body
    body = client.get("/pipeline/table/?scope=all&q=smål").content.decode()
    assert "Småland pumps" in body and "Volvia" not in body
    response = client.get("/pipeline/table/?scope=all&format=csv&stage=proposal")
    assert response["Content-Disposition"] == 'attachment; filename="opportunities.csv"'
    rows = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 4
    assert any(
        r.startswith("Volvia SE pumps,Volvia Sverige AB,SE,Volvia Group,Pumps") for r in rows
    )


def test_moving_a_card_changes_the_stage_and_records_it(sales, web, in_tenant):
    client = web(sales.lam_de)
    url = f"/opportunities/{sales.opp_de.pk}/move/"
    response = client.post(url, {"stage": "negotiation", "version": 1, "next": "/pipeline/"})
    assert response.status_code == 302 and response["Location"] == "/pipeline/"
    with in_tenant(sales.acme):
        assert Opportunity.objects.get(pk=sales.opp_de.pk).stage.slug == "negotiation"
        assert StageChange.objects.filter(opportunity=sales.opp_de).count() == 2
    # a second move based on the old version is refused with a clear message
    response = client.post(url, {"stage": "closed_won", "version": 1}, follow=True)
    assert "changed by someone else" in response.content.decode()
    with in_tenant(sales.acme):
        assert Opportunity.objects.get(pk=sales.opp_de.pk).stage.slug == "negotiation"
    # the sponsor sees the card but may not move it
    assert web(sales.sponsor).post(url, {"stage": "closed_won"}).status_code == 403


def test_move_ignores_an_unsafe_next_url(sales, web):
    response = web(sales.lam_de).post(
        f"/opportunities/{sales.opp_de.pk}/move/",
        {"stage": "negotiation", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/pipeline/"


def _grow(w, n):
    for i in range(n):
        services.opportunity_create(
            actor=[w.gam, w.lam_de][i % 2],
            name=f"Extra {i}",
            subsidiary=[w.sub_se, w.sub_de][i % 2],
            stage=w.stages[["qualification", "proposal", "negotiation", "closed_won"][i % 4]],
            product_line=w.pumps,
            amount=Decimal(1000 + i),
            currency="EUR",
            close_date=datetime.date(2026, 10, 1),
        )
        services.activity_create(actor=w.gam, kind="call", subject=f"Call {i}", subsidiary=w.sub_de)
        services.campaign_create(
            actor=w.gam, name=f"Camp {i}", subsidiary=w.sub_de,
            starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 1, 2),
        )  # fmt: skip
        f.LeadFactory(tenant=w.acme, country=w.de, company_name=f"Lead {i}")


@pytest.mark.parametrize(
    "url",
    [
        "/pipeline/?scope=all",
        "/pipeline/table/?scope=all",
        "/pipeline/?scope=mine",
        "/campaigns/",
        "/leads/?tab=all",
        "TIMELINE",
    ],
)
@pytest.mark.parametrize("role", ["admin", "lam_de"])
def test_page_query_count_is_constant(
    sales, web, in_tenant, django_assert_max_num_queries, url, role
):
    url = url.replace("TIMELINE", f"/global-accounts/{sales.account.pk}/timeline/")
    client = web(getattr(sales, role))
    counts = []
    for extra in (3, 27):
        with in_tenant(sales.acme):
            _grow(sales, extra)
        with django_assert_max_num_queries(16) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- opportunity form: the warnings at entry ------------------------------------------------


def test_form_shows_the_agreement_before_saving_and_saves_once_confirmed(
    sales, web, in_tenant, agreement
):
    client = web(sales.lam_de)
    response = client.post("/opportunities/new/", _form(sales))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Volvia frame 2026" in body and "12.5%" in body and "DAP Hamburg" in body
    assert "Payment 60 days net" in body
    assert response.context["form"].errors["confirm_warnings"]
    with in_tenant(sales.acme):
        assert not Opportunity.objects.filter(name="Volvia DE pumps").exists()
    response = client.post("/opportunities/new/", _form(sales, confirm_warnings="on"))
    assert response.status_code == 302
    with in_tenant(sales.acme):
        saved = Opportunity.objects.get(name="Volvia DE pumps")
    assert saved.framework_agreement is None


def test_linking_the_agreement_needs_no_confirmation(sales, web, in_tenant, agreement):
    response = web(sales.lam_de).post(
        "/opportunities/new/", _form(sales, framework_agreement=agreement.pk)
    )
    assert response.status_code == 302
    with in_tenant(sales.acme):
        assert Opportunity.objects.get(name="Volvia DE pumps").framework_agreement == agreement


def test_entry_panel_refreshes_for_the_chosen_customer(sales, web, agreement):
    client = web(sales.rep)
    body = client.get(
        f"/opportunities/entry-panel/?subsidiary={sales.sub_de.pk}&product_line={sales.pumps.pk}"
    ).content.decode()
    assert "Volvia frame 2026" in body and "Link this agreement" in body
    # parallel pumps work in Sweden: the rep may not see it, so no name, amount or stage
    assert "Another country (SE) already works on Pumps" in body
    assert "Greta GAM" in body
    assert "Volvia SE pumps" not in body and "100,000" not in body and "Proposal" not in body
    body = client.get(
        f"/opportunities/entry-panel/?subsidiary={sales.sub_se.pk}&product_line={sales.valves.pk}"
    ).content.decode()
    assert "covers this country" not in body  # the agreement covers Germany only
    assert "Another country (DE) already works on Valves" in body


def test_team_member_sees_the_parallel_opportunity_named(sales, web):
    body = (
        web(sales.lam_de)
        .get(
            f"/opportunities/entry-panel/?subsidiary={sales.sub_de.pk}&product_line={sales.pumps.pk}"
        )
        .content.decode()
    )
    assert "Volvia SE pumps" in body and "Greta GAM" in body


def test_form_asks_before_saving_parallel_work(sales, web, in_tenant):
    client = web(sales.rep)
    data = _form(sales, product_line=sales.pumps.pk)
    response = client.post("/opportunities/new/", data)
    assert response.status_code == 200
    assert "Another country (SE) already works on Pumps" in response.content.decode()
    assert client.post("/opportunities/new/", {**data, "confirm_warnings": "on"}).status_code == 302


def test_stale_version_in_the_form_is_refused_with_a_clear_message(sales, web, in_tenant):
    url = f"/opportunities/{sales.opp_de.pk}/edit/"
    first = web(sales.lam_de).get(url)
    data = {k: v for k, v in first.context["form"].initial.items() if v is not None}
    data.update(
        _form(sales, name="Renamed by Lukas", product_line=sales.valves.pk, version=1),
        stage=sales.stages["proposal"].pk,
    )
    with in_tenant(sales.acme):
        services.opportunity_update(
            opportunity=Opportunity.objects.get(pk=sales.opp_de.pk), actor=sales.gam,
            next_step="Changed by Greta",
        )  # fmt: skip
    response = web(sales.lam_de).post(url, data)
    assert response.status_code == 200
    assert "changed by someone else since you opened it" in response.content.decode()
    with in_tenant(sales.acme):
        opportunity = Opportunity.objects.get(pk=sales.opp_de.pk)
    assert (opportunity.name, opportunity.next_step) == ("Volvia DE valves", "Changed by Greta")


def test_edit_form_carries_the_version(sales, web):
    body = web(sales.lam_de).get(f"/opportunities/{sales.opp_de.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in body


def test_detail_shows_history_splits_and_warnings(sales, web, in_tenant, agreement):
    with in_tenant(sales.acme):
        services.opportunity_update(
            opportunity=sales.opp_de, actor=sales.lam_de, stage=sales.stages["negotiation"]
        )
    body = web(sales.gam).get(f"/opportunities/{sales.opp_de.pk}/").content.decode()
    assert "Stage history" in body and "Negotiation" in body
    assert "Credit split" in body and "Lukas LAM" in body
    assert "Volvia frame 2026" in body  # open, in a covered country, not linked
    assert "History of changes" in body


# --- split credit page ----------------------------------------------------------------------


def _split_post(w, rows, version=1):
    data = {
        "split-TOTAL_FORMS": str(len(rows)),
        "split-INITIAL_FORMS": "0",
        "split-MIN_NUM_FORMS": "0",
        "split-MAX_NUM_FORMS": "1000",
        "version": str(version),
    }
    for i, (user, country, percent) in enumerate(rows):
        data.update(
            {
                f"split-{i}-user": user.pk,
                f"split-{i}-country": country.pk,
                f"split-{i}-percent": percent,
            }
        )
    return data


def test_split_page_rejects_a_sum_other_than_100(sales, web, in_tenant):
    client = web(sales.gam)
    url = f"/opportunities/{sales.opp_se.pk}/splits/"
    response = client.post(
        url, _split_post(sales, [(sales.gam, sales.se, "70"), (sales.lam_de, sales.de, "20")])
    )
    assert response.status_code == 200
    assert "must add up to exactly 100% (they add up to 90%)" in response.content.decode()
    with in_tenant(sales.acme):
        assert CreditSplit.objects.filter(opportunity=sales.opp_se).count() == 1
    response = client.post(
        url, _split_post(sales, [(sales.gam, sales.se, "70"), (sales.lam_de, sales.de, "30")])
    )
    assert response.status_code == 302
    with in_tenant(sales.acme):
        assert CreditSplit.objects.filter(opportunity=sales.opp_se).count() == 2


# --- timeline, activities, campaigns, leads -------------------------------------------------


def test_timeline_shows_all_countries_and_filters(sales, web):
    client = web(sales.lam_de)
    url = f"/global-accounts/{sales.account.pk}/timeline/"
    body = client.get(url).content.decode()
    assert "Kick-off Göteborg" in body and "Call Stuttgart" in body
    assert "Visit Växjö" not in body  # the local customer is not on this account
    body = client.get(url + "?country=de").content.decode()
    assert "Call Stuttgart" in body and "Kick-off Göteborg" not in body
    body = client.get(url + "?kind=meeting").content.decode()
    assert "Kick-off Göteborg" in body and "Call Stuttgart" not in body
    body = web(sales.rep).get(url).content.decode()
    assert "Only the account team sees its activities" in body
    assert "Call Stuttgart" not in body


def test_recording_an_activity_from_an_opportunity(sales, web, in_tenant):
    client = web(sales.lam_de)
    response = client.get(f"/activities/new/?opportunity={sales.opp_de.pk}")
    assert response.context["form"].initial["subsidiary"] == sales.sub_de.pk
    response = client.post(
        "/activities/new/",
        {"kind": "task", "subject": "Send offer", "subsidiary": sales.sub_de.pk,
         "opportunity": sales.opp_de.pk, "occurred_at": "2026-05-01T10:00",
         "due_date": "2026-05-05"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/opportunities/{sales.opp_de.pk}/"
    # an opportunity at another subsidiary is refused
    response = client.post(
        "/activities/new/",
        {"kind": "call", "subject": "Wrong", "subsidiary": sales.sub_se.pk,
         "opportunity": sales.opp_de.pk, "occurred_at": "2026-05-01T10:00"},
    )  # fmt: skip
    assert response.context["form"].errors["opportunity"]


def test_campaign_form_validates_dates_and_lists_for_the_team(sales, web, in_tenant):
    client = web(sales.rep)
    response = client.post(
        "/campaigns/new/",
        {"name": "Spring", "subsidiary": sales.sub_de.pk, "starts_on": "2026-05-02",
         "ends_on": "2026-05-01"},
    )  # fmt: skip
    assert response.context["form"].errors["ends_on"]
    response = client.post(
        "/campaigns/new/",
        {"name": "Spring", "subsidiary": sales.sub_de.pk, "starts_on": "2026-05-01",
         "ends_on": "2026-05-31"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "Spring" in client.get("/campaigns/").content.decode()
    assert "Spring" in web(sales.gam).get("/campaigns/").content.decode()
    assert "Spring" not in web(sales.owner).get("/campaigns/").content.decode()


def test_leads_inbox_surfaces_overdue_leads(sales, web, in_tenant):
    with in_tenant(sales.acme):
        late = f.LeadFactory(
            tenant=sales.acme, country=sales.fr, company_name="Lyon Fluides",
            status=Lead.Status.QUALIFIED, qualified_at=timezone.now() - timedelta(hours=72),
        )  # fmt: skip
        f.LeadFactory(
            tenant=sales.acme, country=sales.fr, company_name="Nice Pompes",
            status=Lead.Status.QUALIFIED, qualified_at=timezone.now() - timedelta(hours=2),
        )  # fmt: skip
    client = web(sales.rep)
    body = client.get("/leads/").content.decode()
    assert "1 qualified lead waits for a first sales contact for more than 48 hours" in body
    body = client.get("/leads/?tab=overdue").content.decode()
    assert "Lyon Fluides" in body and "Nice Pompes" not in body
    response = client.post(
        f"/leads/{late.pk}/",
        {"company_name": "Lyon Fluides", "country": sales.fr.pk, "status": "contacted"},
    )
    assert response.status_code == 302
    assert "No overdue leads" in client.get("/leads/?tab=overdue").content.decode()


def test_lead_form_scores_answers(sales, web, in_tenant):
    with in_tenant(sales.acme):
        budget = LeadQualificationParameter.objects.create(name="Budget", weight=1)
    response = web(sales.rep).post(
        "/leads/new/",
        {"company_name": "Lille Pompes", "country": sales.fr.pk, "status": "new",
         f"answer_{budget.pk}": "4"},
    )  # fmt: skip
    assert response.status_code == 302
    with in_tenant(sales.acme):
        assert Lead.objects.get(company_name="Lille Pompes").score == 80
