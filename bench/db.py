"""The benchmark's own PostgreSQL database: created, migrated, filled once and reused.

What was generated is recorded in a ``bench_meta`` table (outside Django's models: it only
exists in the benchmark database); a run with the same sizes reuses the data.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gam_bench"


def _connect(url: str, dbname: str | None = None):
    parts = urlparse(url)
    return psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=dbname or parts.path.lstrip("/"),
    )


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def stored_meta(url: str) -> dict | None:
    """What the database holds (None when it does not exist or was never filled)."""
    try:
        conn = _connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT value FROM bench_meta WHERE key = 'generated'")
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def recreate(url: str) -> None:
    """Drop (if there) and create the benchmark database."""
    name = database_name(url)
    if not name.startswith("gam_bench"):
        raise SystemExit(
            f"refusing to drop {name!r}: the bench database name starts with gam_bench"
        )
    conn = _connect(url, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def ensure_exists(url: str) -> None:
    try:
        _connect(url).close()
    except psycopg2.OperationalError:
        recreate(url)


def save_meta(url: str, value: dict) -> None:
    conn = _connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
            cur.execute(
                "INSERT INTO bench_meta VALUES ('generated', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(value)],
            )
    finally:
        conn.close()


def vacuum_analyze(url: str) -> float:
    """Set the visibility map and statistics, as autovacuum would on a live database, so
    that plans and index-only counts are those of production."""
    started = time.monotonic()
    conn = _connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()
    return time.monotonic() - started


def apply_sql(url: str, script: Path | str) -> float:
    """Run a SQL file (a Path) or text; returns the seconds it took."""
    started = time.monotonic()
    text = script.read_text() if isinstance(script, Path) else script
    conn = _connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(text)
    finally:
        conn.close()
    return time.monotonic() - started


APP_LOGIN_ROLE = "gam_bench_web"
APP_LOGIN_PASSWORD = "gam-bench-web"


def app_database_url(url: str, group_role: str) -> str | None:
    """The URL the app connects with in production: a login role that is a member of the
    row-level-security group role (gam/rls.py), neither owner nor superuser. None when the
    group role does not exist (a schema from before row-level security)."""
    conn = _connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [group_role])
            if cur.fetchone() is None:
                return None
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_LOGIN_ROLE])
            if cur.fetchone() is None:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(
                        sql.Identifier(APP_LOGIN_ROLE)
                    ),
                    [APP_LOGIN_PASSWORD],
                )
            cur.execute(
                sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(group_role), sql.Identifier(APP_LOGIN_ROLE)
                )
            )
    finally:
        conn.close()
    parts = urlparse(url)
    netloc = f"{APP_LOGIN_ROLE}:{APP_LOGIN_PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    return parts._replace(netloc=netloc).geturl()
