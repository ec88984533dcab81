"""Row-level security: the second wall behind the ORM's tenant scoping (gam/rls.py).

The suite connects as a superuser (which RLS never binds), so these tests switch to the app
role with ``SET ROLE`` inside the test: a NOSUPERUSER NOBYPASSRLS role that owns nothing and
has only data rights, like the role the app connects as in production.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import GlobalAccount, Subsidiary
from gam.celery import app as celery_app
from gam.models import Country
from gam.rls import POLICY, app_role, apply_rls, rls_tables
from gam.tenancy import TenantOwnedModel, tenant_context
from teams.models import GlobalAccountUserObjectPermission, TeamRole
from teams.services import team_member_add
from tests import factories as f


def _rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _names(table: str) -> set[str]:
    # The query a careless developer writes: no tenant filter at all.
    return {name for (name,) in _rows(f"SELECT name FROM {table}")}


@pytest.fixture
def as_app_role(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role()}"')
    yield
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    except DatabaseError:
        pass  # an aborted test transaction: its rollback resets the role anyway


def test_app_role_is_bound_by_policies(db):
    [(superuser, bypass, login)] = _rows(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
        [app_role()],
    )
    assert (superuser, bypass, login) == (False, False, False)
    owners = _rows("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()")
    assert (app_role(),) not in owners


def test_every_tenant_owned_table_has_forced_rls_and_the_policy(db):
    expected = {
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, TenantOwnedModel) and not m._meta.proxy
    }
    expected |= {
        "accounts_historicalsubsidiary",  # simple-history copies tenant_id
        "accounts_frameworkagreement_countries",  # m2m link table, through its agreement
        GlobalAccountUserObjectPermission._meta.db_table,  # guardian, through its account
    }
    assert expected <= {t.table for t in rls_tables()}
    protected = {
        table: (enabled, forced, policies)
        for table, enabled, forced, policies in _rows(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   array_agg(p.polname) FILTER (WHERE p.polname IS NOT NULL)
            FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
            GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
            """
        )
    }
    for table in expected:
        assert protected[table] == (True, True, [POLICY]), table
    # Login reads users before any tenant is known: users and their tokens are fenced in but
    # not forced (the owner reads them whole), the identity lookup opens them (gam.rls).
    for table in ("gam_user", "gam_apitoken"):
        assert protected[table] == (True, False, [POLICY]), table
    # No secrets and no tenant column: names of tenants, digests of sessions (gam.sessions).
    for table in ("gam_tenant", "authtoken_token", "django_session"):
        assert protected[table][0] is False, table


def test_apply_rls_is_idempotent(db):
    assert apply_rls(connection) == []


def test_raw_sql_without_tenant_filter_sees_only_the_current_tenant(world, as_app_role):
    with tenant_context(world.acme):
        assert _names("accounts_globalaccount") == {"Volvia Group"}
        assert "Initech AB" not in _names("accounts_subsidiary")
        assert _names("accounts_subsidiary") == {
            "Volvia Sverige AB",
            "Volvia Deutschland GmbH",
            "Småland Verkstad AB",
        }
        # Even the explicit cross-tenant manager cannot get past the database.
        assert set(GlobalAccount.unscoped.values_list("name", flat=True)) == {"Volvia Group"}
    with tenant_context(world.globex):
        assert _names("accounts_globalaccount") == {"Initech Holding"}
        assert _names("accounts_subsidiary") == {"Initech AB"}


def test_no_tenant_in_context_sees_nothing(world, as_app_role):
    for table in ("accounts_globalaccount", "accounts_subsidiary", "gam_country"):
        assert _rows(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert Subsidiary.unscoped.count() == 0


def test_writes_for_another_tenant_are_refused(world, as_app_role):
    with tenant_context(world.acme):
        with (
            pytest.raises(DatabaseError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO gam_country (tenant_id, code, name, currency, sales_unit) "
                "VALUES (%s, 'NO', 'Norway', 'NOK', '')",
                [world.globex.pk],
            )
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            # Moving one's own row to another tenant is refused too (WITH CHECK).
            Country.unscoped.filter(pk=world.se.pk).update(tenant_id=world.globex.pk)
        # Another tenant's rows cannot be touched: they do not exist for this tenant.
        assert Country.unscoped.filter(tenant=world.globex).update(name="Hacked") == 0
        assert Country.unscoped.filter(tenant=world.globex).delete()[0] == 0
        # The tenant's own writes work.
        Country.objects.create(code="NO", name="Norway", currency="NOK")
    with tenant_context(world.globex):
        assert _names("gam_country") == {world.other_se.name}


def test_tables_without_tenant_id_follow_their_parent_row(world, as_app_role):
    with tenant_context(world.globex):
        other_user = f.UserFactory(tenant=world.globex, email="gam@globex.test")
        team_member_add(
            account=world.other_account, user=other_user, role=TeamRole.GLOBAL_ACCOUNT_MANAGER
        )
        globex_perms = _rows(
            "SELECT content_object_id FROM teams_globalaccountuserobjectpermission"
        )
        assert globex_perms and {pk for (pk,) in globex_perms} == {world.other_account.pk}
    with tenant_context(world.acme):
        acme_perms = {
            pk
            for (pk,) in _rows(
                "SELECT content_object_id FROM teams_globalaccountuserobjectpermission"
            )
        }
        assert acme_perms == {world.account.pk}
        # guardian, as the sharing model uses it, still works under RLS
        assert world.gam.has_perm("accounts.change_globalaccount", world.account)


def test_api_requests_run_as_the_app_role(world, api, as_app_role):
    """If the request did not set its tenant, RLS would hide every row and these lists
    would be empty."""
    client = api(world.admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/countries/")
    assert response.status_code == 200
    assert {c["code"] for c in response.json()["results"]} == {"SE", "DE", "FR"}
    # Two extra queries per request, not one per query: the token's lookup (across tenants,
    # gam.context.identity_lookup), then the tenant's.
    assert sum("set_config" in q["sql"] for q in queries.captured_queries) == 2

    response = api(world.other_admin).get("/api/v1/countries/")
    assert [c["code"] for c in response.json()["results"]] == ["SE"]
    assert api(world.other_admin).get("/api/v1/countries/DE/").status_code == 404


def test_pages_and_streamed_exports_run_as_the_app_role(world, web, as_app_role):
    page = web(world.admin).get("/settings/countries/")
    assert page.status_code == 200
    assert "Germany" in page.content.decode()
    with tenant_context(world.acme):
        f.OpportunityFactory(tenant=world.acme, subsidiary=world.sub_de, name="Big press")
    export = web(world.admin).get("/pipeline/table/?scope=all&format=csv")
    assert export.status_code == 200
    assert "Big press" in b"".join(export.streaming_content).decode()


@celery_app.task
def _count_subsidiaries(tenant_id: int) -> int:
    """Shaped like every task of the project: the tenant id first, then tenant_context."""
    with tenant_context(tenant_id):
        return _rows("SELECT count(*) FROM accounts_subsidiary")[0][0]


@pytest.mark.django_db(transaction=True)
def test_tasks_and_autocommit_code_run_under_their_tenant(world):
    """Outside a request transaction (a worker, a streamed response) the setting is made for
    the session, and it follows every change of tenant, including rollbacks."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role()}"')
    try:
        assert connection.get_autocommit()
        # Eager: the result is there; a test run earlier in this process may have left
        # Celery's "inside a worker" flag set, which only guards against waiting in a task.
        assert _count_subsidiaries.delay(world.acme.pk).get(disable_sync_subtasks=False) == 3
        assert _count_subsidiaries.delay(world.globex.pk).get(disable_sync_subtasks=False) == 1
        assert _rows("SELECT count(*) FROM accounts_subsidiary") == [(0,)]

        with transaction.atomic(), tenant_context(world.acme):
            assert len(_names("accounts_subsidiary")) == 3
            try:
                with transaction.atomic(), tenant_context(world.globex):
                    assert _names("accounts_subsidiary") == {"Initech AB"}
                    raise RuntimeError("roll back the savepoint")
            except RuntimeError:
                pass
            # The savepoint's rollback undid the globex setting behind the connection's back:
            # the next globex query must set it again, and acme still works after it.
            with tenant_context(world.globex):
                assert _names("accounts_subsidiary") == {"Initech AB"}
            assert len(_names("accounts_subsidiary")) == 3
        # The transaction-local setting ended with the transaction.
        assert _rows("SELECT count(*) FROM accounts_subsidiary") == [(0,)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
