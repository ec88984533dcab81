"""Benchmark of a large customer import: a 100,000-row CSV (name, country by name or code,
registration number, website, owner by email) checked (dry run) and applied, each step in a
fresh process so its peak memory (``ru_maxrss``) is the step's own.

    python -m bench.imports                 # 100,000 rows
    python -m bench.imports --rows 20000    # a quicker run

Data goes to its own database (``gam_bench_imports``, dropped and created anew). The steps
run the engine as the Celery task does (gam.imports.runner), with the tenant in context:

  upload   reading the file into the job (services.import_job_create, nothing checked)
  dry_run  checking every row against the database (runner.import_preview)
  apply    checking again and writing every row in one transaction (runner.import_apply)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sys
import time

from bench.scan import DATABASE as _SCAN_DATABASE  # noqa: F401 (same server settings)
from bench.scan import ROOT, SERVER

DATABASE = "gam_bench_imports"
COUNTRIES = [("SE", "Sweden", "SEK"), ("DE", "Deutschland", "EUR"), ("FR", "France", "EUR"),
             ("FI", "FINLAND", "EUR"), ("GB", "UK", "GBP")]  # fmt: skip


def _env() -> dict:
    import os  # noqa: PLC0415 (a script: settings before Django)

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gam.settings.local",
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "DEBUG": "false",
        "CELERY_BROKER_URL": "",
        "PYTHONPATH": str(ROOT),
    }


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Namn", "Land", "Org.nr", "Webbplats", "Ansvarig"])
    for i in range(rows):
        code, spelled, _currency = COUNTRIES[i % len(COUNTRIES)]
        writer.writerow(
            [f"Bench Kund {i:06d} AB", spelled if i % 2 else code, f"55{i:08d}",
             f"www.bench{i:06d}.se", "owner@bench.test"]
        )  # fmt: skip
    return out.getvalue().encode("cp1252")


def _step(step: str, rows: int) -> dict:
    import django  # noqa: PLC0415 (settings come from the environment of this process)

    django.setup()
    from gam.imports import runner, services  # noqa: PLC0415
    from gam.imports.signals import import_applied  # noqa: PLC0415
    from gam.models import Country, ImportJob, Tenant, User  # noqa: PLC0415
    from gam.tenancy import tenant_context  # noqa: PLC0415

    # Each step runs here, not in the task the services queue; the conflict scan an apply
    # queues is bench/scan.py's measure, not this one's.
    services._queue = lambda job, apply: None
    import_applied.receivers = []
    started = time.monotonic()
    if step == "setup":
        tenant = Tenant.objects.create(name="Bench imports", slug="bench-imports")
        with tenant_context(tenant.pk):
            for code, _spelled, currency in COUNTRIES:
                Country.objects.create(code=code, name=code, currency=currency)
            User.objects.create_user(
                email="owner@bench.test", password=None, tenant=tenant, name="Bench Owner",
                is_tenant_admin=True,
            )  # fmt: skip
        return {"step": step}
    tenant = Tenant.objects.get(slug="bench-imports")
    with tenant_context(tenant.pk):
        user = User.in_tenant.get(email="owner@bench.test")
        if step == "upload":
            data = make_csv(rows)
            started = time.monotonic()
            # The dry run is queued after the commit; here it runs in its own step.
            job = services.import_job_create(
                user=user, kind="subsidiaries", country=None, filename="bench.csv", data=data,
                map_first=False,
            )  # fmt: skip
            result = {"job": job.pk, "bytes": len(data)}
        elif step == "dry_run":
            job = ImportJob.objects.select_related("created_by", "country").get(kind="subsidiaries")
            runner.import_preview(job=job)
            result = {"status": job.status, "summary": {k: job.summary.get(k) for k in
                      ("create", "update", "match", "error")}}  # fmt: skip
        else:
            job = ImportJob.objects.select_related("created_by", "country").get(kind="subsidiaries")
            services.import_job_apply(job=job, user=user)
            job.refresh_from_db()
            runner.import_apply(job=job)
            result = {"status": job.status}
    return {
        "step": step,
        "rows": rows,
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **result,
    }


def run_step(step: str, rows: int) -> dict:
    import subprocess  # noqa: PLC0415

    done = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--step", step, "--rows", str(rows)],
        cwd=ROOT, env=_env(), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench.imports {step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def recreate_database() -> None:
    import subprocess  # noqa: PLC0415

    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(f"{SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DATABASE}"')
    conn.close()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=_env(),
        check=True,
    )  # fmt: skip


def main(argv: list[str] | None = None, *, rows: int | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--step", choices=["setup", "upload", "dry_run", "apply"])
    args = parser.parse_args(argv if argv is not None else ([] if rows else None))
    if args.step:
        print(json.dumps(_step(args.step, args.rows)))
        return {}
    rows = rows or args.rows
    recreate_database()
    results = [run_step(step, rows) for step in ("setup", "upload", "dry_run", "apply")][1:]
    for result in results:
        print(json.dumps(result), flush=True)
    return {"database": DATABASE, "results": results}


if __name__ == "__main__":
    main()
