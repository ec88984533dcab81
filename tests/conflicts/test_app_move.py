"""The conflict models moved from the ``opportunities`` app to ``conflicts`` by state-only
migrations: a database migrated before the move keeps every row, and the content types (with
their ids, which permissions and other rows refer to) follow to the new label."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from gam.rls import rls_tables
from gam.tenancy import tenant_context
from opportunities.conflicts.models import Conflict, ConflictEvent, Notification, ScanRun
from tests import factories as f

BEFORE_MOVE = [("conflicts", None), ("opportunities", "0008_drop_name_trigram_indexes")]
MOVED = ("conflict", "conflictevent", "notification", "scanrun")
TABLES = {
    "opportunities_conflict",
    "opportunities_conflictevent",
    "opportunities_notification",
    "opportunities_scanrun",
}


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _after_move() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_the_tables_keep_their_names_and_their_row_level_security():
    assert {m._meta.db_table for m in (Conflict, ConflictEvent, Notification, ScanRun)} == TABLES
    assert {t.table for t in rls_tables()} >= TABLES


@pytest.mark.django_db(transaction=True)
def test_rows_and_content_types_survive_the_move():
    tenant = f.TenantFactory(slug="moving")
    with tenant_context(tenant):
        user = f.UserFactory(tenant=tenant)
        account = f.GlobalAccountFactory(tenant=tenant)
    leaves = _after_move()
    executor = _migrate(BEFORE_MOVE)
    try:
        old = executor.loader.project_state(BEFORE_MOVE[1:]).apps
        old_types = old.get_model("contenttypes", "ContentType").objects
        before = {
            ct.model: ct.pk for ct in old_types.filter(app_label="opportunities", model__in=MOVED)
        }
        assert set(before) == set(MOVED)
        assert not old_types.filter(app_label="conflicts").exists()

        OldConflict = old.get_model("opportunities", "Conflict")
        conflict = OldConflict.objects.create(
            tenant_id=tenant.pk,
            kind="duplicate_customer",
            key="duplicate_customer|subsidiary:1|subsidiary:2|",
            status="acknowledged",
            global_account_id=account.pk,
            records=[{"type": "subsidiary", "id": 1}, {"type": "subsidiary", "id": 2}],
            countries=["DE", "SE"],
            assignee_id=user.pk,
        )
        event = old.get_model("opportunities", "ConflictEvent").objects.create(
            tenant_id=tenant.pk, conflict_id=conflict.pk, actor_id=user.pk, action="detected"
        )
        note = old.get_model("opportunities", "Notification").objects.create(
            tenant_id=tenant.pk, user_id=user.pk, conflict_id=conflict.pk, text="Duplicate"
        )
        run = old.get_model("opportunities", "ScanRun").objects.create(
            tenant_id=tenant.pk, status="finished", counts={"duplicate_customer": {"found": 1}}
        )
    finally:
        _migrate(leaves)

    with tenant_context(tenant):
        moved = Conflict.objects.get(pk=conflict.pk)
        assert (moved.key, moved.status, moved.assignee_id) == (
            conflict.key,
            "acknowledged",
            user.pk,
        )
        assert moved.records == conflict.records
        assert list(moved.events.values_list("pk", "action")) == [(event.pk, "detected")]
        assert Notification.objects.get(pk=note.pk).conflict_id == conflict.pk
        assert ScanRun.objects.get(pk=run.pk).counts == {"duplicate_customer": {"found": 1}}

    after = {
        ct.model: ct.pk for ct in ContentType.objects.filter(app_label="conflicts", model__in=MOVED)
    }
    assert after == before
    assert not ContentType.objects.filter(app_label="opportunities", model__in=MOVED).exists()
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Conflict).pk == before["conflict"]
    assert Permission.objects.filter(
        content_type_id=before["conflict"], codename="change_conflict"
    ).exists()
