"""The sales part of the demo (opportunities/seed.py): a pipeline across countries and
stages with history, split credit, activities, leads, campaigns, and exactly the three
deliberate overlaps for the conflict engine — no accidental ones."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import FrameworkAgreement, GlobalAccount, Subsidiary
from gam import seed as platform_seed
from gam.models import Tenant
from gam.tenancy import tenant_context
from opportunities import seed as sales_seed
from opportunities import selectors
from opportunities.models import (
    Activity,
    Campaign,
    CreditSplit,
    Lead,
    Opportunity,
    OpportunityStatus,
    Phase,
    StageChange,
)
from teams.models import TeamRole
from teams.services import team_member_add

# A small stand-in for accounts.seed: account -> [(country, subsidiary name)].
ACCOUNTS = {
    "Volvia Group": [
        ("SE", "Volvia Sverige AB"),
        ("DE", "Volvia Deutschland GmbH"),
        ("FR", "Volvia France SAS"),
        ("GB", "Volvia UK Ltd"),
        ("JP", "Volvia Japan K.K."),
    ],
    "Heliox Chemicals": [("DE", "Heliox Chemie GmbH"), ("NL", "Heliox Nederland B.V.")],
    "Borealis Paper": [("FI", "Borealis Paperi Oy"), ("SE", "Borealis Papper AB")],
}


def _demo_context(with_agreement: bool = True):
    ctx = platform_seed.seed_platform()
    with tenant_context(ctx.tenant):
        platform_seed.seed_markets(ctx)
        accounts, subsidiaries = {}, {}
        for i, (name, subs) in enumerate(ACCOUNTS.items()):
            account = GlobalAccount.objects.create(name=name)
            accounts[name] = account
            for code, sub_name in subs:
                subsidiaries[(name, code, sub_name)] = Subsidiary.objects.create(
                    global_account=account,
                    name=sub_name,
                    country=ctx.countries[code],
                    website=f"{sub_name.split()[0].lower()}.example",
                )
            gam = ctx.users["gam"] if i != 1 else ctx.users["gam2"]
            team_member_add(account=account, user=gam, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        team_member_add(
            account=accounts["Volvia Group"],
            user=ctx.users["lam.de"],
            role=TeamRole.LOCAL_ACCOUNT_MANAGER,
            country=ctx.countries["DE"],
        )
        local = Subsidiary.objects.create(
            name="Småland Verkstad AB", country=ctx.countries["SE"], owner=ctx.users["rep.fi"]
        )
        subsidiaries[(None, "SE", local.name)] = local
        if with_agreement:
            agreement = FrameworkAgreement.objects.create(
                global_account=accounts["Volvia Group"],
                name="Volvia frame 2026",
                discount_percent=Decimal("10"),
                valid_from=date(timezone.localdate().year, 1, 1),
            )
            agreement.countries.set([ctx.countries["FR"], ctx.countries["GB"]])
        ctx.extra["accounts"] = accounts
        ctx.extra["subsidiaries"] = subsidiaries
        sales_seed.seed(ctx)
    return ctx


def _parallel_groups():
    """(account, product line) with open deals in two countries or by two owners."""
    groups = defaultdict(set)
    for o in Opportunity.objects.filter(
        status=OpportunityStatus.OPEN, global_account__isnull=False
    ):
        groups[(o.global_account_id, o.product_line_id)].add((o.country_id, o.owner_id))
    return [key for key, places in groups.items() if len(places) > 1]


def _campaigns_during_negotiation(today):
    found = []
    for campaign in Campaign.objects.filter(
        global_account__isnull=False, starts_on__lte=today, ends_on__gte=today
    ):
        negotiating = Opportunity.objects.filter(
            global_account_id=campaign.global_account_id,
            stage__phase=Phase.NEGOTIATION,
            status=OpportunityStatus.OPEN,
        )
        if negotiating.exists():
            found.append(campaign)
    return found


def _agreements_missed(today):
    missed = []
    for o in Opportunity.objects.filter(
        status=OpportunityStatus.OPEN, framework_agreement__isnull=True
    ).select_related("subsidiary"):
        covering = FrameworkAgreement.objects.filter(
            global_account_id=o.global_account_id, countries=o.country_id, valid_from__lte=today
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        if o.global_account_id and covering.exists():
            missed.append(o)
    return missed


def _assert_exactly_the_deliberate_overlaps(ctx):
    today = timezone.localdate()
    overlaps = ctx.extra["sales_overlaps"]
    parallel = _parallel_groups()
    a, b = overlaps["parallel_opportunity"]
    assert parallel == [(a.global_account_id, a.product_line_id)]
    assert a.country_id != b.country_id and a.owner_id != b.owner_id
    campaign, negotiation = overlaps["campaign_during_negotiation"]
    assert _campaigns_during_negotiation(today) == [campaign]
    assert negotiation.stage.phase == Phase.NEGOTIATION
    assert negotiation.country_id != campaign.country_id
    assert negotiation.global_account_id == campaign.global_account_id
    (missed,) = overlaps["framework_agreement_missed"]
    assert _agreements_missed(today) == [missed]


@pytest.mark.django_db
def test_sales_demo_has_a_pipeline_across_countries_and_stages():
    ctx = _demo_context()
    today = timezone.localdate()
    with tenant_context(ctx.tenant):
        opportunities = Opportunity.objects.all()
        assert opportunities.count() >= 15
        assert opportunities.values("country").distinct().count() >= 7
        phases = set(opportunities.values_list("stage__phase", flat=True))
        assert phases == {p.value for p in Phase}
        this_year = Q(close_date__year=today.year, close_date__lte=today)
        assert opportunities.filter(this_year, status="won").exists()
        assert opportunities.filter(this_year, status="lost").exists()
        assert not opportunities.filter(status="lost", loss_reason="").exists()
        # Japan sells with its own stages.
        jp = opportunities.filter(country__code="JP")
        assert jp.exists() and not jp.exclude(stage__country__code="JP").exists()
        # Denormalized fields are what the services store.
        for o in opportunities.select_related("subsidiary", "stage"):
            assert o.global_account_id == o.subsidiary.global_account_id
            assert o.country_id == o.subsidiary.country_id
            assert o.status == {"won": "won", "lost": "lost"}.get(o.stage.phase, "open")
            rate = {"EUR": 1, "SEK": Decimal("0.0870"), "GBP": Decimal("1.1700")}.get(o.currency)
            if rate is not None:
                assert o.amount_reporting == (o.amount * rate).quantize(Decimal("0.01"))
        # History: stage changes spread over the past, closed deals took weeks.
        won = opportunities.filter(status="won").first()
        moves = list(StageChange.objects.filter(opportunity=won).order_by("changed_at"))
        assert len(moves) >= 4 and moves[-1].to_stage.phase == Phase.WON
        assert moves[0].changed_at < moves[-1].changed_at - timedelta(days=20)
        assert won.closed_at.date() == won.close_date
        assert won.created_at < won.closed_at
        stalled = opportunities.filter(
            status="open", updated_at__lt=timezone.now() - timedelta(days=30)
        )
        assert stalled.exists()
        # Split credit: the shares of every deal add up to 100, some are shared.
        totals = CreditSplit.objects.values("opportunity").annotate(n=Count("pk"))
        assert any(t["n"] > 1 for t in totals)
        for o in opportunities.prefetch_related("splits"):
            assert sum(s.percent for s in o.splits.all()) == 100


@pytest.mark.django_db
def test_sales_demo_has_activities_leads_and_campaigns():
    ctx = _demo_context()
    with tenant_context(ctx.tenant):
        activities = Activity.objects.all()
        assert activities.values("country").distinct().count() >= 6
        tasks = activities.filter(kind="task", done=False)
        assert tasks.filter(due_date__lt=timezone.localdate()).exists()
        assert tasks.filter(due_date__gte=timezone.localdate()).exists()
        leads = Lead.objects.all()
        assert selectors.leads_overdue(leads).count() == 3
        assert leads.filter(status="new").exists() and leads.filter(status="contacted").exists()
        assert leads.filter(score__gt=0).count() >= 8
        converted = leads.get(status="converted")
        # The lead of an existing customer became an opportunity there, not a duplicate.
        assert converted.converted_opportunity.subsidiary.name == converted.company_name
        assert Subsidiary.objects.filter(name=converted.company_name).count() == 1
        assert Campaign.objects.count() >= 3
        assert Campaign.objects.filter(global_account__isnull=True).exists()


@pytest.mark.django_db
def test_sales_demo_makes_exactly_the_three_deliberate_overlaps():
    ctx = _demo_context()
    with tenant_context(ctx.tenant):
        _assert_exactly_the_deliberate_overlaps(ctx)


@pytest.mark.django_db
def test_sales_demo_makes_an_agreement_when_the_accounts_have_none():
    ctx = _demo_context(with_agreement=False)
    with tenant_context(ctx.tenant):
        assert FrameworkAgreement.objects.count() == 1
        _assert_exactly_the_deliberate_overlaps(ctx)


@pytest.mark.django_db
@pytest.mark.skipif(
    importlib.util.find_spec("accounts.seed") is None, reason="accounts.seed not written yet"
)
def test_full_demo_has_the_overlaps(capsys):
    call_command("seed_demo")
    tenant = Tenant.objects.get(slug=platform_seed.DEMO_SLUG)
    with tenant_context(tenant):
        today = timezone.localdate()
        assert len(_parallel_groups()) == 1
        assert len(_campaigns_during_negotiation(today)) == 1
        assert len(_agreements_missed(today)) == 1
        assert Opportunity.objects.values("country").distinct().count() >= 10
