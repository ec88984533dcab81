"""The account plan of ``world``'s Volvia Group, for tests/plans/test_plans_*.py.

  tier        Gold, reviews every 60 days (Volvia's tier)
  plan        made by the GAM on 2026-03-01, one strategy edit since (version 2)
  obj_all     whole account, 100 000 EUR by 2026-12-31
  obj_de      Germany, pumps, 50 000 EUR by 2026-12-31
  obj_se      Sweden, 10 000 EUR by 2026-06-30
  act_de      Germany, the LAM's, due 2026-11-01, open  (overdue on 2026-12-01)
  act_all     whole account, the GAM's, due 2027-01-31
  act_se      Sweden, done
  ad_de, ad_se  local adaptations
  comment     by the sponsor
  review      by the sponsor, held 2026-09-15
Won deals for progress (the SEK rate is 0.0870 all year):
  100 000 SEK in SE on 2026-03-01 (= 8 700 EUR), 20 000 EUR pumps in DE on 2026-05-01,
  5 000 EUR valves in DE on 2026-07-01, 50 000 SEK in SE on 2026-08-01 (= 4 350 EUR, after
  obj_se's date); a lost 90 000 EUR and an open 70 000 EUR deal that count nowhere.
Globex: other_plan of Initech, with other_objective, other_action, other_comment.
"""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.plans import services as services
from accounts.plans.models import AccountPlan, PlanReview
from gam.tenancy import tenant_context
from opportunities import services as sales
from opportunities.models import Stage
from tests import factories as f


def _at(day: date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def build(w, *, with_deals: bool = True):
    with tenant_context(w.acme):
        w.tier = f.TierFactory(tenant=w.acme, name="Gold", rank=2, review_interval_days=60)
        w.account.tier = w.tier
        w.account.save(update_fields=["tier"])
        w.pumps = f.ProductLineFactory(tenant=w.acme, name="Pumps")
        w.valves = f.ProductLineFactory(tenant=w.acme, name="Valves")
        w.plan = services.plan_create(
            account=w.account,
            actor=w.gam,
            business_goals="Cut energy use in all plants by 20% by 2028.",
            strategy="Win the group frame for pumps; land service contracts locally.",
        )
        AccountPlan.objects.filter(pk=w.plan.pk).update(created_at=_at(date(2026, 3, 1)))
        w.plan.refresh_from_db()
        services.plan_update(
            plan=w.plan,
            actor=w.gam,
            expected_version=1,
            competition="Grundfos-like incumbents in DE; local firms in SE.",
        )
        target = {"target_date": date(2026, 12, 31)}
        w.obj_all = services.objective_create(
            plan=w.plan, actor=w.gam, title="Group revenue", target_amount=Decimal("100000"),
            **target,
        )  # fmt: skip
        w.obj_de = services.objective_create(
            plan=w.plan, actor=w.gam, title="Pumps in Germany", target_amount=Decimal("50000"),
            country=w.de, product_line=w.pumps, **target,
        )  # fmt: skip
        w.obj_se = services.objective_create(
            plan=w.plan, actor=w.gam, title="Sweden first half", target_amount=Decimal("10000"),
            target_date=date(2026, 6, 30), country=w.se,
        )  # fmt: skip
        w.act_de = services.action_create(
            plan=w.plan, actor=w.gam, title="Meet the Stuttgart plant manager", owner=w.lam_de,
            due_date=date(2026, 11, 1), country=w.de, objective=w.obj_de,
        )  # fmt: skip
        w.act_all = services.action_create(
            plan=w.plan, actor=w.gam, title="Present the group business case", owner=w.gam,
            due_date=date(2027, 1, 31),
        )  # fmt: skip
        w.act_se = services.action_create(
            plan=w.plan, actor=w.gam, title="Reference visit Göteborg", owner=w.gam,
            due_date=date(2026, 4, 1), country=w.se, status="done",
        )  # fmt: skip
        w.ad_de = services.adaptation_create(
            plan=w.plan, actor=w.gam, country=w.de, notes="Works council must agree first."
        )
        w.ad_se = services.adaptation_create(
            plan=w.plan, actor=w.gam, country=w.se, notes="Central purchasing in Göteborg."
        )
        w.comment = services.comment_add(plan=w.plan, author=w.sponsor, body="Looks solid.")
        w.review = PlanReview.objects.create(
            plan=w.plan, reviewer=w.sponsor, held_on=date(2026, 9, 15), notes="On track."
        )
        if with_deals:
            _deals(w)
    with tenant_context(w.globex):
        w.other_plan = services.plan_create(account=w.other_account, actor=w.other_admin)
        w.other_objective = services.objective_create(
            plan=w.other_plan, actor=w.other_admin, title="Initech growth"
        )
        w.other_action = services.action_create(
            plan=w.other_plan, actor=w.other_admin, title="Initech call"
        )
        w.other_comment = services.comment_add(
            plan=w.other_plan, author=w.other_admin, body="Globex only"
        )
    return w


def _deals(w):
    sales.stages_create_defaults()
    stages = {s.slug: s for s in Stage.objects.all()}
    f.ExchangeRateFactory(tenant=w.acme, currency="SEK", rate=Decimal("0.0870"))
    deals = [
        (w.sub_se, None, "100000", "SEK", date(2026, 3, 1), "closed_won"),
        (w.sub_de, w.pumps, "20000", "EUR", date(2026, 5, 1), "closed_won"),
        (w.sub_de, w.valves, "5000", "EUR", date(2026, 7, 1), "closed_won"),
        (w.sub_se, None, "50000", "SEK", date(2026, 8, 1), "closed_won"),
        (w.sub_de, w.pumps, "90000", "EUR", date(2026, 6, 1), "closed_lost"),
        (w.sub_de, w.pumps, "70000", "EUR", date(2026, 12, 20), "negotiation"),
    ]
    w.deals = []
    for i, (sub, product_line, amount, currency, close, stage) in enumerate(deals):
        w.deals.append(
            sales.opportunity_create(
                actor=w.gam,
                name=f"Deal {i}",
                subsidiary=sub,
                product_line=product_line,
                amount=Decimal(amount),
                currency=currency,
                close_date=close,
                stage=stages[stage],
            )  # fmt: skip
        )
