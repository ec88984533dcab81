"""PostgreSQL row-level security: the second wall behind the ORM's tenant scoping.

Every table of a tenant-owned model (``TenantOwnedModel`` subclasses and their
simple-history tables, which carry ``tenant_id``) gets RLS enabled and forced, and one policy:
a row is visible and writable only when its ``tenant_id`` equals the session setting
``gam.tenant_id``. Tables without a ``tenant_id`` that hang off such a table (many-to-many
link tables, guardian's direct object-permission tables, simple-history's m2m tables) get a
policy through their parent row, which is itself filtered.

The users table holds every tenant's people, and login must read it before any tenant is
known. Its policy shows the app's role the users of the tenant in context, and the users of
every tenant only inside ``gam.context.identity_lookup`` (the ``gam.identity`` setting),
which only login, the session's user and the email uniqueness check enter. API tokens
follow their user; django-axes' login attempts are visible inside that lookup only.
All are enabled but not forced: the owner (migrations, an operator's
``createsuperuser --database migrate``) reads them whole. The tenants table stays open (it
holds names, no secrets); the sessions table has no tenant and holds digests only
(``gam.sessions``).

The setting follows the tenant in context (``gam.tenancy``) automatically: the database
backend ``gam.db.postgresql`` sets it, lazily, right before the first query that runs under a
different tenant than the connection has (see ``sync_tenant_setting``). So a request costs one
extra query, and a query that forgets its tenant filter still sees only the current tenant's
rows, or none when no tenant is in context.

Policies only bind roles that are neither superusers nor ``BYPASSRLS`` (FORCE makes them bind
the tables' owner too): the app connects as such a role (``DATABASE_APP_ROLE``, created by
migration ``gam.0003_app_role``), migrations run as the owner. ``apply_rls`` runs after every
``migrate`` (post_migrate, PostgreSQL only), is idempotent and covers new tables by itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections, models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from gam.tenancy import TenantOwnedModel

logger = logging.getLogger(__name__)

SETTING = "gam.tenant_id"
POLICY = "gam_tenant_isolation"
# current_setting(..., true) is NULL when never set and '' after a transaction-local value
# expired: both mean "no tenant" and match no row.
CURRENT_TENANT_SQL = f"NULLIF(current_setting('{SETTING}', true), '')::bigint"
IDENTITY_SQL = "current_setting('gam.identity', true) = 'on'"


def app_role() -> str:
    return getattr(settings, "DATABASE_APP_ROLE", "gam_app")


@dataclass(frozen=True)
class RlsTable:
    table: str
    condition: str  # SQL boolean expression: the row belongs to the current tenant
    force: bool = True  # bind the tables' owner too

    @property
    def version(self) -> str:
        """Stored as the policy's comment, so a changed condition replaces the policy."""
        return "gam-rls " + hashlib.sha1(self.condition.encode()).hexdigest()[:12]


def _qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_tenant_owned(model) -> bool:
    if issubclass(model, TenantOwnedModel):
        return True
    # simple-history's HistoricalX copies X's fields, tenant included.
    instance_type = getattr(model, "instance_type", None)
    return (
        isinstance(instance_type, type)
        and issubclass(instance_type, TenantOwnedModel)
        and any(f.attname == "tenant_id" for f in model._meta.concrete_fields)
    )


def _is_dependent(model) -> bool:
    """Tables without tenant_id whose every row belongs to one tenant-owned parent row."""
    return bool(
        model._meta.auto_created  # many-to-many link tables
        or issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)
        or hasattr(model, "m2m_history_id")  # simple-history's m2m history tables
    )


def rls_tables() -> list[RlsTable]:
    """The tables to protect, from the installed models (so new models are covered)."""
    concrete = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    owned = {m for m in concrete if _is_tenant_owned(m)}
    tables = {
        m._meta.db_table: RlsTable(m._meta.db_table, f"tenant_id = {CURRENT_TENANT_SQL}")
        for m in owned
    }
    for model in concrete:
        if model in owned or model._meta.db_table in tables or not _is_dependent(model):
            continue
        parents = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and not f.null and f.related_model in owned
        ]
        if not parents:
            continue
        # The link table's own side first (FrameworkAgreement for FrameworkAgreement_countries).
        parents.sort(key=lambda f: f.related_model is not model._meta.auto_created)
        fk = parents[0]
        parent = fk.related_model._meta
        table = model._meta.db_table
        condition = (
            f"EXISTS (SELECT 1 FROM {_qn(parent.db_table)} p "
            f"WHERE p.{_qn(parent.pk.column)} = {_qn(table)}.{_qn(fk.column)})"
        )
        tables[table] = RlsTable(table, condition)
    tables.update((t.table, t) for t in _identity_tables())
    return sorted(tables.values(), key=lambda t: t.table)


def _identity_tables() -> list[RlsTable]:
    from gam.models import ApiToken, User  # noqa: PLC0415 (rls loads before the models)

    users = User._meta.db_table
    tokens = ApiToken._meta.db_table
    token_user = ApiToken._meta.get_field("user").column
    # django-axes' login attempts (emails, addresses) have no tenant: only login sees them.
    axes = [m._meta.db_table for m in apps.get_app_config("axes").get_models()]
    return [RlsTable(table, IDENTITY_SQL, force=False) for table in axes] + [
        RlsTable(users, f"tenant_id = {CURRENT_TENANT_SQL} OR {IDENTITY_SQL}", force=False),
        RlsTable(
            tokens,
            f"EXISTS (SELECT 1 FROM {_qn(users)} u WHERE u.id = {_qn(tokens)}.{_qn(token_user)})",
            force=False,
        ),
    ]


def apply_rls(connection, *, verbosity: int = 1) -> list[str]:
    """Enable + force RLS with the tenant policy on every table of ``rls_tables()``, and grant
    the app role what it needs. Idempotent; returns the tables whose policy was (re)created."""
    if connection.vendor != "postgresql":
        return []
    wanted = rls_tables()
    role = app_role()
    changed = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, d.description
            FROM pg_class c
            LEFT JOIN pg_policy pol ON pol.polrelid = c.oid AND pol.polname = %s
            LEFT JOIN pg_description d
                ON d.objoid = pol.oid AND d.classoid = 'pg_policy'::regclass
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
            """,
            [POLICY],
        )
        state = {row[0]: row[1:] for row in cursor.fetchall()}
        for item in wanted:
            if item.table not in state:
                continue  # not migrated yet (e.g. migrate of a single app)
            enabled, forced, version = state[item.table]
            table = _qn(item.table)
            if not enabled:
                cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            if forced != item.force:
                force = "FORCE" if item.force else "NO FORCE"
                cursor.execute(f"ALTER TABLE {table} {force} ROW LEVEL SECURITY")
            if version != item.version:
                cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
                cursor.execute(
                    f"CREATE POLICY {POLICY} ON {table} "
                    f"USING ({item.condition}) WITH CHECK ({item.condition})"
                )
                cursor.execute(f"COMMENT ON POLICY {POLICY} ON {table} IS %s", [item.version])
                changed.append(item.table)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            _grant_app_role(cursor, role)
        else:
            logger.warning("RLS: role %s does not exist; run migrate as the owner", role)
    if changed and verbosity >= 1:
        logger.info("RLS policies created on %d tables", len(changed))
    return changed


def _grant_app_role(cursor, role: str) -> None:
    """Data rights on every table and sequence of the schema, nothing on the schema itself
    (no DDL), and no writes to the migration history."""
    r = _qn(role)
    schema = _qn(_schema(cursor))
    cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {r}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {r}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {r}")
    cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {r}")


def _schema(cursor) -> str:
    cursor.execute("SELECT current_schema()")
    return cursor.fetchone()[0]


def post_migrate_apply_rls(sender, using="default", verbosity=1, **kwargs) -> None:
    apply_rls(connections[using], verbosity=verbosity)


@contextmanager
def every_tenant(connection) -> Iterator[None]:
    """For a data migration that reads or writes the rows of every tenant, on the migration's
    connection (``schema_editor.connection``: the owner's, ``migrate --database migrate``).

    FORCE makes the policies bind the tables' owner too, and a migration runs with no tenant:
    it would see no row and silently change nothing. So unless the role bypasses RLS anyway
    (superuser, BYPASSRLS), FORCE is lifted for the owner while the migration runs and put
    back after. Only the owner is concerned: the app's role stays bound all along. A role
    that does not own the tables (the app's, by mistake) fails here, loudly."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            bypasses = True
        else:
            bypasses = False
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relforcerowsecurity "
                "AND relnamespace = current_schema()::regnamespace"
            )
            forced = [row[0] for row in cursor.fetchall()]
            for table in forced:
                cursor.execute(f"ALTER TABLE {_qn(table)} NO FORCE ROW LEVEL SECURITY")
    if bypasses:
        yield
        return
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                for table in forced:
                    cursor.execute(f"ALTER TABLE {_qn(table)} FORCE ROW LEVEL SECURITY")
        except DatabaseError:
            # An aborted transaction rolls the lift back with it; otherwise the next
            # migrate's apply_rls forces RLS again.
            logger.warning("RLS: FORCE not restored on %d tables; run migrate", len(forced))
