"""`make bench`: generate (or reuse) the benchmark database, then measure.

    python -m bench.run                 # full scale (100 tenants, 500k opportunities ...)
    python -m bench.run --scale 0.1     # a quick run
    python -m bench.run --regenerate    # drop and reload the data

Sections of the report (bench/results/latest.md and .json):
  generation  rows and seconds of the bulk load
  in-process  per endpoint and user: SQL queries, ORM time, the same page by one
              hand-written SQL query + json.dumps, and their ratio
  http        gunicorn + wrk (or the Python client): median, p95, requests per second
  scan        the duplicate-work scan (bench/scan.py) when it exists
  imports     a 100k-row customer import: upload, dry run, apply (bench/imports.py)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

from bench import db, imports

RESULTS = Path(__file__).resolve().parent / "results"
# One key for this run: the bench process makes the sessions gunicorn then checks.
_SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)


def _settings_environment(url: str) -> dict[str, str]:
    """Production settings with DEBUG off, on plain HTTP on localhost."""
    return {
        "DJANGO_SETTINGS_MODULE": "gam.settings.production",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": _SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DB_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "LOG_LEVEL": "ERROR",
        # Throttling stays on (its cache reads are part of each request), but the bench
        # measures latency: at 2 connections one token sends more than 1,200 requests a
        # minute over consecutive cases, and a 429 measures nothing.
        "API_RATE_USER": "1000000/min",
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="row counts × SCALE (1.0)")
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--regenerate", action="store_true", help="drop and reload the data")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", db.DEFAULT_URL)
    )
    parser.add_argument("--duration", type=float, default=6.0, help="seconds of load per case")
    parser.add_argument("--connections", type=int, default=2, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--repeat", type=int, default=15, help="in-process samples per case")
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="apply bench/proposed_indexes.sql to the bench database first",
    )
    parser.add_argument("--only", default="", help="only cases whose name contains this")
    parser.add_argument(
        "--kinds", default="list,dashboard,page", help="which cases: list, dashboard, page"
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--skip-imports", action="store_true")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory of the results")
    return parser.parse_args(argv)


def prepare(args) -> dict:
    """Create, migrate and fill the benchmark database (or reuse it). Returns its meta."""
    url = args.database_url
    wanted = {"scale": args.scale, "tenants": args.tenants}
    meta = db.stored_meta(url)
    reuse = meta is not None and not args.regenerate and {k: meta.get(k) for k in wanted} == wanted
    if not reuse:
        print(f"bench: creating {db.database_name(url)} (scale {args.scale})", flush=True)
        db.recreate(url)
    else:
        db.ensure_exists(url)
    os.environ.update(_settings_environment(url))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.monotonic() - started
    # Production serves hashed static files from a manifest: build it as a deploy would.
    call_command("collectstatic", verbosity=0, interactive=False)
    if reuse:
        print(f"bench: reusing the data generated {meta['generated_at']} ({meta['seconds']} s)")
        meta["reused"] = True
        return meta

    from django.db import transaction

    from bench.generate import Sizes, check_consistency, generate

    sizes = Sizes.at(args.scale, tenants=args.tenants)
    print("bench: generating ...", flush=True)
    with transaction.atomic():
        result = generate(sizes, rebuild_indexes=True)
    vacuum = db.vacuum_analyze(url)
    problems = {k: v for k, v in check_consistency().items() if v}
    if problems:
        raise SystemExit(f"bench: generated data is inconsistent: {problems}")
    meta = {
        **wanted,
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "seconds": result.seconds,
        "vacuum_analyze_seconds": round(vacuum, 1),
        "migrate_seconds": round(migrate_seconds, 1),
        "rows": result.rows,
        "personas": result.personas.__dict__,
        "sizes": result.sizes,
        "reused": False,
    }
    db.save_meta(url, meta)
    total = sum(result.rows.values())
    print(
        f"bench: generated {total:,} rows in {result.seconds} s (+ VACUUM ANALYZE {vacuum:.1f} s)",
        flush=True,
    )
    return meta


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    meta = prepare(args)
    proposed = Path(__file__).with_name("proposed_indexes.sql")
    if args.proposed_indexes:
        seconds = db.apply_sql(args.database_url, proposed)
        print(f"bench: proposed indexes applied ({seconds:.1f} s)", flush=True)
        meta["proposed_indexes"] = True
    else:
        # Measure the schema as migrated: drop what an earlier --proposed-indexes run added.
        names = sorted(set(re.findall(r"\b(bench_[a-z_]+)\b", proposed.read_text())))
        db.apply_sql(args.database_url, "".join(f"DROP INDEX IF EXISTS {n};" for n in names))
    from bench import measure, report

    started = time.monotonic()
    results = {"generation": meta, "args": vars(args)}
    personas = measure.personas(meta["personas"])
    results["personas"] = {role: p.describe() for role, p in personas.items()}
    # Connect as the app does in production: a non-owner role under row-level security
    # (when the schema has it), migrations and the loader as the owner.
    from django.conf import settings
    from django.db import connection

    group_role = getattr(settings, "DATABASE_APP_ROLE", None)  # code with row-level security
    app_url = db.app_database_url(args.database_url, group_role) if group_role else None
    web_env = _settings_environment(app_url or args.database_url)
    if app_url:
        web_env["MIGRATE_DATABASE_URL"] = args.database_url
        connection.close()
        connection.settings_dict.update(USER=db.APP_LOGIN_ROLE, PASSWORD=db.APP_LOGIN_PASSWORD)
        results["connects_as"] = (
            f"{db.APP_LOGIN_ROLE} (member of {group_role}: not owner, not "
            "superuser, so row-level security applies)"
        )
    else:
        results["connects_as"] = "the owner (no row-level-security role in this schema)"
    print(f"bench: the app connects as {results['connects_as']}", flush=True)
    kinds = set(args.kinds.split(","))
    cases = [
        c
        for c in measure.cases(personas, meta["personas"])
        if args.only in c.name and c.kind in kinds
    ]
    results["load_before"] = os.getloadavg()
    print(f"bench: in-process pass ({len(cases)} cases) ...", flush=True)
    results["inprocess"] = measure.in_process(cases, repeat=args.repeat)
    results["explain"] = measure.explain_slowest(cases, results["inprocess"])
    if args.skip_http:
        results["http"] = {"skipped": "--skip-http"}
    else:
        from bench import http

        print("bench: HTTP pass ...", flush=True)
        results["http"] = http.run(
            cases,
            env=web_env,
            workers=args.workers,
            connections=args.connections,
            duration=args.duration,
            client=args.client,
        )
    results["scan"] = measure.scan(skip=args.skip_scan, scale=args.scale)
    # A 100k-row customer import, dry run and apply (bench/imports.py).
    if not args.skip_imports:
        results["imports"] = imports.main(rows=max(1000, int(100_000 * args.scale)))
    results["load_after"] = os.getloadavg()
    results["seconds"] = round(time.monotonic() - started, 1)
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    text = report.markdown(results)
    (out / "latest.md").write_text(text)
    print(text)
    print(f"bench: written {out / 'latest.md'} and latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
