"""Demo data of the sales work (``seed_demo``, after ``accounts.seed``): product lines, a
Japanese stage set, lead qualification parameters, a pipeline across countries and stages
with stage history (won and lost this year, so the KPIs show), split credit, activities,
leads (some overdue on the SLA), campaigns, and three deliberate overlaps for the conflict
engine (DESIGN.md):

1. two countries with open opportunities for the same product line at one global account;
2. a campaign at a subsidiary while another country negotiates at that account;
3. an open opportunity in a country covered by an active framework agreement that does not
   reference it.

Records are written through ``opportunities.services`` so that the denormalized fields
(account, country, status, amount in the reporting currency, splits) are what the product
itself would store. Only timestamps are moved into the past afterwards, with plain updates:
a demo made in one second would otherwise show every deal created and closed today.

Everything is deterministic (one seeded random generator, records visited in a fixed order).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Contact, FrameworkAgreement, GlobalAccount, Subsidiary
from gam.models import Country, User
from opportunities import selectors, services
from opportunities.models import (
    Activity,
    LeadQualificationParameter,
    Opportunity,
    Phase,
    ProductLine,
    Stage,
    StageChange,
)
from opportunities.warnings import agreements_covering
from teams.models import TeamMembership, TeamRole

PRODUCT_LINES = [
    "Industrial pumps",
    "Valves & actuators",
    "Drives & motors",
    "Compressors",
    "Process automation",
    "Service contracts",
    "Spare parts",
    "Condition monitoring",
]
# Kept free of generated open deals, so that the deliberate parallel work is the only one.
PARALLEL_PRODUCT_LINE = "Condition monitoring"

# Japan sells by consensus: its own stages, mapped to the common phases.
JAPAN_STAGES = [
    ("jp_introduction", "Introduction (紹介)", Phase.QUALIFICATION, 10),
    ("jp_nemawashi", "Nemawashi – building consensus (根回し)", Phase.PROPOSAL, 40),
    ("jp_ringi", "Ringi – formal approval (稟議)", Phase.NEGOTIATION, 70),
    ("jp_won", "Order received (受注)", Phase.WON, 100),
    ("jp_lost", "Lost (失注)", Phase.LOST, 0),
]

QUALIFICATION_PARAMETERS = [
    ("Budget confirmed", 3),
    ("Decision maker identified", 2),
    ("Clear need", 3),
    ("Buying within six months", 2),
]

# Who sells in a country when the account's team has no local account manager there.
SELLER_BY_COUNTRY = {
    "SE": "gam",
    "DE": "lam.de",
    "FR": "lam.fr",
    "GB": "lam.gb",
    "ES": "lam.es",
    "IT": "lam.it",
    "NL": "rep.nl",
    "FI": "rep.fi",
    "PL": "rep.pl",
    "DK": "gam",
    "NO": "gam",
    "US": "gam2",
    "JP": "gam2",
}

# Local currency units per euro, to make amounts look like what a local seller quotes.
UNITS_PER_EUR = {
    "EUR": 1,
    "SEK": 11.5,
    "DKK": 7.46,
    "NOK": 11.8,
    "PLN": 4.3,
    "GBP": 0.85,
    "USD": 1.09,
    "JPY": 160,
}

PHASE_WEIGHTS = [
    (Phase.QUALIFICATION, 5),
    (Phase.PROPOSAL, 4),
    (Phase.NEGOTIATION, 3),
    (Phase.WON, 4),
    (Phase.LOST, 2),
]
OPEN = (Phase.QUALIFICATION, Phase.PROPOSAL, Phase.NEGOTIATION)
FUNNEL = (Phase.QUALIFICATION, Phase.PROPOSAL, Phase.NEGOTIATION)

LOSS_REASONS = [
    "Price: a local competitor undercut us by 15%",
    "Customer postponed the investment",
    "Lost to the incumbent supplier",
    "Technical requirements not met",
]
NEXT_STEPS = [
    "Site visit with the plant manager",
    "Send revised quote",
    "Technical workshop with engineering",
    "Reference call with a Nordic customer",
    "Negotiate payment terms with procurement",
    "Present the business case to the board",
]
ACTIVITY_SUBJECTS = {
    Activity.Kind.CALL: ["Follow-up call on the quote", "Call with procurement", "Intro call"],
    Activity.Kind.MEETING: ["Quarterly business review", "Plant visit", "Technical workshop"],
    Activity.Kind.EMAIL: ["Sent product documentation", "Sent revised offer", "Meeting notes"],
    Activity.Kind.NOTE: ["New maintenance manager started", "Budget round moved to Q1"],
}
TASK_SUBJECTS = ["Prepare offer", "Book reference visit", "Update the customer's contacts"]

LEADS = [
    # company, country, contact, source, status, hours since qualified (None: not yet)
    ("Fjordkraft Maskin AS", "NO", "Ingrid Solberg", "Trade fair", "qualified", 80),
    ("Rheinwerk Armaturen GmbH", "DE", "Jonas Weber", "Website", "qualified", 120),
    ("Papeteries de Normandie SA", "FR", "Claire Dubois", "Webinar", "qualified", 60),
    ("Medway Process Ltd", "GB", "Harry Clarke", "Partner", "qualified", 10),
    ("Tampereen Teräs Oy", "FI", "Mikko Korhonen", "Website", "contacted", 30),
    ("Aceros del Norte S.A.", "ES", "Javier López", "Trade fair", "contacted", 20),
    ("Acciaierie Brianza S.p.A.", "IT", "Giulia Bianchi", "Cold call", "new", None),
    ("Zeeland Chemie B.V.", "NL", "Daan Jansen", "Website", "new", None),
    ("Pomorskie Odlewnie Sp. z o.o.", "PL", "Anna Kowalska", "Webinar", "new", None),
    ("Ohio Valley Castings Inc.", "US", "Mike Turner", "Partner", "disqualified", None),
    ("Kansai Precision K.K.", "JP", "Haruto Sato", "Trade fair", "new", None),
]


@dataclass
class _Plan:
    """What the generator must respect: open deals per (account, product line), countries
    negotiating per account, accounts kept free of generated negotiations."""

    open_work: dict = field(default_factory=dict)
    negotiating: dict = field(default_factory=lambda: defaultdict(set))
    no_negotiation: set = field(default_factory=set)
    quiet: set = field(default_factory=set)


def seed(ctx) -> None:
    rng = random.Random(20261201)
    today = timezone.localdate()
    product_lines = {name: ProductLine.objects.create(name=name) for name in PRODUCT_LINES}
    for i, (name, weight) in enumerate(QUALIFICATION_PARAMETERS):
        LeadQualificationParameter.objects.create(name=name, weight=weight, order=i)
    if "JP" in ctx.countries:
        for i, (slug, name, phase, probability) in enumerate(JAPAN_STAGES, start=1):
            Stage.objects.create(
                slug=slug,
                name=name,
                phase=phase,
                probability=probability,
                order=100 + i,
                country=ctx.countries["JP"],
            )
    seeder = _Seeder(ctx, rng, today, product_lines)
    seeder.deliberate_overlaps()
    seeder.pipeline()
    seeder.activities()
    seeder.campaigns()
    seeder.leads()
    ctx.extra["product_lines"] = product_lines
    ctx.extra["opportunities"] = seeder.created
    ctx.extra["sales_overlaps"] = seeder.overlaps


class _Seeder:
    def __init__(self, ctx, rng: random.Random, today: date, product_lines: dict):
        self.ctx, self.rng, self.today = ctx, rng, today
        self.year_start = date(today.year, 1, 1)
        self.product_lines = product_lines
        self.plan = _Plan()
        self.created: list[Opportunity] = []
        self.open_deals = 0
        self.overlaps: dict[str, list] = {}
        self.subsidiaries = self._subsidiaries()
        self.accounts = self._accounts()
        self.stage_sets: dict[int, dict[str, list[Stage]]] = {}
        self.local_managers = {
            (m.global_account_id, m.country_id): m.user
            for m in TeamMembership.objects.filter(
                role=TeamRole.LOCAL_ACCOUNT_MANAGER
            ).select_related("user")
        }
        self.by_account: dict[int, list[Subsidiary]] = defaultdict(list)
        for sub in self.subsidiaries:
            if sub.global_account_id:
                self.by_account[sub.global_account_id].append(sub)

    # --- what accounts.seed made --------------------------------------------------------

    def _subsidiaries(self) -> list[Subsidiary]:
        known = self.ctx.extra.get("subsidiaries")
        ids = [s.pk for s in known.values()] if known else None
        qs = Subsidiary.objects.select_related("country", "global_account__manager", "owner")
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        return list(qs.order_by("global_account__name", "country__code", "name", "id"))

    def _accounts(self) -> list[GlobalAccount]:
        """Accounts with the most countries first (the showcase), the demo GAM's first."""
        countries = defaultdict(set)
        accounts = {}
        for sub in self.subsidiaries:
            if sub.global_account_id:
                countries[sub.global_account_id].add(sub.country_id)
                accounts[sub.global_account_id] = sub.global_account
        gam = self.ctx.users.get("gam")
        return sorted(
            accounts.values(),
            key=lambda a: (
                not (gam and a.manager_id == gam.pk),
                -len(countries[a.pk]),
                a.name,
            ),
        )

    # --- helpers ------------------------------------------------------------------------

    def user(self, key: str) -> User | None:
        return self.ctx.users.get(key)

    def seller(self, sub: Subsidiary) -> User:
        """The local account manager of the account in the country, else the country's
        seller, else the account's GAM, else the demo admin."""
        return (
            self.local_managers.get((sub.global_account_id, sub.country_id))
            or (sub.owner if sub.global_account_id is None else None)
            or self.user(SELLER_BY_COUNTRY.get(sub.country.code, ""))
            or (sub.global_account.manager if sub.global_account_id else None)
            or self.user("gam")
            or next(iter(self.ctx.users.values()))
        )

    def stages(self, country: Country) -> dict[str, list[Stage]]:
        if country.pk not in self.stage_sets:
            by_phase = defaultdict(list)
            for stage in selectors.stages_for_country(country.pk):
                by_phase[stage.phase].append(stage)
            self.stage_sets[country.pk] = by_phase
        return self.stage_sets[country.pk]

    def path_to(self, country: Country, phase: str, lost_after: str | None = None) -> list[Stage]:
        """The stages an opportunity went through to reach ``phase`` (for history)."""
        stages = self.stages(country)
        path = []
        for step in FUNNEL:
            if phase in OPEN and FUNNEL.index(step) > FUNNEL.index(phase):
                break
            if phase == Phase.LOST and lost_after and FUNNEL.index(step) > FUNNEL.index(lost_after):
                break
            path.extend(stages[step])
        if phase in (Phase.WON, Phase.LOST):
            path.append(stages[phase][0])
        elif path and stages[phase]:
            # Stop at the first stage of the phase when there are several (qualification).
            last = stages[phase][-1] if self.rng.random() < 0.5 else stages[phase][0]
            path = path[: path.index(last) + 1]
        return path

    def amount(self, currency: str, low: int = 15_000, high: int = 420_000) -> Decimal:
        eur = self.rng.randrange(low, high, 500)
        units = UNITS_PER_EUR.get(currency, 1)
        step = 100_000 if currency == "JPY" else 1_000
        return Decimal(max(step, round(eur * units / step) * step))

    def closed_on(self) -> date:
        span = max((self.today - self.year_start).days, 1)
        return self.year_start + timedelta(days=self.rng.randrange(0, span))

    def agreement_for(self, sub: Subsidiary, day: date) -> FrameworkAgreement | None:
        covering = agreements_covering(sub, day)
        return covering[0] if covering else None

    def may_open(self, account_id, product_line, sub, owner) -> bool:
        """No accidental parallel work: a second open deal for a product line at an account
        only in the same country by the same seller."""
        if account_id is None:
            return True
        first = self.plan.open_work.get((account_id, product_line.pk))
        return first is None or first == (sub.country_id, owner.pk)

    # --- writing one opportunity with its history ---------------------------------------

    def opportunity(
        self,
        *,
        sub: Subsidiary,
        phase: str,
        product_line: ProductLine,
        owner: User,
        name: str = "",
        close_date: date | None = None,
        link_agreement: bool = True,
        lost_after: str | None = None,
        splits: list[services.Split] | None = None,
        stalled_days: int | None = None,
    ) -> Opportunity:
        path = self.path_to(sub.country, phase, lost_after)
        closed = phase in (Phase.WON, Phase.LOST)
        if close_date is None:
            close_date = (
                self.closed_on()
                if closed
                else self.today + timedelta(days=self.rng.randrange(20, 270))
            )
        agreement = None
        if link_agreement and sub.global_account_id:
            agreement = self.agreement_for(sub, min(close_date, self.today))
        currency = sub.country.currency
        opportunity = services.opportunity_create(
            actor=owner,
            name=name or f"{sub.name} – {product_line.name}",
            subsidiary=sub,
            stage=path[0],
            close_date=close_date,
            amount=self.amount(currency),
            currency=currency,
            product_line=product_line,
            owner=owner,
            framework_agreement=agreement,
            next_step="" if closed else self.rng.choice(NEXT_STEPS),
            splits=splits,
        )
        for stage in path[1:]:
            changes = {"stage": stage}
            if stage.phase == Phase.LOST:
                changes["loss_reason"] = self.rng.choice(LOSS_REASONS)
            services.opportunity_update(opportunity=opportunity, actor=owner, **changes)
        self._backdate(opportunity, closed, close_date, stalled_days)
        if sub.global_account_id and not closed:
            self.plan.open_work.setdefault(
                (sub.global_account_id, product_line.pk), (sub.country_id, owner.pk)
            )
            if phase == Phase.NEGOTIATION:
                self.plan.negotiating[sub.global_account_id].add(sub.country_id)
        self.created.append(opportunity)
        return opportunity

    def _backdate(self, opportunity, closed: bool, close_date: date, stalled_days) -> None:
        """Spread the stage history over the weeks before the close (or before today)."""
        now = timezone.now()
        if closed:
            end = _at(close_date, 15)
        else:
            end = now - timedelta(days=stalled_days if stalled_days is not None else 2)
        changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("id"))
        cycle = timedelta(days=self.rng.randrange(25, 140) if closed else 0)
        start = max(end - cycle - timedelta(days=12 * len(changes)), _at(self.year_start, 9))
        start = min(start, end)
        step = (end - start) / max(len(changes) - 1, 1)
        for i, change in enumerate(changes):
            change.changed_at = start + step * i
        StageChange.objects.bulk_update(changes, ["changed_at"])
        Opportunity.objects.filter(pk=opportunity.pk).update(
            created_at=start,
            updated_at=changes[-1].changed_at,
            closed_at=end if closed else None,
            last_stage_change_at=changes[-1].changed_at,
        )

    # --- the deliberate overlaps ----------------------------------------------------------

    def _countries_of(self, account) -> dict[int, Subsidiary]:
        firsts = {}
        for sub in self.by_account[account.pk]:
            firsts.setdefault(sub.country_id, sub)
        return firsts

    def deliberate_overlaps(self) -> None:
        multi = [a for a in self.accounts if len(self._countries_of(a)) >= 2]
        if not multi:
            return
        parallel_account = multi[0]
        campaign_account = multi[1] if len(multi) > 1 else multi[0]
        self._parallel_work(parallel_account)
        self._campaign_during_negotiation(campaign_account)
        self._agreement_missed(
            exclude_countries={
                (parallel_account.pk, c) for c in list(self._countries_of(parallel_account))[:2]
            }
        )

    def _parallel_work(self, account) -> None:
        """Two countries chase the same product at one customer, unaware of each other."""
        product_line = self.product_lines[PARALLEL_PRODUCT_LINE]
        subs = list(self._countries_of(account).values())
        first, second = subs[0], subs[1]
        owner_a = self.seller(first)
        owner_b = self.seller(second)
        if owner_b.pk == owner_a.pk:
            owner_b = next(
                (u for u in self.ctx.users.values() if u.pk != owner_a.pk and u.country_id),
                owner_b,
            )
        a = self.opportunity(
            sub=first, phase=Phase.PROPOSAL, product_line=product_line, owner=owner_a
        )
        b = self.opportunity(
            sub=second, phase=Phase.QUALIFICATION, product_line=product_line, owner=owner_b
        )
        self.overlaps["parallel_opportunity"] = [a, b]

    def _campaign_during_negotiation(self, account) -> None:
        """Marketing invites a subsidiary to a campaign while another country is in the
        middle of negotiating a contract at the same group."""
        subs = list(self._countries_of(account).values())
        negotiating, targeted = subs[-1], subs[0]
        product_line = self.product_lines["Service contracts"]
        opportunity = self.opportunity(
            sub=negotiating,
            phase=Phase.NEGOTIATION,
            product_line=product_line,
            owner=self.seller(negotiating),
            name=f"{negotiating.name} – group service contract",
        )
        campaign = services.campaign_create(
            actor=self.user("marketing") or self.user("admin"),
            name="Winter efficiency campaign: 20% off pump upgrades",
            subsidiary=targeted,
            starts_on=self.today - timedelta(days=10),
            ends_on=self.today + timedelta(days=30),
        )
        self.plan.no_negotiation.add(account.pk)
        self.overlaps["campaign_during_negotiation"] = [campaign, opportunity]

    def _agreement_missed(self, exclude_countries: set) -> None:
        """A rep closes in on a deal in a country where a framework agreement applies, and
        never links it: the discount and terms are about to be forgotten."""
        sub = next(
            (
                s
                for account in self.accounts
                for s in self.by_account[account.pk]
                if (account.pk, s.country_id) not in exclude_countries
                and self.agreement_for(s, self.today)
            ),
            None,
        ) or self._agreement_made_for_demo(exclude_countries)
        if sub is None:
            return
        product_line = self.product_lines["Industrial pumps"]
        opportunity = self.opportunity(
            sub=sub,
            phase=Phase.PROPOSAL,
            product_line=product_line,
            owner=self.seller(sub),
            name=f"{sub.name} – pump replacement programme",
            link_agreement=False,
        )
        self.overlaps["framework_agreement_missed"] = [opportunity]

    def _agreement_made_for_demo(self, exclude_countries: set) -> Subsidiary | None:
        """accounts.seed made no agreement covering a country with a subsidiary: make one,
        so the demo shows an ignored agreement."""
        for account in self.accounts:
            subs = [
                s
                for s in self._countries_of(account).values()
                if (account.pk, s.country_id) not in exclude_countries
            ]
            if subs:
                agreement = FrameworkAgreement.objects.create(
                    global_account=account,
                    name=f"{account.name} group framework agreement",
                    discount_percent=Decimal("8.00"),
                    shipping_terms="DAP customer site (Incoterms 2020)",
                    terms="Payment 45 days net; prices fixed for 24 months.",
                    valid_from=self.year_start,
                    valid_until=date(self.today.year + 1, 12, 31),
                )
                agreement.countries.set([s.country_id for s in subs])
                return subs[0]
        return None

    # --- the rest of the pipeline -------------------------------------------------------

    def pipeline(self) -> None:
        """1–3 deals at most subsidiaries; in each account with four countries or more the
        last country is left untouched (white space)."""
        gam = self.user("gam")
        # Some accounts see no negotiation for now, so marketing may run campaigns there.
        self.plan.quiet = {a.pk for i, a in enumerate(self.accounts) if i >= 2 and i % 2 == 0}
        for account in self.accounts:
            firsts = self._countries_of(account)
            white = list(firsts.values())[-1] if len(firsts) >= 4 else None
            for sub in self.by_account[account.pk]:
                if white is not None and sub.country_id == white.country_id:
                    continue
                for _ in range(self.rng.choice((1, 2, 2, 3))):
                    self._generated(sub, account, gam)
        for sub in self.subsidiaries:
            if sub.global_account_id is None and self.rng.random() < 0.8:
                self._generated(sub, None, None)

    def _generated(self, sub, account, gam) -> None:
        owner = self.seller(sub)
        phase = self.rng.choices(
            [p for p, _ in PHASE_WEIGHTS], weights=[w for _, w in PHASE_WEIGHTS]
        )[0]
        if account is not None and account.pk in self.plan.no_negotiation | self.plan.quiet:
            phase = Phase.PROPOSAL if phase == Phase.NEGOTIATION else phase
        candidates = [
            pl
            for name, pl in self.product_lines.items()
            if name != PARALLEL_PRODUCT_LINE or phase not in OPEN
        ]
        self.rng.shuffle(candidates)
        if phase in OPEN:
            candidates = [
                pl for pl in candidates if self.may_open(sub.global_account_id, pl, sub, owner)
            ]
            if not candidates:
                phase = self.rng.choice((Phase.WON, Phase.LOST))
                candidates = list(self.product_lines.values())
        splits = None
        if (
            account is not None
            and gam is not None
            and account.manager_id == gam.pk
            and owner.pk != gam.pk
            and gam.country_id
            and self.rng.random() < 0.35
        ):
            # A cross-border deal: the GAM's country shares the credit with the local seller.
            splits = [
                services.Split(user=owner, country=sub.country, percent=Decimal("70")),
                services.Split(user=gam, country=gam.country, percent=Decimal("30")),
            ]
        self.opportunity(
            sub=sub,
            phase=phase,
            product_line=candidates[0],
            owner=owner,
            lost_after=self.rng.choice(FUNNEL) if phase == Phase.LOST else None,
            splits=splits,
            stalled_days=self._stalled_days() if phase in OPEN else None,
        )

    def _stalled_days(self) -> int:
        """Days since the last stage move: every ninth open deal has been stuck for weeks."""
        self.open_deals += 1
        return 45 if self.open_deals % 9 == 0 else self.rng.choice((1, 3, 6, 10, 15, 20))

    # --- activities, campaigns, leads ---------------------------------------------------

    def activities(self) -> None:
        """Calls, meetings, emails and notes in the last weeks at every subsidiary with a
        deal; a few open tasks (some overdue); older activity where nothing is going on."""
        now = timezone.now()
        opportunities_at = defaultdict(list)
        for opportunity in self.created:
            opportunities_at[opportunity.subsidiary_id].append(opportunity)
        contacts_at = defaultdict(list)
        for contact in Contact.objects.filter(subsidiary__in=self.subsidiaries).order_by("id"):
            contacts_at[contact.subsidiary_id].append(contact)
        tasks = 0
        for sub in self.subsidiaries:
            deals = opportunities_at.get(sub.pk, [])
            owner = self.seller(sub)
            contacts = contacts_at.get(sub.pk, [])
            if not deals:
                # Last touched long ago: the dashboard shows this country as white space.
                if self.rng.random() < 0.5:
                    services.activity_create(
                        actor=owner,
                        kind=Activity.Kind.MEETING,
                        subject="Annual supplier day",
                        subsidiary=sub,
                        occurred_at=now - timedelta(days=self.rng.randrange(120, 300)),
                    )
                continue
            for _ in range(self.rng.randrange(1, 5)):
                kind = self.rng.choice(list(ACTIVITY_SUBJECTS))
                services.activity_create(
                    actor=owner,
                    kind=kind,
                    subject=self.rng.choice(ACTIVITY_SUBJECTS[kind]),
                    notes="",
                    subsidiary=sub,
                    opportunity=self.rng.choice([*deals, None]),
                    contact=self.rng.choice(contacts) if contacts else None,
                    occurred_at=now - timedelta(days=self.rng.randrange(1, 80), hours=3),
                    done=True,
                )
            tasks += 1
            if tasks % 3 == 1:
                # Every other task is past its due date.
                due = self.today + timedelta(days=-5 if tasks % 2 else 9)
                services.activity_create(
                    actor=owner,
                    kind=Activity.Kind.TASK,
                    subject=self.rng.choice(TASK_SUBJECTS),
                    subsidiary=sub,
                    opportunity=deals[0],
                    occurred_at=now - timedelta(days=20),
                    due_date=due,
                    done=False,
                )

    def campaigns(self) -> None:
        """Campaigns where nobody negotiates (the one deliberate exception is made above):
        at local customers, and at accounts with no deal in the negotiation phase."""
        marketing = self.user("marketing") or self.user("admin")
        quiet = [
            self.by_account[a.pk][0]
            for a in self.accounts
            if not self.plan.negotiating.get(a.pk) and a.pk not in self.plan.no_negotiation
        ]
        local = [s for s in self.subsidiaries if s.global_account_id is None]
        specs = [
            ("Spring pump days", -200, -170, local[:3]),
            ("Energy-saving webinar series", -20, 40, quiet[:2]),
            ("Service contract renewal mailing", 15, 45, local[3:5] + quiet[2:3]),
        ]
        for name, start, end, targets in specs:
            for sub in targets:
                services.campaign_create(
                    actor=marketing,
                    name=name,
                    subsidiary=sub,
                    starts_on=self.today + timedelta(days=start),
                    ends_on=self.today + timedelta(days=end),
                )

    def leads(self) -> None:
        """The inbox: new, qualified (three past the SLA), contacted and disqualified leads,
        plus two from companies that are already customers, one of them converted at the
        existing subsidiary instead of as a duplicate."""
        now = timezone.now()
        parameters = list(LeadQualificationParameter.objects.order_by("order"))
        for company, code, contact, source, status, hours in LEADS:
            country = self.ctx.countries.get(code)
            if country is None:
                continue
            qualified_before = hours is not None
            lead = services.lead_create(
                actor=None,
                company_name=company,
                contact_name=contact,
                email=f"{contact.split()[0].lower()}@{_domain(company)}",
                country=country,
                source=source,
                product_line=self.rng.choice(list(self.product_lines.values())),
                status=status,
                owner=self.user(SELLER_BY_COUNTRY.get(code, "")) if status != "new" else None,
                answers={
                    p: self.rng.randrange(1 if qualified_before else 0, 6) for p in parameters
                },
            )
            fields = {"created_at": now - timedelta(hours=(hours or 0) + 30)}
            if qualified_before:
                fields["qualified_at"] = now - timedelta(hours=hours)
                if status == "contacted":
                    fields["first_contact_at"] = now - timedelta(hours=hours - 6)
            type(lead).objects.filter(pk=lead.pk).update(**fields)
        known = [s for s in self.subsidiaries if s.global_account_id]
        for i, sub in enumerate(known[1:2] + known[-2:-1]):
            product_line = next(
                (
                    pl
                    for name, pl in self.product_lines.items()
                    if name != PARALLEL_PRODUCT_LINE
                    and self.may_open(sub.global_account_id, pl, sub, self.seller(sub))
                ),
                None,
            )
            lead = services.lead_create(
                actor=None,
                company_name=sub.name,
                contact_name="Purchasing department",
                country=sub.country,
                website=sub.website,
                registration_number=sub.registration_number,
                source="Website",
                status="qualified",
                product_line=product_line,
                answers={p: 4 for p in parameters},
            )
            if i == 0:
                self._convert_at_existing_customer(lead, sub)

    def _convert_at_existing_customer(self, lead, sub: Subsidiary) -> None:
        """What a seller does in the leads inbox: the matching finds the customer, the lead
        becomes an opportunity there, and the framework agreement is linked on entry."""
        owner = self.seller(sub)
        matches = selectors.lead_matching_subsidiaries(lead)
        customer = matches[0] if matches else sub
        opportunity = services.lead_convert(
            lead=lead,
            actor=owner,
            subsidiary=customer,
            stage=self.stages(customer.country)[Phase.QUALIFICATION][0],
            close_date=self.today + timedelta(days=90),
            amount=self.amount(customer.country.currency, 5_000, 40_000),
            currency=customer.country.currency,
        )
        agreement = self.agreement_for(customer, self.today)
        if agreement is not None:
            services.opportunity_update(
                opportunity=opportunity, actor=owner, framework_agreement=agreement
            )
        if opportunity.product_line_id and customer.global_account_id:
            self.plan.open_work.setdefault(
                (customer.global_account_id, opportunity.product_line_id),
                (customer.country_id, owner.pk),
            )
        self.created.append(opportunity)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _domain(company: str) -> str:
    word = "".join(ch for ch in company.split()[0].lower() if ch.isascii() and ch.isalnum())
    return f"{word or 'example'}.example"
