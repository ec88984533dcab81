"""accounts 0009 and plans 0001 move the plan models from the accounts app to the plans app
without touching their tables: a database migrated to the layout before the move, with plan
rows, history, permissions and object permissions written there, migrates forward with every
row, content type and permission intact."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from guardian.core import ObjectPermissionChecker
from guardian.models import UserObjectPermission

from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from gam.models import User
from tests import factories as f

# The graph nodes just before the move: accounts without 0009, no plans app.
BEFORE = [("accounts", "0008_drop_name_trigram_indexes"), ("plans", None)]
MOVED = {
    "AccountPlan": AccountPlan,
    "HistoricalAccountPlan": AccountPlan.history.model,
    "PlanObjective": PlanObjective,
    "PlanAction": PlanAction,
    "LocalAdaptation": LocalAdaptation,
    "PlanComment": PlanComment,
    "PlanReview": PlanReview,
}


@pytest.fixture
def content_type_cache():
    # The migrations relabel rows behind ContentType's process-wide cache.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def _rows(model) -> set[tuple]:
    """Every column of every row, across tenants (the real models read the same tables)."""
    manager = getattr(model, "unscoped", model._default_manager)
    names = [field.attname for field in model._meta.concrete_fields]
    return set(manager.values_list(*names))


def _write_old_layout(old, world) -> None:
    """Plan rows of both tenants through the models as the accounts app had them."""
    plan_model = old.get_model("accounts", "AccountPlan")
    history = old.get_model("accounts", "HistoricalAccountPlan")
    now = timezone.now()
    for tenant, account, user, country in [
        (world.acme, world.account, world.gam, world.se),
        (world.globex, world.other_account, world.other_admin, world.other_se),
    ]:
        line = f.ProductLineFactory(tenant=tenant, name="Pumps")
        plan = plan_model.objects.create(
            tenant_id=tenant.pk, global_account_id=account.pk, strategy="Win the frame", version=2
        )
        for version, strategy in [(1, ""), (2, "Win the frame")]:
            history.objects.create(
                id=plan.pk,
                tenant_id=tenant.pk,
                global_account_id=account.pk,
                strategy=strategy,
                version=version,
                history_date=now,
                history_type="+" if version == 1 else "~",
                history_user_id=user.pk,
            )
        objective = old.get_model("accounts", "PlanObjective").objects.create(
            tenant_id=tenant.pk,
            plan=plan,
            title="Grow",
            target_amount=Decimal("1000.00"),
            country_id=country.pk,
            product_line_id=line.pk,
        )
        old.get_model("accounts", "PlanAction").objects.create(
            tenant_id=tenant.pk,
            plan=plan,
            objective=objective,
            title="Visit",
            owner_id=user.pk,
            due_date=datetime.date(2026, 11, 1),
            status="in_progress",
        )
        old.get_model("accounts", "LocalAdaptation").objects.create(
            tenant_id=tenant.pk, plan=plan, country_id=country.pk, notes="Local"
        )
        old.get_model("accounts", "PlanComment").objects.create(
            tenant_id=tenant.pk, plan=plan, author_id=user.pk, body="Comment"
        )
        old.get_model("accounts", "PlanReview").objects.create(
            tenant_id=tenant.pk, plan=plan, reviewer_id=user.pk, notes="Reviewed"
        )


def test_plans_written_before_the_move_survive_it(world, content_type_cache):
    # The fixtures' rows leave deferred foreign-key checks pending in the test's transaction;
    # migrations that ALTER their tables (accounts 0010 on subsidiaries) refuse to run then.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    ContentType.objects.clear_cache()
    old = executor.loader.project_state(BEFORE[0]).apps
    with pytest.raises(LookupError):
        old.get_model("plans", "AccountPlan")

    _write_old_layout(old, world)
    # Content types, permissions and object permissions as they were under accounts.
    old_types = {
        name: ContentType.objects.get(app_label="accounts", model=name.lower()) for name in MOVED
    }
    assert not ContentType.objects.filter(app_label="plans").exists()
    view_plan = Permission.objects.get(
        content_type=old_types["AccountPlan"], codename="view_accountplan"
    )
    change_action = Permission.objects.get(
        content_type=old_types["PlanAction"], codename="change_planaction"
    )
    world.rep.user_permissions.add(change_action)
    plan_pk = old.get_model("accounts", "AccountPlan").objects.get(tenant_id=world.acme.pk).pk
    # bulk_create: guardian's save() resolves the object through the current models.
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=world.rep,
                permission=view_plan,
                content_type=old_types["AccountPlan"],
                object_pk=str(plan_pk),
            )
        ]
    )
    before = {name: _rows(model) for name, model in MOVED.items()}
    assert all(len(rows) == 2 for name, rows in before.items() if name != "HistoricalAccountPlan")
    assert len(before["HistoricalAccountPlan"]) == 4

    executor.loader.build_graph()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert {name: _rows(model) for name, model in MOVED.items()} == before
    for name, model in MOVED.items():
        moved = ContentType.objects.get_for_model(model)
        assert (moved.app_label, moved.pk) == ("plans", old_types[name].pk)
    stale = ContentType.objects.filter(app_label="accounts", model__in=[n.lower() for n in MOVED])
    assert not stale.exists()

    rep = User.objects.get(pk=world.rep.pk)
    assert rep.has_perm("plans.change_planaction")
    plan = AccountPlan.unscoped.get(pk=plan_pk)
    assert ObjectPermissionChecker(rep).has_perm("view_accountplan", plan)
    assert [h.version for h in plan.history.all().order_by("version")] == [1, 2]


def test_accounts_migrations_need_neither_sales_nor_plans():
    """accounts sits below opportunities and plans. Its 0002_initial, made before the plans
    moved out, keeps the dependency on opportunities it had; no other accounts migration may
    add one."""
    graph = MigrationLoader(None).graph
    upward = {
        (node[1], parent.key)
        for node in graph.nodes
        if node[0] == "accounts"
        for parent in graph.node_map[node].parents
        if parent.key[0] not in {"accounts", "gam", "auth", "contenttypes"}
    }
    assert upward == {("0002_initial", ("opportunities", "0001_initial"))}
