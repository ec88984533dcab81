"""Bulk loader of the benchmark data: one large tenant among many small ones.

Rows are written with PostgreSQL ``COPY`` (psycopg2 ``copy_expert``), not the ORM: 1.6M
opportunities + activities go in in about a minute. Every denormalized field is filled the
way the services fill it (``opportunities.services._derive`` / ``_place_at_subsidiary``,
``teams.services`` for permissions and the account manager, ``Subsidiary.set_matching_keys``),
and every row of a tenant only points at rows of the same tenant (``check_consistency``).

A column this loader does not fill takes the model field's default (or NULL), so a field
added later does not break it; a new NOT NULL field without a default makes it fail loudly.
"""

from __future__ import annotations

import io
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, models

from accounts.matching import matching_keys
from accounts.models import GlobalAccount, Subsidiary, Tier
from accounts.plans.models import AccountPlan
from gam.models import Country, ExchangeRate, SearchWord, Tenant, User
from opportunities.models import (
    FUNNEL_RANK,
    Activity,
    Campaign,
    CreditSplit,
    Opportunity,
    ProductLine,
    Stage,
    StageChange,
    funnel_rank,
    status_for_phase,
)
from opportunities.services import DEFAULT_STAGES
from teams.models import GlobalAccountUserObjectPermission, TeamMembership, TeamRole
from teams.services import PERMS_BY_ROLE

BENCH_PASSWORD = "bench-password-2026"
LARGE_SLUG = "bench-large"

# 50 markets: code, name, currency, units of EUR for one unit of the currency, legal form.
COUNTRIES = [
    ("SE", "Sweden", "SEK", "0.087", "AB"),
    ("DE", "Germany", "EUR", "1", "GmbH"),
    ("FR", "France", "EUR", "1", "SAS"),
    ("GB", "United Kingdom", "GBP", "1.17", "Ltd"),
    ("US", "United States", "USD", "0.92", "Inc."),
    ("NO", "Norway", "NOK", "0.086", "AS"),
    ("DK", "Denmark", "DKK", "0.134", "A/S"),
    ("FI", "Finland", "EUR", "1", "Oy"),
    ("NL", "Netherlands", "EUR", "1", "B.V."),
    ("ES", "Spain", "EUR", "1", "S.L."),
    ("IT", "Italy", "EUR", "1", "S.p.A."),
    ("PL", "Poland", "PLN", "0.23", "Sp. z o.o."),
    ("BE", "Belgium", "EUR", "1", "NV"),
    ("AT", "Austria", "EUR", "1", "GmbH"),
    ("CH", "Switzerland", "CHF", "1.05", "AG"),
    ("PT", "Portugal", "EUR", "1", "Lda"),
    ("CZ", "Czechia", "CZK", "0.04", "s.r.o."),
    ("HU", "Hungary", "HUF", "0.0025", "Kft."),
    ("RO", "Romania", "RON", "0.2", "S.R.L."),
    ("BG", "Bulgaria", "BGN", "0.51", "EOOD"),
    ("GR", "Greece", "EUR", "1", "A.E."),
    ("IE", "Ireland", "EUR", "1", "Ltd"),
    ("LU", "Luxembourg", "EUR", "1", "S.A."),
    ("EE", "Estonia", "EUR", "1", "OÜ"),
    ("LV", "Latvia", "EUR", "1", "SIA"),
    ("LT", "Lithuania", "EUR", "1", "UAB"),
    ("SK", "Slovakia", "EUR", "1", "s.r.o."),
    ("SI", "Slovenia", "EUR", "1", "d.o.o."),
    ("HR", "Croatia", "EUR", "1", "d.o.o."),
    ("IS", "Iceland", "ISK", "0.0066", "ehf."),
    ("TR", "Türkiye", "TRY", "0.028", "A.Ş."),
    ("CA", "Canada", "CAD", "0.68", "Inc."),
    ("MX", "Mexico", "MXN", "0.054", "S.A. de C.V."),
    ("BR", "Brazil", "BRL", "0.18", "Ltda."),
    ("AR", "Argentina", "ARS", "0.001", "S.A."),
    ("CL", "Chile", "CLP", "0.001", "SpA"),
    ("CO", "Colombia", "COP", "0.00023", "S.A.S."),
    ("JP", "Japan", "JPY", "0.0062", "K.K."),
    ("CN", "China", "CNY", "0.13", "Co., Ltd."),
    ("KR", "South Korea", "KRW", "0.00068", "Co., Ltd."),
    ("IN", "India", "INR", "0.011", "Pvt. Ltd."),
    ("SG", "Singapore", "SGD", "0.69", "Pte. Ltd."),
    ("AU", "Australia", "AUD", "0.61", "Pty Ltd"),
    ("NZ", "New Zealand", "NZD", "0.56", "Ltd"),
    ("ZA", "South Africa", "ZAR", "0.05", "(Pty) Ltd"),
    ("AE", "United Arab Emirates", "AED", "0.25", "LLC"),
    ("SA", "Saudi Arabia", "SAR", "0.245", "LLC"),
    ("IL", "Israel", "ILS", "0.25", "Ltd"),
    ("TH", "Thailand", "THB", "0.026", "Co., Ltd."),
    ("MY", "Malaysia", "MYR", "0.2", "Sdn. Bhd."),
]
SYLLABLES_A = [
    "Nord",
    "Alp",
    "Vik",
    "Sol",
    "Berg",
    "Kron",
    "Lund",
    "Ster",
    "Hav",
    "Fjell",
    "Glob",
    "Inter",
    "Astra",
    "Vega",
    "Orio",
    "Tera",
    "Mar",
    "Vol",
    "Sander",
    "Hexa",
    "Tri",
    "Quant",
    "Lumi",
    "Axi",
    "Corv",
    "Delt",
    "Ekon",
    "Fort",
    "Gran",
    "Hydr",
    "Iber",
    "Jura",
    "Kast",
    "Lyra",
    "Mist",
    "Nova",
    "Omni",
    "Pola",
    "Rhen",
    "Silv",
]
SYLLABLES_B = [
    "vik",
    "dal",
    "ström",
    "berg",
    "ia",
    "ex",
    "on",
    "ar",
    "tec",
    "tra",
    "gen",
    "mark",
    "lux",
    "ford",
    "holm",
    "by",
    "sund",
    "vall",
    "ica",
    "ora",
    "ium",
    "ent",
    "ax",
    "io",
]
INDUSTRIES = [
    "Industries",
    "Logistics",
    "Foods",
    "Pharma",
    "Energy",
    "Systems",
    "Motors",
    "Retail",
    "Chemicals",
    "Telecom",
    "Packaging",
    "Steel",
    "Textiles",
    "Paper",
    "Medical",
    "Robotics",
]
TRADES = [
    "Verkstad",
    "Bygg",
    "Handel",
    "Transport",
    "Service",
    "Teknik",
    "Montage",
    "Konsult",
    "Data",
    "El",
]
PRODUCT_LINES = [
    "Conveyors",
    "Robotics cells",
    "Service contracts",
    "Spare parts",
    "Automation software",
    "Training",
    "Retrofits",
    "Sensors",
]
TIERS = [("Premier", 1, 80, 30), ("Gold", 2, 60, 60), ("Silver", 3, 40, 90), ("Bronze", 4, 0, 180)]
ACTIVITY_KINDS = [k for k, _ in Activity.Kind.choices]
# Stage weights: 60% open (four stages), 20% won, 20% lost.
STAGE_WEIGHTS = [15, 15, 15, 15, 20, 20]
CENT = Decimal("0.01")


@dataclass
class TenantSizes:
    countries: int
    global_accounts: int
    subsidiaries: int
    opportunities: int
    activities: int
    campaigns: int
    users: int


@dataclass
class Sizes:
    """What to generate. ``scale`` multiplies the row counts (countries and tenants stay)."""

    scale: float = 1.0
    tenants: int = 100
    large: TenantSizes = field(
        default_factory=lambda: TenantSizes(50, 5000, 100_000, 500_000, 1_000_000, 10_000, 1000)
    )
    # Each of the other tenants, as a share of the large one (5 markets of their own).
    small_share: float = 0.002

    @classmethod
    def at(cls, scale: float, tenants: int = 100) -> Sizes:
        base = cls(scale=scale, tenants=tenants)

        def scaled(n: int, factor: float, floor: int) -> int:
            return max(floor, int(round(n * factor)))

        b = base.large
        base.large = TenantSizes(
            countries=b.countries,
            global_accounts=scaled(b.global_accounts, scale, 3),
            subsidiaries=scaled(b.subsidiaries, scale, 20),
            opportunities=scaled(b.opportunities, scale, 40),
            activities=scaled(b.activities, scale, 60),
            campaigns=scaled(b.campaigns, scale, 5),
            users=scaled(b.users, scale, 60),
        )
        return base

    def small(self) -> TenantSizes:
        b, share = self.large, self.small_share
        return TenantSizes(
            countries=5,
            global_accounts=max(2, int(b.global_accounts * share)),
            subsidiaries=max(8, int(b.subsidiaries * share)),
            opportunities=max(10, int(b.opportunities * share)),
            activities=max(10, int(b.activities * share)),
            campaigns=max(1, int(b.campaigns * share)),
            users=max(6, int(b.users * share * 5)),
        )

    def as_dict(self) -> dict:
        return asdict(self)


# --- COPY plumbing --------------------------------------------------------------------------


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    if isinstance(value, dict | list):
        return _text(json.dumps(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class Table:
    """COPY writer for one model: the given columns per row, then every other column at its
    field default. Buffers lines and flushes them in chunks."""

    CHUNK = 100_000

    def __init__(self, cursor, model: type[models.Model], attnames: list[str]):
        self.cursor = cursor
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(attnames) - set(fields)
        if unknown:
            raise ValueError(f"{self.name}: no such columns {sorted(unknown)}")
        self.columns = [fields[a].column for a in attnames]
        rest = []
        for attname, f in fields.items():
            if attname in attnames or f.primary_key:
                continue
            if f.has_default():
                default = f.get_default()
                rest.append((f.column, _text(f.get_db_prep_save(default, connection))))
            elif f.null:
                rest.append((f.column, "\\N"))
            elif isinstance(f, models.CharField | models.TextField) and f.blank:
                rest.append((f.column, ""))
            else:
                raise ValueError(
                    f"bench loader: {self.name}.{f.column} is NOT NULL without a default; "
                    "teach bench/generate.py to fill it"
                )
        self.columns += [c for c, _ in rest]
        self.suffix = "".join("\t" + v for _, v in rest)
        self.lines: list[str] = []
        self.count = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join(map(_text, values)) + self.suffix)
        if len(self.lines) >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        buffer = io.StringIO("\n".join(self.lines) + "\n")
        columns = ", ".join(f'"{c}"' for c in self.columns)
        self.cursor.copy_expert(f'COPY "{self.name}" ({columns}) FROM STDIN', buffer)
        self.count += len(self.lines)
        self.lines = []


class Ids:
    """Primary keys handed out from a block reserved on the table's identity sequence, so
    that rows can point at each other before they are written."""

    def __init__(self, cursor, model: type[models.Model], block: int):
        table = model._meta.db_table
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f'"{table}"'])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        self.next = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, self.next + block])
        self.last = self.next + block

    def take(self) -> int:
        if self.next >= self.last:
            raise RuntimeError("bench loader: id block exhausted")
        value = self.next
        self.next += 1
        return value


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Secondary indexes that are not backing a constraint (safe to drop and rebuild)."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [table],
    )
    return cursor.fetchall()


# --- names ----------------------------------------------------------------------------------


def _group_names(rng: random.Random, n: int) -> list[str]:
    combos = [
        f"{a}{b} {c}" for a in SYLLABLES_A for b in SYLLABLES_B for c in INDUSTRIES
    ]  # 40 × 24 × 16 = 15,360
    rng.shuffle(combos)
    names = combos[:n]
    for i in range(len(names), n):
        names.append(f"{combos[i % len(combos)]} {i // len(combos) + 1}")
    return names


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:40]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# --- the generator --------------------------------------------------------------------------


@dataclass
class Personas:
    """Users the benchmark logs in as, and the large account whose dashboard it opens."""

    tenant_id: int
    admin_id: int
    gam_id: int
    rep_id: int
    account_id: int
    other_tenant_admin_id: int | None = None


@dataclass
class Result:
    personas: Personas
    rows: dict[str, int]
    seconds: float
    sizes: dict


class Generator:
    def __init__(self, sizes: Sizes, *, seed: int = 7, rebuild_indexes: bool = False):
        self.sizes = sizes
        self.seed = seed
        self.rebuild_indexes = rebuild_indexes
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.password = make_password(BENCH_PASSWORD)

    # Upper bounds of rows per table, for the id blocks.
    def _blocks(self) -> dict:
        large, small, others = self.sizes.large, self.sizes.small(), self.sizes.tenants - 1

        def total(attr: str, extra: int = 0) -> int:
            return getattr(large, attr) + others * getattr(small, attr) + extra

        accounts = total("global_accounts")
        opportunities = total("opportunities")
        return {
            User: total("users") + self.sizes.tenants * (len(COUNTRIES) + 10),
            Country: self.sizes.tenants * 50,
            ExchangeRate: self.sizes.tenants * 50,
            Tier: self.sizes.tenants * len(TIERS),
            ProductLine: self.sizes.tenants * len(PRODUCT_LINES),
            Stage: self.sizes.tenants * len(DEFAULT_STAGES),
            GlobalAccount: accounts,
            AccountPlan: accounts,
            TeamMembership: accounts * 6,
            GlobalAccountUserObjectPermission: accounts * 8,
            Subsidiary: total("subsidiaries"),
            Opportunity: opportunities,
            CreditSplit: opportunities,
            StageChange: opportunities * 2,
            Activity: total("activities"),
            Campaign: total("campaigns"),
        }

    def run(self) -> Result:
        started = time.monotonic()
        with connection.cursor() as cursor:
            self.cursor = cursor
            replica = self._fk_triggers_off()
            self.ids = {m: Ids(cursor, m, n) for m, n in self._blocks().items()}
            self.tables = self._tables()
            dropped = self._drop_indexes() if self.rebuild_indexes else []
            self.perm_ids = {
                p.codename: p.pk
                for p in Permission.objects.filter(
                    content_type__app_label="accounts",
                    codename__in=["view_globalaccount", "change_globalaccount", "manage_team"],
                )
            }
            tenants = self._tenants()
            personas = None
            other_admin = None
            for index, tenant in enumerate(tenants):
                sizes = self.sizes.large if index == 0 else self.sizes.small()
                made = self._tenant(tenant, sizes, random.Random(self.seed * 1000 + index))
                if index == 0:
                    personas = made
                elif other_admin is None:
                    other_admin = made.admin_id
            for table in self.tables.values():
                table.flush()
            words = self._search_words()
            for _name, definition in dropped:
                cursor.execute(definition)
            if replica:
                cursor.execute("SET session_replication_role = DEFAULT")
        personas.other_tenant_admin_id = other_admin
        rows = {t.name: t.count for t in self.tables.values()}
        rows["gam_tenant"] = len(tenants)
        rows[SearchWord._meta.db_table] = words
        return Result(
            personas=personas,
            rows=rows,
            seconds=round(time.monotonic() - started, 1),
            sizes=self.sizes.as_dict(),
        )

    def _fk_triggers_off(self) -> bool:
        """Foreign keys are checked by triggers; the loader writes consistent rows by
        construction (and ``check_consistency`` proves it), so skip them when allowed
        (superuser only). Otherwise the deferred checks run at commit."""
        try:
            with connection.cursor() as probe:
                probe.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if not probe.fetchone()[0]:
                    return False
            # LOCAL inside a transaction: it cannot outlive the load, even on an error.
            scope = "LOCAL " if connection.in_atomic_block else ""
            self.cursor.execute(f"SET {scope}session_replication_role = replica")
            return True
        except Exception:  # noqa: BLE001 - any refusal means: keep the triggers
            return False

    def _drop_indexes(self) -> list[tuple[str, str]]:
        dropped = []
        for model in (Subsidiary, Opportunity, CreditSplit, StageChange, Activity, SearchWord):
            for name, definition in _plain_indexes(self.cursor, model._meta.db_table):
                self.cursor.execute(f'DROP INDEX "{name}"')
                dropped.append((name, definition))
        return dropped

    def _search_words(self) -> int:
        """The words of the list search, from the rows just loaded (gam.search.rebuild reads
        them back and COPYs the words, as the data migration does)."""
        from gam import search

        return search.rebuild(connection)

    def _tables(self) -> dict:
        t = lambda model, *cols: Table(self.cursor, model, list(cols))  # noqa: E731
        return {
            User: t(
                User,
                "id",
                "password",
                "email",
                "name",
                "tenant_id",
                "country_id",
                "is_tenant_admin",
                "is_active",
                "date_joined",
            ),
            Country: t(Country, "id", "tenant_id", "code", "name", "currency", "sales_unit"),
            ExchangeRate: t(ExchangeRate, "id", "tenant_id", "currency", "rate", "valid_from"),
            Tier: t(Tier, "id", "tenant_id", "name", "rank", "min_score", "review_interval_days"),
            ProductLine: t(ProductLine, "id", "tenant_id", "name"),
            Stage: t(Stage, "id", "tenant_id", "slug", "name", "phase", "order", "probability"),
            GlobalAccount: t(
                GlobalAccount,
                "id",
                "tenant_id",
                "name",
                "headquarters_country_id",
                "tier_id",
                "score",
                "industry",
                "website",
                "manager_id",
                "created_at",
            ),
            AccountPlan: t(
                AccountPlan, "id", "tenant_id", "global_account_id", "strategy", "created_at"
            ),
            TeamMembership: t(
                TeamMembership,
                "id",
                "tenant_id",
                "global_account_id",
                "user_id",
                "role",
                "country_id",
                "created_at",
            ),
            GlobalAccountUserObjectPermission: t(
                GlobalAccountUserObjectPermission,
                "id",
                "permission_id",
                "user_id",
                "content_object_id",
            ),
            Subsidiary: t(
                Subsidiary,
                "id",
                "tenant_id",
                "global_account_id",
                "name",
                "country_id",
                "registration_number",
                "website",
                "owner_id",
                "name_key",
                "name_block",
                "registration_key",
                "domain_key",
                "created_at",
            ),
            Opportunity: t(
                Opportunity,
                "id",
                "tenant_id",
                "name",
                "subsidiary_id",
                "global_account_id",
                "country_id",
                "product_line_id",
                "owner_id",
                "stage_id",
                "status",
                "amount",
                "currency",
                "amount_reporting",
                "close_date",
                "created_at",
                "updated_at",
                "closed_at",
                # The stage history summary (one stage change, to the current stage).
                "furthest_phase_rank",
                "last_stage_change_at",
            ),
            CreditSplit: t(
                CreditSplit, "id", "tenant_id", "opportunity_id", "user_id", "country_id", "percent"
            ),
            StageChange: t(
                StageChange,
                "id",
                "tenant_id",
                "opportunity_id",
                "from_stage_id",
                "to_stage_id",
                "changed_by_id",
                "changed_at",
            ),
            Activity: t(
                Activity,
                "id",
                "tenant_id",
                "kind",
                "subject",
                "subsidiary_id",
                "opportunity_id",
                "global_account_id",
                "country_id",
                "owner_id",
                "occurred_at",
                "due_date",
                "done",
            ),
            Campaign: t(
                Campaign,
                "id",
                "tenant_id",
                "name",
                "subsidiary_id",
                "global_account_id",
                "country_id",
                "starts_on",
                "ends_on",
                "owner_id",
            ),
        }

    def _tenants(self) -> list[Tenant]:
        made = []
        for i in range(self.sizes.tenants):
            slug = LARGE_SLUG if i == 0 else f"bench-{i:03d}"
            currency = "EUR" if i % 10 else ("EUR" if i == 0 else "USD")
            tenant, _ = Tenant.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": "Large Corp (bench)" if i == 0 else f"Bench tenant {i}",
                    "currency": currency,
                },
            )
            made.append(tenant)
        return made

    def _tenant(self, tenant: Tenant, sizes: TenantSizes, rng: random.Random) -> Personas:
        T, ids, tid = self.tables, self.ids, tenant.pk
        now, today = self.now, self.today
        eur_rate = {code: Decimal(rate) for code, _n, _c, rate, _f in COUNTRIES}
        currency_rate = {cur: eur_rate[code] for code, _n, cur, _r, _f in COUNTRIES}
        currency_rate.setdefault("EUR", Decimal(1))
        reporting = tenant.currency

        # Markets, rates, tiers, product lines, stages.
        if tenant.slug == LARGE_SLUG:
            chosen = COUNTRIES[: sizes.countries]
        else:
            chosen = rng.sample(COUNTRIES, sizes.countries)
        countries = []  # (id, code, currency, legal form)
        for code, name, currency, _rate, legal in chosen:
            cid = ids[Country].take()
            T[Country].add(cid, tid, code, name, currency, f"{name} sales")
            countries.append((cid, code, currency, legal, name))
        to_reporting = {}
        for currency in sorted({c[2] for c in countries} | {reporting}):
            rate = currency_rate[currency] / currency_rate[reporting]
            to_reporting[currency] = rate
            if currency != reporting:
                rate = rate.quantize(Decimal("0.00000001"))
                to_reporting[currency] = rate
                T[ExchangeRate].add(ids[ExchangeRate].take(), tid, currency, rate, date(2020, 1, 1))
        tiers = []
        for name, rank, min_score, interval in TIERS:
            tier_id = ids[Tier].take()
            T[Tier].add(tier_id, tid, name, rank, min_score, interval)
            tiers.append(tier_id)
        product_lines = []
        for name in PRODUCT_LINES:
            pl = ids[ProductLine].take()
            T[ProductLine].add(pl, tid, name)
            product_lines.append(pl)
        stages = []  # (id, phase, probability)
        for order, (slug, name, phase, probability) in enumerate(DEFAULT_STAGES, start=1):
            sid = ids[Stage].take()
            T[Stage].add(sid, tid, slug, name, str(phase), order, probability)
            stages.append((sid, str(phase), probability))

        # Users: one tenant admin, GAMs (about 20 accounts each), sponsors, local reps.
        def user(name: str, email: str, country_id, admin: bool = False) -> int:
            uid = ids[User].take()
            T[User].add(uid, self.password, email, name, tid, country_id, admin, True, now)
            return uid

        domain = f"{tenant.slug}.bench.test"
        admin = user("Tenant Admin", f"admin@{domain}", countries[0][0], admin=True)
        n_gam = max(1, math.ceil(sizes.global_accounts / 20))
        n_sponsor = max(1, sizes.users // 50)
        n_rep = max(len(countries), sizes.users - 1 - n_gam - n_sponsor)
        gams = [
            user(f"GAM {i}", f"gam{i}@{domain}", countries[i % len(countries)][0])
            for i in range(n_gam)
        ]
        sponsors = [user(f"Sponsor {i}", f"sponsor{i}@{domain}", None) for i in range(n_sponsor)]
        reps: dict[int, list[int]] = {c[0]: [] for c in countries}
        for i in range(n_rep):
            country = countries[i % len(countries)]
            reps[country[0]].append(
                user(f"Rep {country[1]} {i}", f"rep{i}.{country[1].lower()}@{domain}", country[0])
            )

        # Global accounts with plans, teams and guardian permission rows.
        names = _group_names(rng, sizes.global_accounts)
        hot = min(12, len(countries))  # headquarters in the bigger markets
        accounts = []  # (id, hq index)
        lam_of: dict[tuple[int, int], int] = {}
        perms = self.perm_ids
        for i, name in enumerate(names):
            aid = ids[GlobalAccount].take()
            hq = i % hot
            tier = tiers[min(3, int(rng.random() ** 0.7 * 4))]
            gam = gams[i % n_gam]
            created = now - timedelta(days=rng.randint(30, 1500))
            T[GlobalAccount].add(
                aid,
                tid,
                name,
                countries[hq][0],
                tier,
                Decimal(rng.randint(0, 10000)) / 100,
                name.rsplit(" ", 1)[-1],
                f"https://www.{_slug(name)}.com",
                gam,
                created,
            )
            T[AccountPlan].add(
                ids[AccountPlan].take(),
                tid,
                aid,
                "Grow with the group across markets.",
                now - timedelta(days=rng.randint(0, 400)),
            )
            # Team: the GAM, a sponsor, local account managers in up to three markets.
            members = [(gam, TeamRole.GLOBAL_ACCOUNT_MANAGER, None)]
            members.append((sponsors[i % n_sponsor], TeamRole.SPONSOR, None))
            lam_countries = [hq] + rng.sample(range(len(countries)), min(2, len(countries)))
            seen_users = {gam, sponsors[i % n_sponsor]}
            for ci in dict.fromkeys(lam_countries):
                pool = reps[countries[ci][0]]
                lam = pool[i % len(pool)]
                if lam in seen_users:
                    continue
                seen_users.add(lam)
                lam_of[(aid, countries[ci][0])] = lam
                members.append((lam, TeamRole.LOCAL_ACCOUNT_MANAGER, countries[ci][0]))
            for uid, role, country_id in members:
                T[TeamMembership].add(
                    ids[TeamMembership].take(), tid, aid, uid, str(role), country_id, created
                )
                for codename in PERMS_BY_ROLE[role]:
                    T[GlobalAccountUserObjectPermission].add(
                        ids[GlobalAccountUserObjectPermission].take(), perms[codename], uid, aid
                    )
            accounts.append((aid, hq, name))

        # Subsidiaries: 80% at global accounts (skewed: the first account is the largest,
        # with subsidiaries in every market), 20% local customers.
        subsidiaries = []  # (id, account id or None, country id, owner id)
        n_group = int(sizes.subsidiaries * 0.8)
        n_countries = len(countries)
        for n in range(sizes.subsidiaries):
            if n < n_group and accounts:
                # The first subsidiaries give every account one in its headquarters market.
                a = n if n < len(accounts) else int(rng.random() ** 2 * len(accounts))
                aid, hq, group = accounts[a]
                offset = 0 if n < len(accounts) else int(rng.random() ** 2 * n_countries)
                if a == 0:
                    offset = n % n_countries  # the large account is in every market
                ci = (hq + offset) % n_countries
                cid, code, _cur, legal, cname = countries[ci]
                name = f"{group} {cname} {legal}" if offset or a else f"{group} {legal}"
                if n >= len(accounts) and rng.random() < 0.97:
                    name = f"{name} {n}"  # a site; the rest are near-duplicates to find
                website = f"https://www.{_slug(group)}.com/{code.lower()}"
                owner = lam_of.get((aid, cid)) or rng.choice(reps[cid])
            else:
                aid = None
                ci = int(rng.random() ** 1.5 * n_countries)
                cid, code, _cur, legal, cname = countries[ci]
                name = (
                    f"{rng.choice(SYLLABLES_A)}{rng.choice(SYLLABLES_B)} "
                    f"{rng.choice(TRADES)} {n} {legal}"
                )
                website = f"{_slug(name)}.{code.lower()}" if rng.random() < 0.7 else ""
                owner = rng.choice(reps[cid])
            registration = f"{code}{rng.randrange(10**9, 10**10)}" if rng.random() < 0.8 else ""
            keys = matching_keys(
                name=name, registration_number=registration, website=website, country_code=code
            )
            sid = ids[Subsidiary].take()
            T[Subsidiary].add(
                sid,
                tid,
                aid,
                name,
                cid,
                registration,
                website,
                owner,
                keys.name_key,
                keys.name_block,
                keys.registration_key,
                keys.domain_key,
                now - timedelta(days=rng.randint(0, 1500)),
            )
            subsidiaries.append((sid, aid, cid, owner, name))

        # Opportunities, with the default credit split and their first stage change, as
        # opportunities.services.opportunity_create writes them.
        currency_of = {c[0]: c[2] for c in countries}
        stage_choices = rng.choices(range(len(stages)), weights=STAGE_WEIGHTS, k=1024)
        opportunities = []  # (id, subsidiary tuple, owner)
        by_subsidiary: dict[int, list[int]] = {}
        for n in range(sizes.opportunities):
            sub = subsidiaries[rng.randrange(len(subsidiaries))]
            sid, aid, cid, sub_owner, sub_name = sub
            owner = sub_owner if rng.random() < 0.8 else rng.choice(reps[cid])
            stage_id, phase, _p = stages[stage_choices[n % 1024]]
            status = str(status_for_phase(phase))
            if status == "open":
                close = today + timedelta(days=rng.randint(0, 365))
                closed_at = None
            else:
                close = today - timedelta(days=rng.randint(0, 730))
                closed_at = datetime(close.year, close.month, close.day, 12, tzinfo=UTC)
            created = datetime(close.year, close.month, close.day, 9, tzinfo=UTC) - timedelta(
                days=rng.randint(20, 200)
            )
            created = min(created, now)
            currency = currency_of[cid]
            amount_eur = Decimal(rng.randint(1_000, 500_000))
            amount = _money(amount_eur / currency_rate[currency])
            amount_reporting = _money(amount * to_reporting[currency])
            oid = ids[Opportunity].take()
            pl_index = rng.randrange(len(product_lines))
            T[Opportunity].add(
                oid,
                tid,
                f"{sub_name[:120]} – {PRODUCT_LINES[pl_index]} {n}",
                sid,
                aid,
                cid,
                product_lines[pl_index],
                owner,
                stage_id,
                status,
                amount,
                currency,
                amount_reporting,
                close,
                created,
                created,
                closed_at,
                funnel_rank(phase),
                created,
            )
            T[CreditSplit].add(ids[CreditSplit].take(), tid, oid, owner, cid, "100.00")
            T[StageChange].add(ids[StageChange].take(), tid, oid, None, stage_id, owner, created)
            opportunities.append((oid, sid, aid, cid, owner))
            by_subsidiary.setdefault(sid, []).append(oid)

        # Activities: half about an opportunity, half at a customer.
        for n in range(sizes.activities):
            kind = ACTIVITY_KINDS[n % len(ACTIVITY_KINDS)]
            if opportunities and n % 2 == 0:
                oid, sid, aid, cid, owner = opportunities[rng.randrange(len(opportunities))]
            else:
                sid, aid, cid, owner, _name = subsidiaries[rng.randrange(len(subsidiaries))]
                oid = None
            occurred = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            due = (occurred.date() + timedelta(days=7)) if kind == "task" else None
            T[Activity].add(
                ids[Activity].take(),
                tid,
                kind,
                f"{kind.title()} #{n}",
                sid,
                oid,
                aid,
                cid,
                owner,
                occurred,
                due,
                kind != "task" or rng.random() < 0.6,
            )

        # Campaigns at customers.
        for n in range(sizes.campaigns):
            sid, aid, cid, _owner, sub_name = subsidiaries[rng.randrange(len(subsidiaries))]
            starts = today + timedelta(days=rng.randint(-180, 180))
            T[Campaign].add(
                ids[Campaign].take(),
                tid,
                f"Campaign {n}: {sub_name[:80]}",
                sid,
                aid,
                cid,
                starts,
                starts + timedelta(days=rng.randint(7, 60)),
                rng.choice(reps[cid]),
            )

        big_account = accounts[0][0] if accounts else None
        hq_country = countries[0][0]
        rep = lam_of.get((big_account, hq_country)) or reps[hq_country][0]
        return Personas(
            tenant_id=tid, admin_id=admin, gam_id=gams[0], rep_id=rep, account_id=big_account
        )


def generate(sizes: Sizes, *, seed: int = 7, rebuild_indexes: bool = False) -> Result:
    """Load the data into the database of ``django.db.connection`` (in one transaction when
    the caller opened one)."""
    return Generator(sizes, seed=seed, rebuild_indexes=rebuild_indexes).run()


# --- checks ---------------------------------------------------------------------------------


def _tenant_owned_models() -> list[type[models.Model]]:
    from django.apps import apps

    from gam.tenancy import TenantOwnedModel

    return [
        m
        for m in apps.get_models()
        if issubclass(m, TenantOwnedModel) and not m._meta.proxy and m._meta.managed
    ]


def check_consistency(tenant_ids: list[int] | None = None) -> dict[str, int]:
    """Counts of rows that break the data's invariants (all zero when it is sound):
    a tenant-owned row pointing at a row of another tenant, and denormalized fields that
    differ from what the services would write."""
    problems: dict[str, int] = {}
    where = ""
    params: list = []
    if tenant_ids is not None:
        where = " AND a.tenant_id = ANY(%s)"
        params = [list(tenant_ids)]
    checks = []
    for model in _tenant_owned_models():
        for f in model._meta.concrete_fields:
            target = getattr(f, "related_model", None)
            if not f.is_relation or target is None or f.name == "tenant":
                continue
            if not any(x.name == "tenant" for x in target._meta.concrete_fields):
                continue
            checks.append(
                (
                    f"{model._meta.db_table}.{f.column} crosses tenants",
                    f'SELECT count(*) FROM "{model._meta.db_table}" a '
                    f'JOIN "{target._meta.db_table}" b ON b.id = a."{f.column}" '
                    f"WHERE b.tenant_id IS DISTINCT FROM a.tenant_id{where}",
                )
            )
    opp, sub, stage = (
        Opportunity._meta.db_table,
        Subsidiary._meta.db_table,
        Stage._meta.db_table,
    )
    for model in (Opportunity, Activity, Campaign):
        table = model._meta.db_table
        checks.append(
            (
                f"{table} account/country differ from the subsidiary's",
                f'SELECT count(*) FROM "{table}" a JOIN "{sub}" s ON s.id = a.subsidiary_id '
                "WHERE (a.global_account_id IS DISTINCT FROM s.global_account_id "
                f"OR a.country_id <> s.country_id){where}",
            )
        )
    checks.append(
        (
            "opportunity status differs from its stage's phase",
            f'SELECT count(*) FROM "{opp}" a JOIN "{stage}" st ON st.id = a.stage_id '
            "WHERE a.status <> CASE st.phase WHEN 'won' THEN 'won' WHEN 'lost' THEN 'lost' "
            f"ELSE 'open' END{where}",
        )
    )
    moves = StageChange._meta.db_table
    rank = " ".join(f"WHEN '{phase}' THEN {r}" for phase, r in FUNNEL_RANK.items())
    checks.append(
        (
            "opportunity stage summary differs from its stage changes",
            f'SELECT count(*) FROM "{opp}" a JOIN (SELECT c.opportunity_id, '
            f"max(CASE st.phase {rank} ELSE 0 END) AS furthest, max(c.changed_at) AS last "
            f'FROM "{moves}" c JOIN "{stage}" st ON st.id = c.to_stage_id '
            "GROUP BY c.opportunity_id) h ON h.opportunity_id = a.id "
            "WHERE (a.furthest_phase_rank <> h.furthest "
            f"OR a.last_stage_change_at IS DISTINCT FROM h.last){where}",
        )
    )
    gm, tm = GlobalAccount._meta.db_table, TeamMembership._meta.db_table
    checks.append(
        (
            "global account manager differs from the team's GAM",
            f'SELECT count(*) FROM "{gm}" a LEFT JOIN "{tm}" m ON m.global_account_id = a.id '
            "AND m.role = 'global_account_manager' "
            f"WHERE a.manager_id IS DISTINCT FROM m.user_id{where}",
        )
    )
    perm = GlobalAccountUserObjectPermission._meta.db_table
    checks.append(
        (
            "team member without the view permission",
            f'SELECT count(*) FROM "{tm}" a WHERE NOT EXISTS (SELECT 1 FROM "{perm}" p '
            "JOIN auth_permission ap ON ap.id = p.permission_id AND "
            "ap.codename = 'view_globalaccount' "
            f"WHERE p.user_id = a.user_id AND p.content_object_id = a.global_account_id){where}",
        )
    )
    with connection.cursor() as cursor:
        for label, sql in checks:
            cursor.execute(sql, params)
            problems[label] = cursor.fetchone()[0]
    return problems
