"""Demo step after accounts.seed, opportunities.seed and accounts.plan_seed: the full
duplicate-work scan of the demo tenant, so the conflict inbox opens with every kind.

The earlier steps make deliberate overlaps (a customer entered twice, parallel deals, a
campaign during a negotiation, an ignored agreement). If one kind still finds nothing (an
earlier step changed, or was skipped), this step adds the smallest data that shows it and
scans again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import FrameworkAgreement, GlobalAccount, Subsidiary
from gam.models import User
from opportunities import services
from opportunities.conflicts import recording
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Campaign, Opportunity, OpportunityStatus, Phase, ProductLine, Stage
from teams.models import TeamRole
from teams.services import team_member_add

logger = logging.getLogger(__name__)

LEGAL_FORM = {"SE": "AB", "DE": "GmbH", "GB": "Ltd", "FR": "SAS", "ES": "S.L.", "IT": "S.r.l."}


def seed(ctx) -> None:
    run = recording.scan_tenant(alert_by_email=False)
    missing = [kind for kind in ConflictKind.values if not run.counts.get(kind, {}).get("open")]
    if missing:
        maker = _DemoOverlaps(ctx)
        for kind in missing:
            maker.make(kind)
        run = recording.scan_tenant(alert_by_email=False)
    ctx.extra["conflict_scan"] = run
    open_counts = {kind: stats.get("open", 0) for kind, stats in run.counts.items()}
    logger.info("demo conflicts per kind: %s", open_counts)


class _DemoOverlaps:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.today = timezone.localdate()

    def user(self, local: str) -> User | None:
        return (
            self.ctx.users.get(local)
            or User.objects.filter(tenant=self.ctx.tenant, is_tenant_admin=True)
            .order_by("id")
            .first()
        )

    def account_with_countries(self) -> tuple[GlobalAccount, list[Subsidiary]] | None:
        for account in GlobalAccount.objects.order_by("id"):
            firsts: dict[int, Subsidiary] = {}
            for sub in account.subsidiaries.order_by("id"):
                firsts.setdefault(sub.country_id, sub)
            if len(firsts) >= 2:
                return account, list(firsts.values())
        return None

    def stage(self, phase: str) -> Stage:
        return Stage.objects.filter(phase=phase, country__isnull=True).order_by("order").first()

    def product_line(self) -> ProductLine:
        return ProductLine.objects.order_by("id").first() or ProductLine.objects.create(
            name="Industrial pumps"
        )

    def make(self, kind: str) -> None:
        found = self.account_with_countries() or self.small_group()
        account, subs = found
        getattr(self, kind)(account, subs)

    def small_group(self) -> tuple[GlobalAccount, list[Subsidiary]]:
        """accounts.seed made no international account: a small one, with its GAM."""
        countries = self.ctx.countries
        account = GlobalAccount.objects.create(
            name="Brightwater Group", headquarters_country=countries.get("SE")
        )
        subs = [
            Subsidiary.objects.create(
                global_account=account,
                name=name,
                country=countries[code],
                website="brightwater.com",
                owner=self.user(owner),
            )
            for name, code, owner in (
                ("Brightwater Sverige AB", "SE", "gam"),
                ("Brightwater Deutschland GmbH", "DE", "lam.de"),
            )
        ]
        gam = self.user("gam")
        if gam is not None:
            team_member_add(account=account, user=gam, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        return account, subs

    def duplicate_customer(self, account, subs) -> None:
        """Another country's office enters the group's first subsidiary once more."""
        original, other = subs[0], subs[1]
        code = other.country.code
        Subsidiary.objects.create(
            name=f"{original.name.rsplit(' ', 1)[0]} {LEGAL_FORM.get(code, '')}".strip(),
            country=other.country,
            website=original.website,
            owner=self.user("lam.de"),
        )

    def parallel_opportunity(self, account, subs) -> None:
        product_line = self.product_line()
        for sub, local in ((subs[0], "gam"), (subs[1], "lam.de")):
            services.opportunity_create(
                actor=self.user(local),
                name=f"{sub.name} – {product_line.name}",
                subsidiary=sub,
                stage=self.stage(Phase.PROPOSAL),
                close_date=self.today + timedelta(days=60),
                amount=Decimal("120000"),
                product_line=product_line,
            )

    def campaign_during_negotiation(self, account, subs) -> None:
        negotiation = Opportunity.objects.filter(
            global_account=account, status=OpportunityStatus.OPEN, stage__phase=Phase.NEGOTIATION
        ).first() or services.opportunity_create(
            actor=self.user("lam.de"),
            name=f"{subs[-1].name} – group service contract",
            subsidiary=subs[-1],
            stage=self.stage(Phase.NEGOTIATION),
            close_date=self.today + timedelta(days=45),
            amount=Decimal("300000"),
            product_line=self.product_line(),
        )
        target = next((s for s in subs if s.pk != negotiation.subsidiary_id), subs[0])
        if not Campaign.objects.filter(subsidiary=target, ends_on__gte=self.today).exists():
            services.campaign_create(
                actor=self.user("marketing"),
                name="Spring service offer",
                subsidiary=target,
                starts_on=self.today - timedelta(days=3),
                ends_on=self.today + timedelta(days=25),
            )

    def framework_agreement_missed(self, account, subs) -> None:
        agreement = FrameworkAgreement.objects.create(
            global_account=account,
            name=f"{account.name} group framework agreement",
            discount_percent=Decimal("8.00"),
            valid_from=self.today - timedelta(days=90),
            valid_until=self.today + timedelta(days=640),
        )
        agreement.countries.set([s.country_id for s in subs])
        if not Opportunity.objects.filter(
            global_account=account, status=OpportunityStatus.OPEN, framework_agreement=None
        ).exists():
            services.opportunity_create(
                actor=self.user("gam"),
                name=f"{subs[0].name} – replacement programme",
                subsidiary=subs[0],
                stage=self.stage(Phase.QUALIFICATION),
                close_date=self.today + timedelta(days=90),
                amount=Decimal("80000"),
                product_line=self.product_line(),
            )
