"""make chaos: faults on a production-like run, and what they cost.

Builds its own stack on this machine: a fresh PostgreSQL database with the README's roles (the
tables' owner migrates, the app connects as a login in the RLS-bound group), a redis-server
of its own, gunicorn and a Celery worker with ``gam.settings.production``. Then, phase by
phase, with HTTP traffic through gunicorn:

  writers   concurrent PATCHes of different fields of one opportunity and one subsidiary
  imports   one 300-row import applied three times at once
  redis     Redis killed while the API, the token endpoint, the login page and writes go on
  worker    the worker's main process SIGKILLed mid-scan, a new worker started
  database  the app's database login refused while requests go on (503 expected)

and reports requests served, 5xx (503 apart), rows lost or duplicated, and whether the killed
scan finished. Needs: PostgreSQL on 127.0.0.1:5432 reachable as ``postgres`` (CHAOS_PG_URL),
redis-server on PATH. Leaves nothing behind (database, roles, processes).

    python scripts/chaos.py [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
PG = urllib.parse.urlparse(os.environ.get("CHAOS_PG_URL", "postgres://postgres@127.0.0.1:5432/"))
DB, OWNER, APP, WEB = "gam_chaos", "gam_chaos_owner", "gam_chaos_app", "gam_chaos_web"
PASSWORD = "chaos-" + secrets.token_hex(8)
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@chaos.test", "Chaos-pass-" + secrets.token_hex(4)
PAIRS = 6000  # duplicate pairs for the scan (a few seconds of writing)


def log(message: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def sql(statement: str, params=None, *, database: str = "postgres", fetch: bool = False):
    conn = psycopg2.connect(
        host=PG.hostname, port=PG.port or 5432, user=PG.username or "postgres",
        password=PG.password or "", dbname=database,
    )  # fmt: skip
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if fetch else None
    finally:
        conn.close()


class Stack:
    def __init__(self) -> None:
        self.redis_port = free_port(6390)
        self.web_port = free_port(8790)
        self.dir = tempfile.mkdtemp(prefix="gam-chaos-")
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        pg = f"{PG.hostname}:{PG.port or 5432}/{DB}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "gam.settings.production",
            "SECRET_KEY": "chaos-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"postgres://{WEB}:{PASSWORD}@{pg}",
            "MIGRATE_DATABASE_URL": f"postgres://{OWNER}:{PASSWORD}@{pg}",
            "DATABASE_APP_ROLE": APP,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": "10",
            "API_RATE_USER": "100000/min",
            "API_RATE_ANON": "100000/min",
            "API_RATE_LOGIN": "100000/min",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "PYTHONPATH": str(ROOT),
        }

    # --- database -----------------------------------------------------------------------
    def create_database(self) -> None:
        self.drop_database()
        sql(f'CREATE ROLE "{OWNER}" LOGIN PASSWORD %s NOSUPERUSER NOBYPASSRLS', [PASSWORD])
        sql(f'CREATE ROLE "{APP}" NOLOGIN NOSUPERUSER NOBYPASSRLS')
        sql(f'CREATE ROLE "{WEB}" LOGIN PASSWORD %s IN ROLE "{APP}"', [PASSWORD])
        sql(f'CREATE DATABASE "{DB}" OWNER "{OWNER}"')
        sql(f'ALTER SCHEMA public OWNER TO "{OWNER}"', database=DB)

    def drop_database(self) -> None:
        sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        for role in (WEB, APP, OWNER):
            sql(f'DROP ROLE IF EXISTS "{role}"')

    def manage(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip

    # --- processes ----------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_port(self.redis_port)

    def stop_redis(self) -> None:
        if self.redis and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait()

    def start_web(self) -> None:
        out = open(Path(self.dir) / "web.log", "ab")  # noqa: SIM115 - lives with the process
        self.web = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "gam.wsgi:application",
             "--bind", f"127.0.0.1:{self.web_port}", "--workers", "3", "--timeout", "60"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_port(self.web_port)

    def start_worker(self) -> None:
        out = open(Path(self.dir) / "worker.log", "ab")  # noqa: SIM115
        self.worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "gam", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stop_redis()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Http:
    """Requests through gunicorn, every answer counted per phase."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = ""
        self.counts: dict[str, Counter] = {}
        self.errors: Counter = Counter()
        self.lock = threading.Lock()
        self.phase = "setup"

    def call(self, method: str, path: str, body=None, *, auth=True, raw=None, ctype=None):
        headers = {"Accept": "application/json"}
        data = raw
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        if auth and self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers)  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except (urllib.error.URLError, OSError):
            status, payload = 0, b""
        with self.lock:
            self.counts.setdefault(self.phase, Counter())[status] += 1
            if status >= 500 and status != 503:
                self.errors[f"{method} {path.split('?')[0]} {status}"] += 1
        try:
            return status, json.loads(payload or b"null")
        except ValueError:
            return status, payload


def concurrently(*calls):
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# --- phases ---------------------------------------------------------------------------------


def phase_writers(http: Http, report: dict, rounds: int = 20) -> None:
    http.phase = "writers"
    # In Germany: EUR, the tenant's currency (no exchange rate needed).
    _, subs = http.call("GET", "/api/v1/subsidiaries/?country=DE&page_size=1")
    sub = subs["results"][0]["id"]
    _, stages = http.call("GET", "/api/v1/stages/")
    stage = (stages["results"] if isinstance(stages, dict) else stages)[0]["slug"]
    status, opp = http.call("POST", "/api/v1/opportunities/", {
        "name": "Chaos deal", "subsidiary": sub, "stage": stage, "amount": "1000",
        "close_date": "2027-06-30"})  # fmt: skip
    if status != 201:
        raise RuntimeError(f"opportunity not created: {status} {opp}")
    lost = 0
    for n in range(rounds):
        amount, step, address, site = f"{1000 + n}.00", f"step {n}", f"gata {n}", f"c{n}.se"
        patches = [
            (f"/api/v1/opportunities/{opp['id']}/", {"amount": amount}),
            (f"/api/v1/opportunities/{opp['id']}/", {"next_step": step}),
            (f"/api/v1/subsidiaries/{sub}/", {"address": address}),
            (f"/api/v1/subsidiaries/{sub}/", {"website": site}),
        ]
        concurrently(*[(lambda p=p, b=b: http.call("PATCH", p, b)) for p, b in patches])
        _, o = http.call("GET", f"/api/v1/opportunities/{opp['id']}/")
        _, s = http.call("GET", f"/api/v1/subsidiaries/{sub}/")
        lost += (o.get("amount"), o.get("next_step")) != (amount, step)
        lost += (s.get("address"), s.get("website")) != (address, site)
    report["writers"] = {"rounds": 2 * rounds, "writes_lost": lost}


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "chaos" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")  # fmt: skip
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _wait_job(http: Http, job_id: int, settled, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        _, job = http.call("GET", f"/api/v1/imports/{job_id}/")
        if isinstance(job, dict) and settled(job.get("status")):
            return job
        time.sleep(0.5)
    return job


def phase_imports(http: Http, report: dict, rows: int = 300) -> None:
    http.phase = "imports"
    csv = "name,website\n" + "".join(f"Chaosimport {n:04d} AB,\n" for n in range(rows))
    body, ctype = _multipart({"kind": "subsidiaries", "country": "SE"}, "c.csv", csv.encode())
    status, job = http.call("POST", "/api/v1/imports/", raw=body, ctype=ctype)
    if status >= 300:
        report["imports"] = {"error": f"upload {status}: {job}"}
        return
    _wait_job(http, job["id"], lambda s: s not in ("pending", "validating", "queued", "parsing"))
    applies = concurrently(
        *[lambda: http.call("POST", f"/api/v1/imports/{job['id']}/apply/") for _ in range(3)]
    )
    _wait_job(http, job["id"], lambda s: s in ("done", "failed", "invalid"))
    time.sleep(2)
    _, found = http.call("GET", "/api/v1/subsidiaries/?search=chaosimport&page_size=1")
    count = found.get("count", 0) if isinstance(found, dict) else 0
    report["imports"] = {
        "rows": rows,
        "apply_statuses": sorted(status for status, _ in applies),
        "rows_written": count,
        "rows_duplicated": max(0, count - rows),
        "rows_lost": max(0, rows - count),
    }


def _traffic(http: Http, n: int) -> None:
    calls = [
        lambda: http.call("GET", "/api/v1/subsidiaries/?page_size=5"),
        lambda: http.call("POST", "/api/v1/auth/token/",
                          {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, auth=False),
        lambda: http.call("GET", "/login/", auth=False),
        lambda: http.call("GET", "/api/v1/opportunities/?page_size=5"),
    ]  # fmt: skip
    for i in range(n):
        calls[i % len(calls)]()


def phase_redis(stack: Stack, http: Http, report: dict) -> None:
    http.phase = "redis_down"
    stack.stop_redis()
    _traffic(http, 60)
    # In Germany: EUR, the tenant's currency (no exchange rate needed).
    _, subs = http.call("GET", "/api/v1/subsidiaries/?country=DE&page_size=1")
    sub = subs["results"][0]["id"] if isinstance(subs, dict) and subs.get("results") else 1
    status, _ = http.call("PATCH", f"/api/v1/subsidiaries/{sub}/", {"address": "redis down"})
    # An import uploaded while the broker is down: its task is kept, not lost.
    csv = "name\n" + "".join(f"Redisdown {n} AB\n" for n in range(10))
    body, ctype = _multipart({"kind": "subsidiaries", "country": "SE"}, "r.csv", csv.encode())
    upload, job = http.call("POST", "/api/v1/imports/", raw=body, ctype=ctype)
    kept = _db_scalar("SELECT count(*) FROM gam_unsenttask")
    stack.start_redis()
    http.phase = "redis_back"
    time.sleep(2)
    _traffic(http, 12)
    # What beat does every minute: queue the kept tasks.
    subprocess.run(
        [str(Path(sys.executable).parent / "celery"), "-A", "gam", "call",
         "gam.tasks.send_unsent_tasks"],
        cwd=ROOT, env=stack.env, capture_output=True, timeout=60,
    )  # fmt: skip
    ran = None
    if isinstance(job, dict) and "id" in job:
        done = _wait_job(http, job["id"], lambda s: s not in ("queued", "validating"), 90)
        ran = done.get("status") if isinstance(done, dict) else None
    report["redis"] = {
        "write_while_down": status,
        "import_upload_while_down": upload,
        "tasks_kept_while_down": kept,
        "tasks_kept_after": _db_scalar("SELECT count(*) FROM gam_unsenttask"),
        "import_status_after_redis_back": ran,
    }


def _db_scalar(query: str):
    return sql(query, database=DB, fetch=True)[0][0]


def phase_worker(stack: Stack, report: dict) -> None:
    """Kill the worker's main process while a full scan runs; the task must come back to the
    next worker (visibility timeout) and its run finish."""
    tenant = _db_scalar("SELECT id FROM gam_tenant WHERE slug = 'chaos'")
    table, runs = "opportunities_conflict", "opportunities_scanrun"
    before = _db_scalar(f"SELECT coalesce(max(id), 0) FROM {runs}")
    # What earlier scans found (after the import): this scan is to find it all again.
    sql(f"TRUNCATE {table} CASCADE", database=DB)
    subprocess.run(
        [str(Path(sys.executable).parent / "celery"), "-A", "gam", "call",
         "opportunities.tasks.scan_tenant_conflicts", f"--args=[{tenant}]"],
        cwd=ROOT, env=stack.env, capture_output=True, timeout=60,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    run = None
    while time.monotonic() < deadline and run is None:
        rows = sql(f"SELECT id FROM {runs} WHERE id > %s AND status = 'running'", [before],
                   database=DB, fetch=True)  # fmt: skip
        run = rows[0][0] if rows else None
        time.sleep(0.02)
    time.sleep(0.3)  # into the scan
    os.kill(stack.worker.pid, signal.SIGKILL)  # the main process only
    stack.worker.wait()
    killed_at = time.monotonic()
    written = _db_scalar(f"SELECT count(*) FROM {table}")
    status = _db_scalar(f"SELECT status FROM {runs} WHERE id = {run}") if run else None
    log(f"worker SIGKILLed, scan run {run} {status}, {written} of {PAIRS} conflicts written")
    stack.start_worker()
    finished = None
    while run and time.monotonic() - killed_at < 240:
        if _db_scalar(f"SELECT status FROM {runs} WHERE id = {run}") == "finished":
            finished = round(time.monotonic() - killed_at, 1)
            break
        time.sleep(1)
    report["worker"] = {
        "run_status_when_killed": status,
        "conflicts_when_killed": written,
        "killed_run_finished_after_s": finished,
        "conflicts": _db_scalar(f"SELECT count(*) FROM {table}"),
        "conflicts_expected": PAIRS,
        "runs_left_running": _db_scalar(f"SELECT count(*) FROM {runs} WHERE status='running'"),
    }


def phase_database(http: Http, report: dict) -> None:
    http.phase = "database_refused"
    sql(f'ALTER ROLE "{WEB}" NOLOGIN')
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [WEB])
    _traffic(http, 24)
    http.call("GET", "/customers/", auth=False)
    sql(f'ALTER ROLE "{WEB}" LOGIN')
    http.phase = "database_back"
    time.sleep(1)
    _traffic(http, 12)
    report["database"] = {"refused_then_back": True}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    stack = Stack()
    report: dict = {}
    try:
        log("database and roles")
        stack.create_database()
        stack.start_redis()
        result = stack.manage("migrate", "--database", "migrate", "--noinput")
        report["migrate_production_way"] = result.returncode == 0
        if result.returncode != 0:
            log("migrate as the README says failed; migrating as the owner for the rest")
            log(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "")
            owner_url = stack.env["MIGRATE_DATABASE_URL"]
            stack.create_database()
            result = stack.manage("migrate", "--noinput", env={"DATABASE_URL": owner_url})
            if result.returncode != 0:
                raise RuntimeError(result.stderr[-2000:])
        result = stack.manage(
            "create_tenant", "--name", "Chaos", "--slug", "chaos",
            "--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
        result = stack.manage("collectstatic", "--noinput", "-v0")
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
        result = stack.manage("shell", "-c", SEED)
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
        stack.start_web()
        stack.start_worker()
        http = Http(stack.web_port)
        _, token = http.call(
            "POST",
            "/api/v1/auth/token/",
            {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            auth=False,
        )
        http.token = token["token"]  # fmt: skip
        for name, run in (
            ("writers", lambda: phase_writers(http, report)),
            ("imports", lambda: phase_imports(http, report)),
            ("redis", lambda: phase_redis(stack, http, report)),
            ("worker", lambda: phase_worker(stack, report)),
            ("database", lambda: phase_database(http, report)),
        ):
            log(f"phase {name}")
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - a phase that breaks is a finding too
                report[name] = {"error": f"{type(exc).__name__}: {exc}"}
        report["requests"] = {
            phase: {
                "served": sum(c.values()),
                "5xx": sum(n for s, n in c.items() if s >= 500 and s != 503),
                "503": c.get(503, 0),
                "no_answer": c.get(0, 0),
            }
            for phase, c in http.counts.items()
        }
        report["5xx_by_request"] = dict(http.errors)
        totals = Counter()
        for c in http.counts.values():
            totals.update(c)
        report["total"] = {
            "served": sum(totals.values()),
            "5xx_not_503": sum(n for s, n in totals.items() if s >= 500 and s != 503),
            "503": totals.get(503, 0),
        }
    finally:
        for name in ("web.log", "worker.log"):
            path = Path(stack.dir) / name
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()
                errors = [line for line in lines if "Error" in line or "error" in line]
                report.setdefault("log_errors", {})[name] = errors[-8:]
        stack.stop()
        try:
            stack.drop_database()
        except psycopg2.Error as exc:
            log(f"cleanup: {exc}")
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


# Rows for the scan: PAIRS duplicate customers, each once in SE and once in DE.
SEED = f"""
from accounts.models import Subsidiary
from gam.models import Country, Tenant
from gam.tenancy import tenant_context
tenant = Tenant.objects.get(slug="chaos")
with tenant_context(tenant):
    get = Country.objects.get_or_create
    se = get(tenant=tenant, code="SE", defaults={{"name": "Sweden", "currency": "SEK"}})[0]
    de = get(tenant=tenant, code="DE", defaults={{"name": "Germany", "currency": "EUR"}})[0]
    rows = []
    for n in range({PAIRS}):
        for country, form in ((se, "AB"), (de, "GmbH")):
            name = f"Kunde {{n:05d}} Teknik {{form}}"
            row = Subsidiary(tenant=tenant, name=name, country=country)
            row.set_matching_keys()
            rows.append(row)
    Subsidiary.objects.bulk_create(rows, batch_size=2000)
"""

if __name__ == "__main__":
    sys.exit(main())
