"""Demo data of account plans (``seed_demo``, after the accounts and the sales work): a plan
for every demo account with a GAM — strategy and situation, a few saved versions,
objectives measured against the won deals of ``opportunities.seed``, actions (some
overdue), local adaptations for the countries with a local account manager, the team's
comments, and a review history at the cadence of the account's tier. One account (the
second with a sponsor) is overdue for its review.

Written through ``accounts.plans.services``; afterwards dates are moved into the past with
plain updates (creation, versions, comments), since a demo made in a second would
otherwise show a plan written today and never reviewed. Reviews are recorded through the
service after that, so its checks (not before the plan existed, not in the future) hold.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.models import GlobalAccount
from accounts.plans import services as services
from accounts.plans.models import AccountPlan, PlanComment
from accounts.plans.selectors import DEFAULT_REVIEW_INTERVAL_DAYS
from opportunities.models import Opportunity, OpportunityStatus, ProductLine
from teams.models import TeamMembership, TeamRole

SHOWCASE = {
    "Volvia Group": {
        "business_goals": (
            "Cut energy use in the paint shops and test benches by 25% by 2028 (group "
            "sustainability target), and standardise equipment across plants so that spare "
            "parts and service can be bought once for Europe."
        ),
        "situation": (
            "Strong in Sweden and Germany; France and Spain buy locally from a competitor. "
            "The group purchasing office in Göteborg is preparing a European frame for "
            "pumps and drives for 2027."
        ),
        "decision_makers": (
            "Group CPO (Göteborg): decides the frame. Plant managers in Gent, Lyon and "
            "Zaragoza: strong influence on local choices. Sustainability office: a champion "
            "for energy-saving retrofits."
        ),
        "buying_strategy": (
            "Central frame agreement with 2–3 approved suppliers, local call-offs by the "
            "plants; tenders every three years."
        ),
        "competition": (
            "A German incumbent holds France and Spain on price; a local service firm in Italy "
            "wins small repairs."
        ),
        "strategy": (
            "Win the group frame for pumps and drives on total cost of ownership, prove it with "
            "the Swedish retrofit results, and land service contracts plant by plant."
        ),
    },
}

ADAPTATION_NOTES = {
    "DE": "The works council signs off on new equipment: involve it before the pilot.",
    "FR": "Lyon buys through the local purchasing office; price against the incumbent.",
    "GB": "Post-Brexit: quote in GBP with UK service stock; lead times matter most.",
    "ES": "Zaragoza plant tenders yearly: register as supplier before March.",
    "IT": "Service is won locally: partner with our Milan service team.",
    "NL": "Decisions in Gent (BE) for the Benelux: invite them to the Swedish reference.",
    "FI": "Winter shutdown in December: plan installations for the summer stop.",
    "PL": "EU funding for energy efficiency: help the customer apply.",
}


GROUP_ACTIONS = [
    "Present the total-cost-of-ownership case to group procurement",
    "Agree the frame agreement's price list with the CPO",
    "Send the group the energy-audit proposal",
    "Map the group's decision makers with the sponsor",
    "Prepare the executive meeting with the customer's COO",
    "Share the service-level comparison across countries",
    "Settle the group discount with finance",
]
LOCAL_ACTIONS = [
    "Book the plant manager for a site visit",
    "Invite the maintenance team to the reference plant",
    "Run the pump audit at the main site",
    "Meet local purchasing about the call-off process",
    "Demo the condition-monitoring pilot on site",
]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _nice(amount: Decimal) -> Decimal:
    """Round up to a round target (the next 10 000)."""
    return (amount / 10_000).quantize(Decimal(1), rounding=ROUND_UP) * 10_000


def seed(ctx) -> None:
    today = timezone.localdate()
    names = ctx.extra.get("accounts")
    accounts = (
        list(GlobalAccount.objects.filter(pk__in=[a.pk for a in names.values()]))
        if names
        else list(GlobalAccount.objects.all())
    )
    accounts = sorted(
        (a for a in accounts if a.manager_id),
        key=lambda a: (a.name != "Volvia Group", a.name),
    )
    teams: dict[int, list[TeamMembership]] = {}
    for membership in TeamMembership.objects.select_related("user", "country").order_by("id"):
        teams.setdefault(membership.global_account_id, []).append(membership)
    lines = {pl.name: pl for pl in ProductLine.objects.all()}
    won = {
        (r["global_account"], r["country"]): r["total"]
        for r in Opportunity.objects.filter(
            status=OpportunityStatus.WON, close_date__year=today.year
        )
        .values("global_account", "country")
        .annotate(total=Sum("amount_reporting"))
        .order_by()
    }
    won_by_line = {
        (r["global_account"], r["product_line"]): r["total"]
        for r in Opportunity.objects.filter(
            status=OpportunityStatus.WON, close_date__year=today.year
        )
        .values("global_account", "product_line")
        .annotate(total=Sum("amount_reporting"))
        .order_by()
    }
    sponsored = 0
    plans = {}
    for index, account in enumerate(accounts):
        team = teams.get(account.pk, [])
        sponsor = next((m.user for m in team if m.role == TeamRole.SPONSOR), None)
        overdue = sponsor is not None and sponsored == 1
        sponsored += sponsor is not None
        plans[account.name] = _plan(
            account, team, sponsor, overdue, lines, won, won_by_line, today, index
        )
    ctx.extra["plans"] = plans


def _plan(account, team, sponsor, overdue, lines, won, won_by_line, today, index) -> AccountPlan:
    gam = account.manager
    locals_ = [m for m in team if m.role == TeamRole.LOCAL_ACCOUNT_MANAGER]
    interval = (
        account.tier.review_interval_days if account.tier_id else DEFAULT_REVIEW_INTERVAL_DAYS
    )
    texts = SHOWCASE.get(account.name) or _texts(account)
    first_strategy = texts["strategy"].split(",")[0] + "."
    plan = services.plan_create(account=account, actor=gam, **{**texts, "strategy": first_strategy})
    services.plan_update(plan=plan, actor=gam, strategy=texts["strategy"])
    services.plan_update(
        plan=plan,
        actor=gam,
        situation=texts["situation"] + " Update: the frame tender is announced for Q1.",
    )
    # With a sponsor: the plan is older than three reviews; without: a recent plan.
    age = int(interval * 3.5) if sponsor else max(interval // 2, 7)
    created = today - timedelta(days=age)
    AccountPlan.objects.filter(pk=plan.pk).update(created_at=_at(created), updated_at=_at(today))
    for i, record in enumerate(plan.history.order_by("history_date", "history_id")):
        record.history_date = _at(created + timedelta(days=min(i * 20, age)))
        record.save(update_fields=["history_date"])
    plan.refresh_from_db()

    objectives = _objectives(plan, account, locals_, lines, won, won_by_line, today, gam)
    _actions(plan, index, gam, locals_, objectives, today)
    for membership in locals_:
        notes = ADAPTATION_NOTES.get(membership.country.code)
        if notes:
            services.adaptation_create(
                plan=plan, actor=membership.user, country=membership.country, notes=notes
            )
    _comments(plan, gam, locals_, sponsor, created)
    if sponsor is not None:
        # Reviews one interval apart; the overdue account missed its latest one.
        count = 2 if overdue else 3
        for k in range(1, count + 1):
            held = created + timedelta(days=interval * k)
            services.review_record(
                plan=plan,
                reviewer=sponsor,
                held_on=min(held, today),
                notes=f"Review {k}: pipeline and objectives walked through with the team.",
                decisions=(
                    "Focus the next quarter on the group frame; local teams report on the "
                    "countries without an open opportunity."
                    if k == count
                    else "Keep the cadence; the GAM updates the strategy after the tender."
                ),
            )
    return plan


def _texts(account) -> dict:
    industry = (account.industry or "industrial").lower()
    return {
        "business_goals": (
            f"{account.name} wants lower operating costs and fewer unplanned stops across its "
            f"{industry} sites, with one supplier standard for the group."
        ),
        "situation": (
            "We sell in several countries but each site buys on its own; prices and terms "
            "differ from country to country."
        ),
        "decision_makers": (
            "Group procurement sets the frame; site managers choose within it. Engineering "
            "influences every technical choice."
        ),
        "buying_strategy": "Regional frame agreements with yearly local tenders.",
        "competition": "Two regional suppliers, strong on price, weak on service coverage.",
        "strategy": (
            "Offer one group agreement with the same service level everywhere, and grow from "
            "the countries where we are already the preferred supplier."
        ),
    }


def _objectives(plan, account, locals_, lines, won, won_by_line, today, gam) -> list:
    year_end = date(today.year, 12, 31)
    won_total = sum((v or 0 for (a, _c), v in won.items() if a == account.pk), Decimal(0))
    objectives = [
        services.objective_create(
            plan=plan,
            actor=gam,
            title=f"Group revenue {today.year}",
            target_amount=_nice(max(won_total * Decimal("1.4"), Decimal(100_000))),
            target_date=year_end,
        )
    ]
    for membership in locals_[:2]:
        country = membership.country
        won_here = won.get((account.pk, country.pk)) or Decimal(0)
        objectives.append(
            services.objective_create(
                plan=plan,
                actor=membership.user,
                title=f"Grow {country.name}",
                target_amount=_nice(max(won_here * Decimal("1.25"), Decimal(40_000))),
                target_date=year_end,
                country=country,
            )
        )
    service = lines.get("Service contracts")
    if service is not None:
        objectives.append(
            services.objective_create(
                plan=plan,
                actor=gam,
                title="Service contracts across the group",
                target_amount=_nice(
                    max(
                        (won_by_line.get((account.pk, service.pk)) or 0) * Decimal("1.3"),
                        Decimal(80_000),
                    )
                ),
                target_date=year_end,
                product_line=service,
            )
        )
    objectives.append(
        services.objective_create(
            plan=plan,
            actor=gam,
            title="Become an approved supplier in the group frame",
            target_date=date(today.year + 1, 6, 30),
        )
    )
    return objectives


def _actions(plan, n: int, gam, locals_, objectives, today) -> None:
    # The two overdue ones differ from account to account (a demo list of identical
    # reminders would look machine-made).
    specs = [
        # title, owner, due in days, status, country of the local manager (index) or None
        (GROUP_ACTIONS[n % len(GROUP_ACTIONS)], gam, -9, "open", None),
        ("Collect the retrofit results for a reference", gam, 21, "in_progress", None),
        (LOCAL_ACTIONS[n % len(LOCAL_ACTIONS)], None, -4, "open", 0),
        ("Register as supplier for the local tender", None, 35, "open", 1),
        ("Kick-off with the account team", gam, -60, "done", None),
    ]
    for i, (title, owner, days, status, local) in enumerate(specs):
        membership = locals_[local] if local is not None and local < len(locals_) else None
        if local is not None and membership is None:
            continue
        services.action_create(
            plan=plan,
            actor=gam,
            title=title,
            owner=owner or membership.user,
            due_date=today + timedelta(days=days),
            status=status,
            country=membership.country if membership else None,
            objective=objectives[0] if i < 2 else None,
        )


def _comments(plan, gam, locals_, sponsor, created) -> None:
    bodies = [
        (gam, "First draft of the plan: please add what you see in your country."),
        (
            locals_[0].user if locals_ else gam,
            "Added our local adaptation; the plant manager is open to a visit.",
        ),
        (sponsor or gam, "Good direction. Let's make the group frame the priority."),
    ]
    for i, (author, body) in enumerate(bodies):
        comment = services.comment_add(plan=plan, author=author, body=body)
        PlanComment.objects.filter(pk=comment.pk).update(
            created_at=_at(created + timedelta(days=2 + 9 * i), 9 + i)
        )
