"""The sales work of ``world``: the default stages, a product line, SEK rates, and one
opportunity, activity and campaign at each of Volvia's subsidiaries and the local customer.

  opp_se     at Volvia Sverige (SE), owned by the GAM
  opp_de     at Volvia Deutschland (DE), owned by the German local account manager
  opp_local  at the local customer, owned by its owner
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gam.tenancy import tenant_context
from opportunities import services
from opportunities.models import Stage
from tests import factories as f


@pytest.fixture
def sales(world):
    w = world
    with tenant_context(w.acme):
        services.stages_create_defaults()
        w.stages = {s.slug: s for s in Stage.objects.all()}
        w.pumps = f.ProductLineFactory(tenant=w.acme, name="Pumps")
        w.valves = f.ProductLineFactory(tenant=w.acme, name="Valves")
        f.ExchangeRateFactory(tenant=w.acme, currency="SEK", rate=Decimal("0.0870"))
        f.ExchangeRateFactory(
            tenant=w.acme,
            currency="SEK",
            rate=Decimal("0.0900"),
            valid_from=datetime.date(2026, 6, 1),
        )
        common = {"stage": w.stages["proposal"], "close_date": datetime.date(2026, 9, 30)}
        w.opp_se = services.opportunity_create(
            actor=w.gam,
            name="Volvia SE pumps",
            subsidiary=w.sub_se,
            product_line=w.pumps,
            amount=Decimal("100000"),
            currency="SEK",
            **common,
        )
        w.opp_de = services.opportunity_create(
            actor=w.lam_de,
            name="Volvia DE valves",
            subsidiary=w.sub_de,
            product_line=w.valves,
            amount=Decimal("20000"),
            **common,
        )
        w.opp_local = services.opportunity_create(
            actor=w.owner,
            name="Småland pumps",
            subsidiary=w.local_customer,
            product_line=w.pumps,
            amount=Decimal("5000"),
            **common,
        )
        w.act_se = services.activity_create(
            actor=w.gam, kind="meeting", subject="Kick-off Göteborg", subsidiary=w.sub_se
        )
        w.act_de = services.activity_create(
            actor=w.lam_de, kind="call", subject="Call Stuttgart", subsidiary=w.sub_de
        )
        w.act_local = services.activity_create(
            actor=w.owner, kind="note", subject="Visit Växjö", subsidiary=w.local_customer
        )
        camp = {"starts_on": datetime.date(2026, 11, 1), "ends_on": datetime.date(2026, 11, 30)}
        w.camp_se = services.campaign_create(
            actor=w.gam, name="Nordic fair", subsidiary=w.sub_se, **camp
        )
        w.camp_de = services.campaign_create(
            actor=w.lam_de, name="Hannover Messe", subsidiary=w.sub_de, **camp
        )
        w.camp_local = services.campaign_create(
            actor=w.owner, name="Local mailing", subsidiary=w.local_customer, **camp
        )
        # globex: a stage, product line and agreement that acme must never link to
        w.other_stage = f.StageFactory(tenant=w.globex, slug="globex_only")
        w.other_product_line = f.ProductLineFactory(tenant=w.globex, name="Globex widgets")
        w.other_agreement = f.FrameworkAgreementFactory(
            tenant=w.globex, global_account=w.other_account
        )
        with tenant_context(w.globex):
            w.other_opportunity = f.OpportunityFactory(
                tenant=w.globex, subsidiary=w.other_subsidiary, stage=w.other_stage
            )
    return w
