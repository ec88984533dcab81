"""``migrate`` the production way (README, "Security model"; docker-compose's ``migrate``):
the app's login role in DATABASE_URL, the tables' owner in MIGRATE_DATABASE_URL and
``manage.py migrate --database migrate``. The owner here is a plain role (neither superuser
nor BYPASSRLS), the strictest the README allows, so row-level security binds it on tables
that already have it.

1. A fresh database migrates to the end (data migrations must use the migration's
   connection: the app role has no rights before the first migrate grants them).
2. An existing database with rows of two tenants, under row-level security, migrated from
   before the data migrations: they reach every tenant's rows (recomputed matching keys,
   search words), not none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


class Cluster:
    """Roles and a database of this test's own, made and dropped as the superuser."""

    def __init__(self) -> None:
        db = connection.settings_dict
        self.host, self.port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        self.superuser = db.get("USER") or "postgres"
        self.password = db.get("PASSWORD") or ""
        base = db["NAME"].removeprefix("test_")
        self.database = f"{base}_prodmig"
        self.owner, self.app, self.web = f"{base}_owner", f"{base}_app", f"{base}_web"

    def sql(self, statement: str, params=None, *, database: str = "postgres", fetch=False):
        conn = psycopg2.connect(
            host=self.host, port=self.port, user=self.superuser, password=self.password,
            dbname=database,
        )  # fmt: skip
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if fetch else None
        finally:
            conn.close()

    def url(self, role: str) -> str:
        return f"postgres://{role}:pw@{self.host}:{self.port}/{self.database}"

    def create(self) -> None:
        self.drop()
        self.sql(f'CREATE ROLE "{self.owner}" LOGIN PASSWORD %s NOSUPERUSER NOBYPASSRLS', ["pw"])
        self.sql(f'CREATE ROLE "{self.app}" NOLOGIN NOSUPERUSER NOBYPASSRLS')
        self.sql(
            f'CREATE ROLE "{self.web}" LOGIN PASSWORD %s NOSUPERUSER NOBYPASSRLS '
            f'IN ROLE "{self.app}"',
            ["pw"],
        )
        self.sql(f'CREATE DATABASE "{self.database}" OWNER "{self.owner}"')
        # The owner owns the public schema as well, as the postgres image's POSTGRES_USER does.
        self.sql(f'ALTER SCHEMA public OWNER TO "{self.owner}"', database=self.database)

    def drop(self) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        for role in (self.web, self.app, self.owner):
            self.sql(f'DROP ROLE IF EXISTS "{role}"')

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "gam.settings.production",
            "SECRET_KEY": "test-" + "x" * 60,
            "ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": self.url(self.web),
            "MIGRATE_DATABASE_URL": self.url(self.owner),
            "DATABASE_APP_ROLE": self.app,
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
        }
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def insert(self, table: str, **values) -> int:
        """A row with ``values`` and a plain value for every other required column."""
        columns = self.sql(
            """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
            """,
            [table],
            database=self.database,
            fetch=True,
        )
        plain = {
            "boolean": False,
            "integer": 0,
            "smallint": 0,
            "bigint": 0,
            "numeric": 0,
            "date": "2026-01-01",
            "jsonb": "{}",
        }
        row = {}
        for name, kind in columns:
            if name == "id":
                continue
            row[name] = plain.get(kind, "2026-01-01T00:00:00Z" if "time" in kind else "")
        row.update(values)
        names = ", ".join(f'"{n}"' for n in row)
        marks = ", ".join(["%s"] * len(row))
        return self.sql(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING id',
            list(row.values()),
            database=self.database,
            fetch=True,
        )[0][0]


@pytest.fixture
def cluster():
    c = Cluster()
    c.create()
    yield c
    c.drop()


def _ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_fresh_and_existing_database_migrate_the_production_way(cluster):
    c = cluster
    # An existing database: migrated up to just before the data migrations, with rows.
    _ok(c.manage("migrate", "--database", "migrate", "--noinput", "accounts", "0006"))
    forced = c.sql(
        "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'accounts_subsidiary'",
        database=c.database,
        fetch=True,
    )
    assert forced == [(True,)]  # row-level security binds the owner from here on
    subsidiaries = []
    for slug in ("acme", "globex"):
        tenant = c.insert("gam_tenant", name=slug.title(), slug=slug, currency="EUR")
        country = c.insert("gam_country", tenant_id=tenant, code="SE", name="Sweden")
        subsidiaries.append(
            c.insert(
                "accounts_subsidiary",
                tenant_id=tenant,
                country_id=country,
                name=f"{slug.title()} Verkstad Aktiebolag",
                name_key="",
                name_block="",
                registration_key="",
                domain_key="",
                version=1,
            )
        )
    _ok(c.manage("migrate", "--database", "migrate", "--noinput"))
    keys = c.sql(
        "SELECT id, name_key FROM accounts_subsidiary ORDER BY id", database=c.database, fetch=True
    )
    assert [pk for pk, _ in keys] == subsidiaries
    assert all(key for _, key in keys), keys  # recomputed for both tenants
    words = c.sql(
        "SELECT DISTINCT record_id FROM gam_searchword WHERE kind = 2 ORDER BY record_id",
        database=c.database,
        fetch=True,
    )
    assert [pk for (pk,) in words] == subsidiaries
    # Row-level security is back on, for the owner too, after the migrations.
    forced = c.sql(
        "SELECT count(*) FROM pg_class WHERE relname IN ('accounts_subsidiary', "
        "'opportunities_opportunity', 'gam_searchword') AND relforcerowsecurity",
        database=c.database,
        fetch=True,
    )
    assert forced == [(3,)]

    # A fresh database, migrated in one go.
    c.sql(f'DROP DATABASE "{c.database}" WITH (FORCE)')
    c.sql(f'CREATE DATABASE "{c.database}" OWNER "{c.owner}"')
    c.sql(f'ALTER SCHEMA public OWNER TO "{c.owner}"', database=c.database)
    _ok(c.manage("migrate", "--database", "migrate", "--noinput"))
    # and the app's role can work in it (grants after migrate; it is bound by RLS)
    _ok(c.manage("check", "--database", "default", "--deploy", "--fail-level", "ERROR"))
    created = c.manage(
        "create_tenant", "--name", "Acme", "--slug", "acme",
        "--admin-email", "admin@acme.test", "--admin-password", "a-Long-pass-9",
    )  # fmt: skip
    _ok(created)
