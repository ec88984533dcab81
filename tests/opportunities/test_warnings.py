"""The warnings at entry (opportunities/warnings.py), for both audiences."""

from __future__ import annotations

import datetime

from opportunities import warnings
from tests import factories as f


def _hints(w, user, in_tenant, product_line=None, subsidiary=None):
    with in_tenant(w.acme):
        return warnings.parallel_opportunities(
            user, subsidiary=subsidiary or w.sub_de, product_line=product_line or w.pumps
        )


def test_team_member_learns_name_country_and_owner(sales, in_tenant):
    (hint,) = _hints(sales, sales.lam_de, in_tenant)
    assert hint.opportunity == sales.opp_se
    assert hint.country == sales.se
    assert hint.product_line == sales.pumps
    text = warnings.parallel_work_text(hint)
    assert "Volvia SE pumps" in text and "SE" in text and "Greta GAM" in text


def test_outsider_learns_only_country_product_line_and_gam(sales, in_tenant):
    (hint,) = _hints(sales, sales.rep, in_tenant)
    assert hint.opportunity is None
    assert (hint.country, hint.product_line, hint.manager) == (sales.se, sales.pumps, sales.gam)
    text = warnings.parallel_work_text(hint)
    assert text == (
        "Another country (SE) already works on Pumps at this global account. "
        "Talk to the global account manager, Greta GAM."
    )
    for secret in ["Volvia SE pumps", "100", "roposal", "8700", "8,700"]:
        assert secret not in text


def test_outsider_gets_one_hint_per_country(sales, in_tenant):
    with in_tenant(sales.acme):
        for i in range(3):
            f.OpportunityFactory(
                tenant=sales.acme, subsidiary=sales.sub_se, product_line=sales.pumps,
                stage=sales.stages["negotiation"], name=f"More {i}",
            )  # fmt: skip
    assert len(_hints(sales, sales.rep, in_tenant)) == 1
    assert len(_hints(sales, sales.gam, in_tenant)) == 4


def test_no_warning_for_another_product_line_closed_deals_or_local_customers(sales, in_tenant):
    # valves: only the German opportunity, pumps: only the Swedish one
    valves = _hints(sales, sales.gam, in_tenant, product_line=sales.valves)
    assert [h.opportunity for h in valves] == [sales.opp_de]
    with in_tenant(sales.acme):
        other_line = f.ProductLineFactory(tenant=sales.acme, name="Compressors")
    assert _hints(sales, sales.gam, in_tenant, product_line=other_line) == []
    with in_tenant(sales.acme):
        sales.opp_se.stage = sales.stages["closed_lost"]
        sales.opp_se.status = "lost"
        sales.opp_se.save()
    assert _hints(sales, sales.rep, in_tenant) == []
    assert _hints(sales, sales.rep, in_tenant, subsidiary=sales.local_customer) == []


def test_agreements_covering_the_country_when_active(sales, in_tenant):
    active = f.FrameworkAgreementFactory(
        tenant=sales.acme, global_account=sales.account, countries=[sales.de], name="Active"
    )
    f.FrameworkAgreementFactory(
        tenant=sales.acme, global_account=sales.account, countries=[sales.se], name="Sweden only"
    )
    f.FrameworkAgreementFactory(
        tenant=sales.acme,
        global_account=sales.account,
        countries=[sales.de],
        name="Expired",
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2021, 1, 1),
    )
    with in_tenant(sales.acme):
        found = warnings.agreements_covering(sales.sub_de, datetime.date(2026, 5, 1))
        assert warnings.agreements_covering(sales.local_customer) == []
    assert found == [active]
