"""A small, hand-computable account for the dashboard tests (on top of ``world``).

Tenant acme reports in EUR; SEK converts at 0.09 from 1 January this year (0.10 before).
Stages: prospecting 10 %, proposal 50 %, negotiation 75 %, closed won, closed lost.

Volvia Group (account), this year ``Y``:
  o1  SE  proposal     SEK 100 001 -> 9 000.09 EUR, weighted 4 500.045   owner gam
  o2  SE  negotiation  EUR 20 000,  weighted 15 000                      owner gam
  o3  DE  prospecting  EUR 5 000,   weighted 500                         owner lam_de
  o9  DE  prospecting  EUR 1 000,   weighted 100                         owner rep (not on team)
  o4  DE  won          EUR 30 000   created 1 Jan, closed 31 Jan (30 days)
  o5  SE  won          SEK 50 000 -> 4 500, created 1 Mar, close date 20 Apr (50 days)
  o6  SE  won last year, EUR 12 000 (never counted as this year's)
  o7  SE  lost         EUR 8 000 (went through proposal first)
Local customer (no account): o8 SE qualification 20 % EUR 7 000, owner ``owner``.
Subsidiaries in SE, DE, FR (activity 10 days ago) and GB (activity 100 days ago only):
white space = [GB]. Conflicts at the account: open, acknowledged (counted), resolved (not).
Tier interval 30 days, last review 1 Feb -> next review 3 Mar.
Globex has an opportunity of 99 999 that must never show up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.plans.models import AccountPlan, PlanReview
from gam.selectors import exchange_rate_on
from gam.tenancy import tenant_context
from opportunities.conflicts.models import Conflict
from opportunities.models import Activity, Opportunity, StageChange
from opportunities.services import stage_summaries_refresh
from tests import factories as f

UTC = dt.UTC


def at(y, m, d, hour=12) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=UTC)


def make_opportunity(w, *, subsidiary, stage, amount, currency="EUR", **kwargs):
    """An opportunity with amount_reporting converted as opportunities.services does: at the
    rate valid on the close date."""
    close_date = kwargs.pop("close_date", dt.date(w.year, 12, 15))
    with tenant_context(w.acme):
        rate = exchange_rate_on(currency, close_date, reporting_currency="EUR")
    return f.OpportunityFactory(
        tenant=subsidiary.tenant,
        subsidiary=subsidiary,
        stage=stage,
        amount=Decimal(amount),
        currency=currency,
        amount_reporting=(Decimal(amount) * rate).quantize(Decimal("0.01")),
        close_date=close_date,
        product_line=w.pumps,
        **kwargs,
    )


@pytest.fixture
def dash(world):
    w = world
    w.year = y = timezone.localdate().year
    acme = w.acme
    w.gb = f.CountryFactory(tenant=acme, code="GB")
    f.ExchangeRateFactory(tenant=acme, currency="SEK", rate="0.10", valid_from=dt.date(y - 1, 1, 1))
    f.ExchangeRateFactory(tenant=acme, currency="SEK", rate="0.09", valid_from=dt.date(y, 1, 1))
    w.pumps = f.ProductLineFactory(tenant=acme, name="Pumps")
    stage = {
        slug: f.StageFactory(tenant=acme, slug=slug, probability=p)
        for slug, p in [
            ("prospecting", 10),
            ("qualification", 20),
            ("proposal", 50),
            ("negotiation", 75),
            ("closed_won", 100),
            ("closed_lost", 0),
        ]
    }
    w.stage = stage
    w.tier = f.TierFactory(tenant=acme, name="Gold", rank=2, review_interval_days=30)
    w.sub_fr = f.SubsidiaryFactory(
        tenant=acme, global_account=w.account, country=w.fr, name="Volvia France SAS"
    )
    w.sub_gb = f.SubsidiaryFactory(
        tenant=acme, global_account=w.account, country=w.gb, name="Volvia UK Ltd"
    )
    jan10 = at(y, 1, 10)
    opp = SimpleNamespace()
    opp.o1 = make_opportunity(
        w,
        subsidiary=w.sub_se,
        stage=stage["proposal"],
        amount="100001",
        currency="SEK",
        owner=w.gam,
        created_at=jan10,
    )
    opp.o2 = make_opportunity(
        w,
        subsidiary=w.sub_se,
        stage=stage["negotiation"],
        amount="20000",
        owner=w.gam,
        created_at=jan10,
    )
    opp.o3 = make_opportunity(
        w,
        subsidiary=w.sub_de,
        stage=stage["prospecting"],
        amount="5000",
        owner=w.lam_de,
        created_at=jan10,
    )
    opp.o9 = make_opportunity(
        w,
        subsidiary=w.sub_de,
        stage=stage["prospecting"],
        amount="1000",
        owner=w.rep,
        created_at=at(y, 4, 10),
    )
    opp.o4 = make_opportunity(
        w,
        subsidiary=w.sub_de,
        stage=stage["closed_won"],
        amount="30000",
        owner=w.lam_de,
        created_at=at(y, 1, 1, 8),
        closed_at=at(y, 1, 31, 18),
        close_date=dt.date(y, 1, 31),
    )
    opp.o5 = make_opportunity(
        w,
        subsidiary=w.sub_se,
        stage=stage["closed_won"],
        amount="50000",
        currency="SEK",
        owner=w.gam,
        created_at=at(y, 3, 1),
        close_date=dt.date(y, 4, 20),
    )
    opp.o6 = make_opportunity(
        w,
        subsidiary=w.sub_se,
        stage=stage["closed_won"],
        amount="12000",
        owner=w.gam,
        created_at=at(y - 1, 3, 1),
        close_date=dt.date(y - 1, 6, 1),
    )
    opp.o7 = make_opportunity(
        w,
        subsidiary=w.sub_se,
        stage=stage["closed_lost"],
        amount="8000",
        owner=w.gam,
        created_at=jan10,
        close_date=dt.date(y, 2, 15),
    )
    opp.o8 = make_opportunity(
        w,
        subsidiary=w.local_customer,
        stage=stage["qualification"],
        amount="7000",
        owner=w.owner,
        created_at=jan10,
    )
    w.opp = opp
    other_stage = f.StageFactory(tenant=w.globex, slug="proposal", probability=50)
    f.OpportunityFactory(
        tenant=w.globex, subsidiary=w.other_subsidiary, stage=other_stage, amount=Decimal(99999)
    )
    now = timezone.now()
    with tenant_context(acme):
        StageChange.objects.create(
            opportunity=opp.o1,
            from_stage=stage["prospecting"],
            to_stage=stage["proposal"],
            changed_at=at(y, 4, 20),
        )
        StageChange.objects.create(
            opportunity=opp.o3,
            from_stage=None,
            to_stage=stage["prospecting"],
            changed_at=at(y, 4, 25),
        )
        StageChange.objects.create(
            opportunity=opp.o7,
            from_stage=stage["prospecting"],
            to_stage=stage["proposal"],
            changed_at=at(y, 1, 20),
        )
        StageChange.objects.create(
            opportunity=opp.o7,
            from_stage=stage["proposal"],
            to_stage=stage["closed_lost"],
            changed_at=at(y, 2, 15),
        )
        # Stage changes written here rather than by the services: their summary on the rows.
        stage_summaries_refresh(Opportunity.objects.all())
        for sub, days in [(w.sub_fr, 10), (w.sub_gb, 100)]:
            Activity.objects.create(
                kind=Activity.Kind.CALL,
                subject=f"Call {sub.country.code}",
                subsidiary=sub,
                global_account=w.account,
                country=sub.country,
                owner=w.gam,
                occurred_at=now - dt.timedelta(days=days),
            )
        for i, status in enumerate(["open", "acknowledged", "resolved"]):
            Conflict.objects.create(
                kind="parallel_opportunity", key=f"k{i}", status=status, global_account=w.account
            )
        w.account.tier = w.tier
        w.account.save()
        w.plan = AccountPlan.objects.create(global_account=w.account, created_at=at(y, 1, 5))
        PlanReview.objects.create(plan=w.plan, reviewer=w.sponsor, held_on=dt.date(y, 2, 1))
    return w


def grow(w, n: int) -> None:
    """``n`` more open opportunities, activities and conflicts across countries."""
    subs = [w.sub_se, w.sub_de, w.sub_fr]
    for i in range(n):
        sub = subs[i % 3]
        make_opportunity(
            w,
            subsidiary=sub,
            stage=w.stage["proposal"],
            amount="100",
            owner=w.gam,
            created_at=at(w.year, 1, 2),
        )
        with tenant_context(w.acme):
            Activity.objects.create(
                kind=Activity.Kind.NOTE,
                subject=f"n{i}",
                subsidiary=sub,
                global_account=w.account,
                country=sub.country,
                owner=w.gam,
            )
