"""What the benchmark measures, and the in-process pass.

A *case* is one request of one user: a list endpoint (with a hand-written SQL baseline), a
dashboard endpoint or a page. The in-process pass runs each case through Django's full
stack with the test client (middleware, authentication, sharing model, serialization):
SQL query count, ORM time, baseline time, ratio. The HTTP pass (bench/http.py) runs the
same cases against gunicorn.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench import handwritten
from gam import tokens
from gam.models import User
from gam.tenancy import tenant_context

LIST_P95_MS = 100.0
DASHBOARD_P95_MS = 250.0
RATIO_TARGET = 2.5


@dataclass
class Persona:
    role: str
    user: User
    token: str
    session: str

    def describe(self) -> dict:
        return {
            "id": self.user.pk,
            "email": self.user.email,
            "tenant_admin": self.user.is_tenant_admin,
        }


def _session_for(user: User) -> str:
    """A logged-in session as django.contrib.auth.login makes it (no password round trip,
    so login throttling never sees the benchmark)."""
    engine = importlib.import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    backends = settings.AUTHENTICATION_BACKENDS
    model_backend = "gam.authentication.TenantModelBackend"
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = model_backend if model_backend in backends else backends[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def personas(ids: dict) -> dict[str, Persona]:
    """The tenant admin, the GAM of the large account, and a local rep (local account
    manager of the large account in its headquarters market, owner of local customers)."""
    made = {}
    for role, key in (("admin", "admin_id"), ("gam", "gam_id"), ("rep", "rep_id")):
        user = User.objects.select_related("tenant", "country").get(pk=ids[key])
        token = tokens.issue(user, name="bench", expires_at=None)[1]
        made[role] = Persona(role, user, token, _session_for(user))
    return made


@dataclass
class Case:
    name: str
    role: str
    path: str
    kind: str  # "list", "dashboard", "page"
    persona: Persona
    baseline: str | None = None  # handwritten.QUERIES key
    filters: dict = field(default_factory=dict)
    target_ms: float | None = None
    available: bool = True
    note: str = ""

    @property
    def auth(self) -> str:
        return "session" if self.kind == "page" else "token"

    def headers(self) -> dict[str, str]:
        if self.auth == "token":
            return {"Authorization": f"Token {self.persona.token}"}
        return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.persona.session}"}


def _exists(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def cases(people: dict[str, Persona], ids: dict) -> list[Case]:
    account = ids["account_id"]
    rep = people["rep"].user
    country = rep.country.code if rep.country else "SE"
    made: list[Case] = []

    def api_list(resource: str, role: str, filters: dict | None = None, label: str = ""):
        filters = filters or {}
        query = f"?{urlencode(filters)}" if filters else ""
        path = f"/api/v1/{resource}/{query}"
        name = f"GET /api/v1/{resource}/{query}"
        made.append(
            Case(
                name=name + (f" {label}" if label else ""),
                role=role,
                path=path,
                kind="list",
                persona=people[role],
                baseline=resource,
                filters=filters,
                target_ms=LIST_P95_MS,
            )
        )

    for role in ("admin", "gam", "rep"):
        api_list("opportunities", role)
    api_list("opportunities", "admin", {"country": country})
    api_list("opportunities", "admin", {"owner": rep.pk})
    api_list("opportunities", "admin", {"search": "nordvik"})
    api_list("opportunities", "gam", {"global_account": account, "status": "open"})
    api_list("opportunities", "rep", {"country": country})
    for resource in ("subsidiaries", "global-accounts"):
        api_list(resource, "admin")
        api_list(resource, "rep")
        api_list(resource, "admin", {"search": "nord"})
    api_list("subsidiaries", "admin", {"country": country})
    for role in ("admin", "gam", "rep"):
        api_list("activities", role)
    api_list("activities", "admin", {"global_account": account})
    for role in ("admin", "rep"):
        api_list("campaigns", role)

    def endpoint(path: str, role: str, kind: str, target: float | None):
        made.append(
            Case(
                name=f"GET {path}",
                role=role,
                path=path,
                kind=kind,
                persona=people[role],
                target_ms=target,
            )
        )

    for role in ("admin", "gam", "rep"):
        endpoint(f"/api/v1/global-accounts/{account}/dashboard/", role, "dashboard", 250.0)
    for role in ("gam", "rep"):
        endpoint("/api/v1/reporting/my-accounts/", role, "dashboard", DASHBOARD_P95_MS)
    for role in ("admin", "gam"):
        endpoint("/api/v1/reporting/tenant-dashboard/", role, "dashboard", DASHBOARD_P95_MS)
    # Pages with a session cookie (no stated target; dashboards are held to 250 ms).
    for role in ("admin", "rep"):
        endpoint("/pipeline/", role, "page", None)
    endpoint("/pipeline/?scope=all", "admin", "page", None)
    endpoint("/pipeline/table/?scope=all", "admin", "page", None)
    endpoint("/dashboards/", "admin", "page", DASHBOARD_P95_MS)
    endpoint("/dashboards/my-accounts/", "gam", "page", DASHBOARD_P95_MS)
    endpoint(f"/dashboards/accounts/{account}/", "gam", "page", DASHBOARD_P95_MS)
    endpoint(f"/global-accounts/{account}/timeline/", "gam", "page", None)
    endpoint("/campaigns/", "rep", "page", None)
    for case in made:
        if not _exists(case.path):
            case.available = False
            case.note = "endpoint not there yet (skipped)"
    return made


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _client(case: Case) -> Client:
    client = Client(raise_request_exception=False)
    if case.auth == "session":
        client.cookies[settings.SESSION_COOKIE_NAME] = case.persona.session
    return client


def _request(client: Client, case: Case):
    extra = {}
    if case.auth == "token":
        extra["HTTP_AUTHORIZATION"] = f"Token {case.persona.token}"
    return client.get(case.path, **extra)


def _timed(fn, repeat: int, budget_s: float = 4.0, at_least: int = 3) -> list[float]:
    """Up to ``repeat`` samples, but stop after ``budget_s`` seconds (slow cases get
    ``at_least`` samples)."""
    samples: list[float] = []
    deadline = time.monotonic() + budget_s
    while len(samples) < repeat and (len(samples) < at_least or time.monotonic() < deadline):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def in_process(all_cases: list[Case], *, repeat: int) -> list[dict]:
    rows = []
    for case in all_cases:
        row = {"case": case.name, "role": case.role, "kind": case.kind}
        if not case.available:
            rows.append({**row, "skipped": case.note})
            continue
        client = _client(case)
        response = _request(client, case)  # warm up (and check it works)
        row["status"] = response.status_code
        if response.status_code != 200:
            row["error"] = f"HTTP {response.status_code}"
            rows.append(row)
            continue
        with CaptureQueriesContext(connection) as captured:
            response = _request(client, case)
        row["queries"] = len(captured.captured_queries)
        sql_ms = [float(q["time"]) * 1000 for q in captured.captured_queries]
        row["sql_ms"] = round(sum(sql_ms), 1)
        slowest = max(
            captured.captured_queries, key=lambda q: float(q["time"]), default={"sql": ""}
        )
        row["slowest_query_ms"] = round(max(sql_ms, default=0), 1)
        # DRF's PageNumberPagination counts the whole filtered set for "count".
        row["count_query_ms"] = round(
            sum(
                float(q["time"]) * 1000
                for q in captured.captured_queries
                if q["sql"].lstrip().upper().startswith("SELECT COUNT(")
            ),
            1,
        )
        row["slowest_query"] = slowest["sql"]
        if case.kind == "list":
            body = response.json()
            row["count"] = body.get("count")
            row["page_rows"] = len(body.get("results", []))
        samples = _timed(lambda c=client, k=case: _request(c, k), repeat)
        row["orm_median_ms"] = round(statistics.median(samples), 1)
        row["orm_p95_ms"] = round(_percentile(samples, 95), 1)
        if case.baseline:
            user = case.persona.user
            text, n = handwritten.fetch_page(case.baseline, user, case.filters)
            row["baseline_rows"] = n
            row["baseline_count"] = json.loads(text)["count"]
            if row["baseline_count"] != row.get("count") or n != row.get("page_rows"):
                row["note"] = (
                    f"baseline differs: {row['baseline_count']} rows / {n} on the page, the "
                    f"API {row.get('count')} / {row.get('page_rows')}"
                )
            base = _timed(
                lambda u=user, k=case: handwritten.fetch_page(k.baseline, u, k.filters), repeat
            )
            row["sql_median_ms"] = round(statistics.median(base), 2)
            row["ratio"] = round(row["orm_median_ms"] / max(row["sql_median_ms"], 0.01), 2)
        rows.append(row)
        print(
            f"  {case.role:5} {case.name[:70]:70} {row.get('queries', '-'):>3} q "
            f"{row['orm_median_ms']:7.1f} ms"
            + (f"  sql {row['sql_median_ms']:6.1f} ms  x{row['ratio']}" if case.baseline else ""),
            flush=True,
        )
    return rows


def explain_slowest(all_cases: list[Case], rows: list[dict], limit: int = 6) -> list[dict]:
    """EXPLAIN ANALYZE of the slowest query of the slowest cases: the evidence for an index
    or a rewrite."""
    ranked = sorted(
        (r for r in rows if r.get("slowest_query")),
        key=lambda r: r["slowest_query_ms"],
        reverse=True,
    )[:limit]
    plans = []
    by_name = {(c.name, c.role): c for c in all_cases}
    for row in ranked:
        sql = row["slowest_query"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        tenant_id = by_name[(row["case"], row["role"])].persona.user.tenant_id
        # In the user's tenant, as the request ran (row-level security follows the context).
        with tenant_context(tenant_id), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [line for (line,) in cursor.fetchall()]
        plans.append(
            {
                "case": row["case"],
                "role": row["role"],
                "query_ms": row["slowest_query_ms"],
                "sql": sql,
                "plan": plan,
            }
        )
    return plans


def scan(*, skip: bool, scale: float) -> dict:
    """The duplicate-work scan benchmark of bench/scan.py (helper B1), when it exists."""
    if skip:
        return {"skipped": "--skip-scan"}
    if importlib.util.find_spec("bench.scan") is None:
        return {"skipped": "scan: not available (bench/scan.py does not exist yet)"}
    module = importlib.import_module("bench.scan")
    main = getattr(module, "main", None)
    if main is None:
        return {"skipped": "scan: bench/scan.py has no main()"}
    # Sizes that fit the time budget: 10k and 100k subsidiaries always, 1M at full scale.
    sizes = [10_000, 100_000] + ([1_000_000] if scale >= 1 else [])
    started = time.monotonic()
    params = inspect.signature(main).parameters
    if "sizes" in params:
        result = main(sizes=sizes)
    elif params:
        result = main(["--sizes", ",".join(map(str, sizes))])
    else:
        result = main()
    return {"seconds": round(time.monotonic() - started, 1), "sizes": sizes, "result": result}
