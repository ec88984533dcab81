"""System checks of the platform core.

``manage.py check --database default`` tells whether row-level security really binds the role
the app connects as (a superuser, a BYPASSRLS role or the tables' owner would see every row
of every tenant if a query forgot its filter)."""

from __future__ import annotations

from django.core import checks
from django.db import connections

from gam.rls import rls_tables


@checks.register(checks.Tags.database)
def check_app_role_is_bound_by_rls(app_configs=None, databases=None, **kwargs):
    messages = []
    for alias in databases or []:
        if alias != "default":
            continue  # the migrate alias is the owner on purpose
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
            bypasses = cursor.fetchone()[0]
            tables = [t.table for t in rls_tables() if t.force]
            cursor.execute(
                """
                SELECT count(*) FILTER (WHERE NOT c.relforcerowsecurity),
                       count(*) FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE'))
                FROM pg_class c
                WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
                """,
                [tables],
            )
            unprotected, owned = cursor.fetchone()
        if bypasses:
            messages.append(
                checks.Warning(
                    "The app connects as a superuser or BYPASSRLS role: row-level security "
                    "does not apply.",
                    hint="Connect as a member of DATABASE_APP_ROLE; migrate as the owner "
                    "(MIGRATE_DATABASE_URL).",
                    id="gam.W001",
                )
            )
        if unprotected:
            messages.append(
                checks.Warning(
                    f"{unprotected} tenant-owned tables have no forced row-level security.",
                    hint="Run `manage.py migrate` (it applies the policies).",
                    id="gam.W002",
                )
            )
        if owned and not bypasses:
            messages.append(
                checks.Info(
                    "The app's role owns (or is a member of the owner of) tenant tables; "
                    "FORCE ROW LEVEL SECURITY still applies, but it could ALTER the tables.",
                    id="gam.I001",
                )
            )
    return messages
