"""Opportunities over the API: split credit, currency conversion, status from the phase,
stage history, optimistic concurrency, entry warnings, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from opportunities import services
from opportunities.models import CreditSplit, Opportunity, StageChange
from tests import factories as f


def _body(w, **extra):
    body = {
        "name": "Volvia SE valves",
        "subsidiary": w.sub_se.pk,
        "stage": "qualification",
        "amount": "250000.00",
        "currency": "SEK",
        "close_date": "2026-03-15",
        "product_line": w.valves.pk,
    }
    body.update(extra)
    return body


def test_create_returns_the_contract_fields(sales, api):
    response = api(sales.gam).post("/api/v1/opportunities/", _body(sales), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    for field in [
        "id", "name", "subsidiary", "product_line", "owner", "stage", "amount", "currency",
        "close_date", "framework_agreement", "status", "version", "credit_splits",
    ]:  # fmt: skip
        assert field in data, field
    assert data["stage"] == "qualification"
    assert data["status"] == "open"
    assert data["owner"] == sales.gam.pk
    assert data["amount"] == "250000.00"
    assert data["version"] == 1
    assert data["credit_splits"] == [{"user": sales.gam.pk, "country": "SE", "percent": "100.00"}]


@pytest.mark.parametrize(
    ("close_date", "expected"),
    [
        ("2026-03-15", "21750.00"),  # 250 000 SEK × 0.0870 (rate from 2026-01-01)
        ("2026-06-01", "22500.00"),  # × 0.0900: the rate valid from that very day
        ("2026-12-31", "22500.00"),  # the latest rate not after the close date
    ],
)
def test_amount_is_converted_at_the_rate_valid_on_the_close_date(
    sales, api, in_tenant, close_date, expected
):
    response = api(sales.gam).post(
        "/api/v1/opportunities/", _body(sales, close_date=close_date), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount_reporting"] == expected


def test_reporting_currency_needs_no_rate(sales, api):
    response = api(sales.gam).post(
        "/api/v1/opportunities/", _body(sales, currency="eur", amount="1234.50"), format="json"
    )
    assert response.json()["currency"] == "EUR"
    assert response.json()["amount_reporting"] == "1234.50"


def test_missing_rate_is_a_clear_400(sales, api, in_tenant):
    response = api(sales.gam).post(
        "/api/v1/opportunities/", _body(sales, currency="GBP"), format="json"
    )
    assert response.status_code == 400
    assert "No exchange rate from GBP to EUR" in response.json()["currency"][0]
    response = api(sales.gam).post(
        "/api/v1/opportunities/", _body(sales, close_date="2025-12-31"), format="json"
    )
    assert response.status_code == 400  # the SEK rate only starts in 2026
    with in_tenant(sales.acme):
        assert not Opportunity.objects.filter(name="Volvia SE valves").exists()


def test_currency_defaults_to_the_subsidiarys_country(sales, api):
    body = _body(sales)
    del body["currency"]
    assert (
        api(sales.gam).post("/api/v1/opportunities/", body, format="json").json()["currency"]
        == "SEK"
    )


def test_changing_the_close_date_reconverts(sales, api):
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"close_date": "2026-02-01"}, format="json"
    )
    assert response.json()["amount_reporting"] == "8700.00"


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        ("prospecting", "open"),
        ("proposal", "open"),
        ("negotiation", "open"),
        ("closed_won", "won"),
        ("closed_lost", "lost"),
    ],
)
def test_status_follows_the_phase_of_the_stage(sales, api, in_tenant, stage, status):
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"stage": stage}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == status
    with in_tenant(sales.acme):
        opportunity = Opportunity.objects.get(pk=sales.opp_se.pk)
    assert (opportunity.closed_at is not None) == (status != "open")


def test_status_cannot_be_written(sales, api):
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"status": "won"}, format="json"
    )
    assert response.json()["status"] == "open"


def test_every_stage_move_is_recorded(sales, api, in_tenant):
    client = api(sales.gam)
    url = f"/api/v1/opportunities/{sales.opp_se.pk}/"
    client.patch(url, {"stage": "negotiation"}, format="json")
    client.patch(url, {"next_step": "Send contract"}, format="json")  # no move, no record
    client.patch(url, {"stage": "closed_won"}, format="json")
    with in_tenant(sales.acme):
        moves = [
            (c.from_stage.slug if c.from_stage else None, c.to_stage.slug, c.changed_by_id)
            for c in StageChange.objects.filter(opportunity=sales.opp_se)
        ]
    assert moves == [
        (None, "proposal", sales.gam.pk),
        ("proposal", "negotiation", sales.gam.pk),
        ("negotiation", "closed_won", sales.gam.pk),
    ]


def test_country_stage_set_is_used_in_that_country(sales, api, in_tenant):
    with in_tenant(sales.acme):
        f.StageFactory(tenant=sales.acme, slug="de_angebot", phase="proposal", country=sales.de)
    client = api(sales.admin)
    response = client.patch(
        f"/api/v1/opportunities/{sales.opp_de.pk}/", {"stage": "de_angebot"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    # Germany now has its own process: the common stages no longer apply there ...
    response = client.patch(
        f"/api/v1/opportunities/{sales.opp_de.pk}/", {"stage": "negotiation"}, format="json"
    )
    assert response.status_code == 400
    assert "stage" in response.json()
    # ... and German stages do not apply in Sweden
    response = client.patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"stage": "de_angebot"}, format="json"
    )
    assert response.status_code == 400


# --- split credit ---------------------------------------------------------------------------


def test_split_between_countries(sales, api, in_tenant):
    splits = [
        {"user": sales.gam.pk, "country": "se", "percent": "60"},
        {"user": sales.lam_de.pk, "country": "DE", "percent": "40"},
    ]
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"credit_splits": splits}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["credit_splits"], key=lambda s: s["country"]) == [
        {"user": sales.lam_de.pk, "country": "DE", "percent": "40.00"},
        {"user": sales.gam.pk, "country": "SE", "percent": "60.00"},
    ]


@pytest.mark.parametrize(
    "percents",
    [["60", "30"], ["60", "50"], ["100", "0.5"], ["99.99"], []],
)
def test_splits_not_summing_to_100_are_rejected_and_nothing_saved(sales, api, in_tenant, percents):
    users = [sales.gam, sales.lam_de]
    splits = [{"user": users[i].pk, "country": "SE", "percent": p} for i, p in enumerate(percents)]
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/",
        {"credit_splits": splits, "next_step": "must not be saved"},
        format="json",
    )
    assert response.status_code == 400
    assert "credit_splits" in response.json()
    with in_tenant(sales.acme):
        opportunity = Opportunity.objects.get(pk=sales.opp_se.pk)
        assert opportunity.next_step == ""
        assert opportunity.version == 1
        assert list(
            CreditSplit.objects.filter(opportunity=opportunity).values_list("user_id", "percent")
        ) == [(sales.gam.pk, Decimal("100.00"))]


def test_split_error_message_says_what_the_sum_is(sales, api):
    splits = [
        {"user": sales.gam.pk, "country": "SE", "percent": "60"},
        {"user": sales.lam_de.pk, "country": "DE", "percent": "30"},
    ]
    response = api(sales.gam).post(
        "/api/v1/opportunities/", _body(sales, credit_splits=splits), format="json"
    )
    assert response.status_code == 400
    assert response.json()["credit_splits"] == [
        "The credit shares must add up to exactly 100% (they add up to 90%)."
    ]


def test_split_with_a_foreign_user_or_country_is_400(sales, api):
    for split in [
        {"user": sales.other_admin.pk, "country": "SE", "percent": "100"},
        {"user": sales.gam.pk, "country": "XX", "percent": "100"},
    ]:
        response = api(sales.gam).patch(
            f"/api/v1/opportunities/{sales.opp_se.pk}/", {"credit_splits": [split]}, format="json"
        )
        assert response.status_code == 400


def test_default_split_follows_a_new_owner(sales, api):
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", {"owner": sales.lam_de.pk}, format="json"
    )
    assert response.json()["credit_splits"] == [
        {"user": sales.lam_de.pk, "country": "SE", "percent": "100.00"}
    ]


# --- optimistic concurrency -----------------------------------------------------------------


def test_stale_version_is_409_and_nothing_is_saved(sales, api, in_tenant):
    url = f"/api/v1/opportunities/{sales.opp_se.pk}/"
    first = api(sales.gam).patch(url, {"next_step": "GAM's", "version": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["version"] == 2
    second = api(sales.admin).patch(url, {"next_step": "Admin's", "version": 1}, format="json")
    assert second.status_code == 409
    assert "changed by someone else" in second.json()["detail"]
    with in_tenant(sales.acme):
        opportunity = Opportunity.objects.get(pk=sales.opp_se.pk)
    assert (opportunity.next_step, opportunity.version) == ("GAM's", 2)


def test_stale_if_match_is_409(sales, api):
    url = f"/api/v1/opportunities/{sales.opp_se.pk}/"
    client = api(sales.gam)
    assert (
        client.patch(url, {"next_step": "a"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    )
    response = client.patch(url, {"next_step": "b"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert (
        client.patch(url, {"next_step": "c"}, format="json", HTTP_IF_MATCH='"2"').status_code == 200
    )


def test_stale_stage_move_records_no_stage_change(sales, api, in_tenant):
    url = f"/api/v1/opportunities/{sales.opp_se.pk}/"
    api(sales.gam).patch(url, {"next_step": "x"}, format="json")
    response = api(sales.gam).patch(url, {"stage": "closed_won", "version": 1}, format="json")
    assert response.status_code == 409
    with in_tenant(sales.acme):
        assert StageChange.objects.filter(opportunity=sales.opp_se).count() == 1


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "-5"},
        {"amount": "lots"},
        {"currency": "euro"},
        {"close_date": "someday"},
        {"stage": "no_such_stage"},
        {"subsidiary": 999999},
        {"name": ""},
        {"credit_splits": "all to me"},
        {"credit_splits": [{"user": "x", "country": 5, "percent": "abc"}]},
    ],
)
def test_bad_input_is_400_never_500(sales, api, change):
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/", change, format="json"
    )
    assert response.status_code == 400, response.content


def test_agreement_of_another_global_account_is_400(sales, api, in_tenant):
    other_account = f.GlobalAccountFactory(tenant=sales.acme, headquarters_country=sales.se)
    agreement = f.FrameworkAgreementFactory(
        tenant=sales.acme, global_account=other_account, countries=[sales.se]
    )
    response = api(sales.gam).patch(
        f"/api/v1/opportunities/{sales.opp_se.pk}/",
        {"framework_agreement": agreement.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "framework_agreement" in response.json()


# --- warnings at entry ----------------------------------------------------------------------


def test_create_warns_about_an_agreement_and_parallel_work(sales, api, in_tenant):
    agreement = f.FrameworkAgreementFactory(
        tenant=sales.acme,
        global_account=sales.account,
        countries=[sales.de],
        name="Volvia frame 2026",
        shipping_terms="DAP Hamburg",
    )
    body = _body(sales, subsidiary=sales.sub_de.pk, currency="EUR", product_line=sales.pumps.pk)
    response = api(sales.rep).post("/api/v1/opportunities/", body, format="json")
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert any("Volvia frame 2026" in w and "12.5% discount" in w for w in warnings)
    # the rep may not see the Swedish pumps opportunity: country and GAM only
    parallel = [w for w in warnings if "Pumps" in w]
    assert parallel == [
        "Another country (SE) already works on Pumps at this global account. "
        "Talk to the global account manager, Greta GAM."
    ]
    assert "Volvia SE pumps" not in str(warnings)
    body["framework_agreement"] = agreement.pk
    response = api(sales.rep).post("/api/v1/opportunities/", body, format="json")
    assert not any("Volvia frame 2026" in w for w in response.json()["warnings"])


# --- query counts ---------------------------------------------------------------------------


def _more_opportunities(w, n):
    for i in range(n):
        owner = [w.gam, w.lam_de][i % 2]
        opportunity = services.opportunity_create(
            actor=owner,
            name=f"Extra {i}",
            subsidiary=[w.sub_se, w.sub_de][i % 2],
            stage=w.stages["negotiation"],
            product_line=w.pumps,
            amount=Decimal(1000 + i),
            currency="EUR",
            close_date=datetime.date(2026, 10, 1),
        )
        services.opportunity_update(
            opportunity=opportunity,
            actor=owner,
            splits=[
                services.Split(user=w.gam, country=w.se, percent=Decimal(50)),
                services.Split(user=w.lam_de, country=w.de, percent=Decimal(50)),
            ],
        )
        services.activity_create(
            actor=owner,
            kind="call",
            subject=f"Call {i}",
            subsidiary=opportunity.subsidiary,
            opportunity=opportunity,
        )
        services.campaign_create(
            actor=owner,
            name=f"Campaign {i}",
            subsidiary=opportunity.subsidiary,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 1, 2),
        )


@pytest.mark.parametrize("kind", ["opportunities", "activities", "campaigns", "leads"])
@pytest.mark.parametrize("role", ["admin", "lam_de"])
def test_list_query_count_is_constant(
    sales, api, in_tenant, django_assert_max_num_queries, kind, role
):
    client = api(getattr(sales, role))
    counts = []
    for extra in (0, 27):
        with in_tenant(sales.acme):
            _more_opportunities(sales, extra)
            for i in range(extra or 3):  # 3 leads, then 30, like the other records
                f.LeadFactory(tenant=sales.acme, country=sales.de, company_name=f"Lead {i}")
        with django_assert_max_num_queries(8) as ctx:
            response = client.get(f"/api/v1/{kind}/?page_size=100")
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_body_of_the_wrong_shape_is_a_400_not_a_500(world, api):
    """Found by schemathesis: a list where an object belongs (top level or nested)."""
    client = api(world.admin)
    for body in ([], [["x"]], {"name": "x", "credit_splits": [["SE"]]}):
        response = client.post("/api/v1/opportunities/", body, format="json")
        assert response.status_code == 400, (body, response.content)
