"""Benchmark of the duplicate-work scan: full scan time and peak memory at 10k, 100k and 1M
subsidiaries (with proportional global accounts, opportunities, campaigns and agreements),
and the latency of the incremental check of one saved record.

    python -m bench.scan                       # 10k, 100k, 1M
    python -m bench.scan --sizes 10000,100000  # a quicker run

Data goes to its own database (``gam_bench_scan``, dropped and created anew). Each size is
loaded with COPY in chunks (matching keys computed as ``Subsidiary.save`` computes them)
and measured in a fresh process, so that the peak memory (``ru_maxrss``) is the scan's:

  detect     group discovery alone (blocking keys grouped in SQL, pairs scored, clusters):
             "dup. pairs" then counts the records in clusters
  scan       the first full scan of all four kinds, writing every conflict and alert
  rescan     the same scan again: nothing new, the steady state of the periodic scan
  check      the incremental check of one saved subsidiary / opportunity (p50, p95), in
             the steady state (conflicts table vacuumed, as autovacuum does) and right
             after the scan (``*_after_scan``: the GIN pending list not yet merged)

``make bench`` (bench/run.py) calls ``main(sizes=[...])``; the result is also printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = os.environ.get("BENCH_SCAN_DATABASE", "gam_bench_scan")
SERVER = os.environ.get("BENCH_SCAN_SERVER", "postgres://postgres@127.0.0.1:5432")
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
COUNTRIES = [
    ("SE", "SEK", "AB"),
    ("DE", "EUR", "GmbH"),
    ("FR", "EUR", "SAS"),
    ("GB", "GBP", "Ltd"),
    ("ES", "EUR", "S.L."),
    ("IT", "EUR", "S.r.l."),
    ("NL", "EUR", "B.V."),
    ("FI", "EUR", "Oy"),
    ("DK", "DKK", "A/S"),
    ("PL", "PLN", "Sp. z o.o."),
]
INDUSTRY = ["Steel", "Paper", "Logistics", "Foods", "Pumps", "Energy", "Systems", "Pharma"]
INDUSTRY += ["Chemicals", "Transport", "Textiles", "Maschinenbau", "Elektronik", "Bygg"]
INDUSTRY += ["Medical", "Robotics", "Packaging", "Marine", "Software", "Plastics"]
# Brand names are spelled from consonant-vowel syllables and derived from a serial number, so
# that the generated companies are distinct and never one typo apart by chance: the only
# duplicates are the intended copies (DUPLICATE_SHARE), and their count grows linearly with
# the size. Random names from a small syllable set collided more and more as the data grew
# (1M had 38x the duplicate pairs of 100k, not 10x). See ``_brand``.
CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
SYLLABLES = [c + v for c in CONSONANTS for v in VOWELS]  # 70
BRAND_DIGITS = 4  # serial syllables: 70**4 = 24M brands, plus one check syllable
BRAND_SPACE = len(SYLLABLES) ** BRAND_DIGITS
BRAND_STRIDE = 7_777_779  # coprime to 70**4 (2**4 * 5**4 * 7**4): serials -> scattered brands
DUPLICATE_SHARE = 0.03  # subsidiaries that are another office's copy of an existing one
CHUNK = 50_000


def settings_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gam.settings.local",
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "DEBUG": "false",
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }


def run_step(*args: str) -> dict:
    """One step in a fresh process; its last stdout line is its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.scan", *args],
        cwd=ROOT,
        env=settings_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.scan {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def recreate_database() -> None:
    import psycopg2

    if not DATABASE.startswith("gam_bench"):
        raise SystemExit(f"refusing to drop {DATABASE!r}: its name must start with gam_bench")
    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DATABASE}"')
    conn.close()
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=settings_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{done.stderr[-4000:]}")


# --- steps that run inside Django -----------------------------------------------------------


def _django() -> None:
    import django

    django.setup()


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer)


def _brand(serial: int) -> str:
    """A distinct brand for each serial ("Ronakitefu"): the serial, scattered over the
    brand space, written as four syllables, and a check syllable (their sum modulo 70).
    Two brands then differ in at least two syllables, and since every brand is the same
    number of consonant-vowel pairs, no single typo (a letter replaced, inserted, dropped,
    or two neighbours swapped) turns one into another: they never match by accident."""
    code = (serial * BRAND_STRIDE + 12_345) % BRAND_SPACE
    digits = []
    for _ in range(BRAND_DIGITS):
        code, digit = divmod(code, len(SYLLABLES))
        digits.append(digit)
    digits.append(sum(digits) % len(SYLLABLES))
    return "".join(SYLLABLES[d] for d in digits).capitalize()


def step_load(size: int) -> dict:
    """Tenant, users, countries, then COPY: global accounts, subsidiaries, opportunities,
    campaigns, agreements. Deterministic (seeded)."""
    _django()
    from django.db import connection
    from django.utils import timezone

    from accounts.matching import account_match_keys, matching_keys
    from gam.models import Country, User
    from gam.services import tenant_create
    from gam.tenancy import tenant_context
    from opportunities.models import ProductLine, Stage

    started = time.monotonic()
    rng = random.Random(size)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE gam_tenant CASCADE")
        cur.execute("TRUNCATE gam_user CASCADE")
    tenant = tenant_create(
        name=f"Bench {size}",
        slug=f"bench-{size}",
        admin_email=f"admin@bench{size}.test",
        admin_password="bench-pass-2026",
    )
    now = timezone.now().isoformat()
    today = timezone.localdate()
    with tenant_context(tenant):
        countries = [
            Country.objects.create(code=code, name=code, currency=currency)
            for code, currency, _form in COUNTRIES
        ]
        sellers = [
            User.objects.create_user(
                email=f"seller{i}@bench{size}.test",
                password=None,
                tenant=tenant,
                country=countries[i % len(countries)],
                name=f"Seller {i}",
            )
            for i in range(50)
        ]
        lines = [ProductLine.objects.create(name=f"Line {i}") for i in range(12)]
        stages = {s.slug: s for s in Stage.objects.all()}
    accounts = max(size // 20, 1)
    counts = {"global_accounts": accounts}
    with connection.cursor() as cur:
        _copy(
            cur,
            "accounts_globalaccount",
            [
                "tenant_id",
                "name",
                "score",
                "tier_override",
                "tier_override_reason",
                "description",
                "industry",
                "website",
                "manager_id",
                "created_at",
                "version",
                "match_keys",
            ],
            (
                (
                    tenant.pk,
                    f"Group {i}",
                    0,
                    False,
                    "",
                    "",
                    "",
                    "",
                    sellers[i % len(sellers)].pk,
                    now,
                    1,
                    account_match_keys(f"Group {i}"),
                )
                for i in range(accounts)
            ),
        )
        cur.execute(
            "SELECT id FROM accounts_globalaccount WHERE tenant_id = %s ORDER BY id", [tenant.pk]
        )
        account_ids = [r[0] for r in cur.fetchall()]

        # Subsidiaries: 60 % at a global account; a share are another office's copies.
        columns = [
            "tenant_id",
            "global_account_id",
            "name",
            "country_id",
            "registration_number",
            "website",
            "address",
            "owner_id",
            "name_key",
            "name_block",
            "registration_key",
            "domain_key",
            "match_keys",
            "created_at",
            "version",
        ]
        originals: list[tuple] = []
        made = brands = 0
        while made < size:
            rows = []
            for _ in range(min(CHUNK, size - made)):
                if originals and rng.random() < DUPLICATE_SHARE:
                    core, number, domain, home = rng.choice(originals)
                    country = rng.randrange(len(COUNTRIES))
                    if rng.random() < 0.2:
                        core = core[:-2] + core[-1] + core[-2]  # a typo at the end
                    number = number if rng.random() < 0.5 else ""
                    domain = domain if rng.random() < 0.5 else ""
                    account = None
                else:
                    core = f"{_brand(brands)} {rng.choice(INDUSTRY)}"
                    brands += 1
                    country = rng.randrange(len(COUNTRIES))
                    number = str(rng.randrange(10**9, 10**10)) if rng.random() < 0.4 else ""
                    slug = core.lower().replace(" ", "")
                    domain = f"{slug}.com" if rng.random() < 0.4 else ""
                    home = country
                    account = rng.choice(account_ids) if rng.random() < 0.6 else None
                    if len(originals) < 200_000:
                        originals.append((core, number, domain, home))
                code, _currency, form = COUNTRIES[country]
                home_code = COUNTRIES[home][0]
                registration = f"{home_code}{number}" if number else ""
                name = f"{core} {form}"
                keys = matching_keys(
                    name=name, registration_number=registration, website=domain, country_code=code
                )
                rows.append(
                    (
                        tenant.pk,
                        account,
                        name,
                        countries[country].pk,
                        registration,
                        domain,
                        "",
                        sellers[rng.randrange(len(sellers))].pk,
                        keys.name_key,
                        keys.name_block,
                        keys.registration_key,
                        keys.domain_key,
                        keys.match_keys,
                        now,
                        1,
                    )
                )
            _copy(cur, "accounts_subsidiary", columns, rows)
            made += len(rows)
        counts["subsidiaries"] = made

        # Opportunities: half as many as subsidiaries, most of them closed.
        cur.execute(
            "SELECT id, global_account_id, country_id, owner_id FROM accounts_subsidiary "
            "WHERE tenant_id = %s ORDER BY id",
            [tenant.pk],
        )
        subs = cur.fetchall()
        picks = [subs[rng.randrange(len(subs))] for _ in range(size // 2)]
        stage_mix = [
            ("closed_won", "won"),
            ("closed_lost", "lost"),
            ("closed_won", "won"),
            ("closed_lost", "lost"),
            ("closed_won", "won"),
            ("closed_lost", "lost"),
            ("qualification", "open"),
            ("proposal", "open"),
            ("negotiation", "open"),
            ("closed_won", "won"),
        ]
        opp_columns = [
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
            "next_step",
            "loss_reason",
            "created_at",
            "updated_at",
            "version",
            "furthest_phase_rank",  # no stage history here (migration 0005's summary of it)
        ]
        for start in range(0, len(picks), CHUNK):
            rows = []
            for i, (sub_id, account, country_id, owner) in enumerate(
                picks[start : start + CHUNK], start
            ):
                slug, status = stage_mix[rng.randrange(len(stage_mix))]
                rows.append(
                    (
                        tenant.pk,
                        f"Deal {i}",
                        sub_id,
                        account,
                        country_id,
                        lines[rng.randrange(len(lines))].pk,
                        owner,
                        stages[slug].pk,
                        status,
                        10000,
                        "EUR",
                        10000,
                        (today + timedelta(days=rng.randrange(-200, 200))).isoformat(),
                        "",
                        "",
                        now,
                        now,
                        1,
                        0,
                    )
                )
            _copy(cur, "opportunities_opportunity", opp_columns, rows)
        counts["opportunities"] = len(picks)

        # Campaigns (1 per 100 subsidiaries) and agreements (1 per 10 accounts).
        linked = [s for s in subs if s[1] is not None]
        camp_rows = []
        for i in range(size // 100):
            sub_id, account, country_id, owner = linked[rng.randrange(len(linked))]
            begin = today + timedelta(days=rng.randrange(-60, 60))
            camp_rows.append(
                (
                    tenant.pk,
                    f"Campaign {i}",
                    sub_id,
                    account,
                    country_id,
                    begin.isoformat(),
                    (begin + timedelta(days=rng.randrange(1, 40))).isoformat(),
                    sellers[rng.randrange(len(sellers))].pk,
                )
            )
        _copy(
            cur,
            "opportunities_campaign",
            [
                "tenant_id",
                "name",
                "subsidiary_id",
                "global_account_id",
                "country_id",
                "starts_on",
                "ends_on",
                "owner_id",
            ],
            camp_rows,
        )
        counts["campaigns"] = len(camp_rows)
        chosen = account_ids[:: max(1, 10)]
        _copy(
            cur,
            "accounts_frameworkagreement",
            [
                "tenant_id",
                "global_account_id",
                "name",
                "discount_percent",
                "shipping_terms",
                "terms",
                "valid_from",
                "valid_until",
            ],
            (
                (
                    tenant.pk,
                    account,
                    f"Agreement {account}",
                    10,
                    "",
                    "",
                    (today - timedelta(days=100)).isoformat(),
                    (today + timedelta(days=300)).isoformat(),
                )
                for account in chosen
            ),
        )
        cur.execute(
            "INSERT INTO accounts_frameworkagreement_countries (frameworkagreement_id, country_id) "
            "SELECT a.id, c.id FROM accounts_frameworkagreement a JOIN gam_country c "
            "ON c.tenant_id = a.tenant_id AND c.code IN ('SE', 'DE', 'FR') "
            "WHERE a.tenant_id = %s",
            [tenant.pk],
        )
        counts["agreements"] = len(chosen)
    # VACUUM, not only ANALYZE: autovacuum vacuums a table after a bulk insert (PostgreSQL
    # 13+), which sets its visibility map, and the scan's GROUP BY of the keys reads only
    # their indexes then (index-only scans). This server may run with autovacuum off.
    with connection.cursor() as cur:  # Django's autocommit: outside a transaction
        cur.execute("VACUUM ANALYZE")
    return {"size": size, "rows": counts, "load_seconds": round(time.monotonic() - started, 1)}


def _rss_mb() -> float:
    """Peak resident memory of this process, MB. Linux's VmHWM belongs to the process's own
    memory map; ``ru_maxrss`` keeps the parent's peak across fork and exec, so under
    ``make bench`` (a large parent) every figure above the baseline read 0."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_measure(size: int, checks: int) -> dict:
    _django()
    from django.db import connection

    from accounts.discovery import clusters_around, scan_clusters
    from accounts.models import Subsidiary
    from gam.models import Tenant
    from gam.tenancy import tenant_context
    from opportunities.conflicts import recording
    from opportunities.conflicts.models import Conflict
    from opportunities.models import Opportunity

    tenant = Tenant.objects.get(slug=f"bench-{size}")
    result: dict = {"size": size}
    with tenant_context(tenant):
        baseline = _rss_mb()
        # Group discovery (accounts.discovery), the customer detector's work: the full
        # pass, and one subsidiary's neighbourhood, the matcher's part of the check.
        started = time.monotonic()
        discovery = scan_clusters()
        result["detect_seconds"] = round(time.monotonic() - started, 2)
        result["detect_peak_mb"] = round(_rss_mb() - baseline, 1)
        result["duplicate_pairs"] = sum(len(c.members) for c in discovery.clusters)
        result["group_clusters"] = len(discovery.clusters)
        del discovery
        timings = []
        for record_id in Subsidiary.objects.order_by("?").values_list("id", flat=True)[:checks]:
            t0 = time.perf_counter()
            clusters_around(record_id)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        result["groups_check"] = {
            "n": len(timings),
            "p50_ms": round(timings[len(timings) // 2], 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        }

        if os.environ.get("BENCH_SCAN_DETECT_ONLY"):
            return result  # a quick look at the largest size: the duplicate pass only
        started = time.monotonic()
        run = recording.scan_tenant(alert_by_email=False)
        result["scan_seconds"] = round(time.monotonic() - started, 2)
        result["scan_peak_mb"] = round(_rss_mb() - baseline, 1)
        result["conflicts"] = {k: v["found"] for k, v in run.counts.items()}

        started = time.monotonic()
        recording.scan_tenant(alert_by_email=False)
        result["rescan_seconds"] = round(time.monotonic() - started, 2)
        result["rescan_peak_mb"] = round(_rss_mb() - baseline, 1)

        rng = random.Random(1)
        sub_ids = list(Subsidiary.objects.order_by("?").values_list("id", flat=True)[:checks])
        opp_ids = list(
            Opportunity.objects.filter(status="open")
            .order_by("?")
            .values_list("id", flat=True)[:checks]
        )
        # Twice: right after the scan, when the GIN index on Conflict.records still holds
        # the scan's rows in its pending list (every lookup reads that list), and after
        # the VACUUM ANALYZE that autovacuum runs within a minute (the steady state).
        for suffix in ("_after_scan", ""):
            if not suffix:
                with connection.cursor() as cur:
                    cur.execute("VACUUM ANALYZE opportunities_conflict")
            for label, record_type, ids in (
                ("check_subsidiary", "subsidiary", sub_ids),
                ("check_opportunity", "opportunity", opp_ids),
            ):
                timings = []
                rng.shuffle(ids)
                for record_id in ids:
                    t0 = time.perf_counter()
                    recording.check_record(record_type=record_type, record_id=record_id)
                    timings.append((time.perf_counter() - t0) * 1000)
                timings.sort()
                result[label + suffix] = {
                    "n": len(timings),
                    "p50_ms": round(timings[len(timings) // 2], 1),
                    "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                }
        result["open_conflicts"] = Conflict.objects.filter(status="open").count()
    return result


# --- the orchestrator -----------------------------------------------------------------------


def report(results: list[dict]) -> str:
    lines = [
        "| subsidiaries | dup. pairs | detect s | detect MB | scan s (first) | rescan s | "
        "scan MB | check sub p50 / p95 ms | check opp p50 / p95 ms | "
        "right after the scan: sub / opp p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "scan_seconds" not in r:
            lines.append(
                f"| {r['size']:,} | {r['duplicate_pairs']:,} | {r['detect_seconds']} | "
                f"{r['detect_peak_mb']} | – | – | – | – | – | – |"
            )
            continue
        lines.append(
            f"| {r['size']:,} | {r['duplicate_pairs']:,} | {r['detect_seconds']} | "
            f"{r['detect_peak_mb']} | {r['scan_seconds']} | {r['rescan_seconds']} | "
            f"{r['rescan_peak_mb']} | "
            f"{r['check_subsidiary']['p50_ms']} / {r['check_subsidiary']['p95_ms']} | "
            f"{r['check_opportunity']['p50_ms']} / {r['check_opportunity']['p95_ms']} | "
            f"{r['check_subsidiary_after_scan']['p95_ms']} / "
            f"{r['check_opportunity_after_scan']['p95_ms']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, sizes: list[int] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scan", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--checks", type=int, default=300, help="incremental checks per kind")
    parser.add_argument("--step", choices=["load", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else ([] if sizes else None))
    if args.step == "load":
        print(json.dumps(step_load(args.size)))
        return {}
    if args.step == "measure":
        print(json.dumps(step_measure(args.size, args.checks)))
        return {}

    sizes = sizes or [int(s) for s in args.sizes.split(",") if s]
    recreate_database()
    results = []
    for size in sizes:
        loaded = run_step("--step", "load", "--size", str(size))
        measured = run_step("--step", "measure", "--size", str(size), "--checks", str(args.checks))
        results.append({**loaded, **measured})
        print(json.dumps(results[-1]), flush=True)
    table = report(results)
    print(table)
    return {"database": DATABASE, "results": results, "table": table, "date": str(date.today())}


if __name__ == "__main__":
    main()
