"""The summary of each opportunity's stage history on the opportunity itself (the furthest
funnel rank a stage change took it to, the time of its last stage change), so that the
funnel and the stalled-deal count read one row per opportunity instead of its history.

Existing rows are filled from their StageChange rows in chunks of ids, one set-based UPDATE
per chunk; the migration is not atomic so each chunk commits and no long lock is held. The
fill is idempotent: rerunning it after a failure finishes the job."""

from django.db import migrations, models

from gam.rls import every_tenant

CHUNK = 50_000
# opportunities.models.FUNNEL_RANK, frozen here as this migration's own copy.
RANK = "CASE s.phase WHEN 'qualification' THEN 1 WHEN 'proposal' THEN 2 "
RANK += "WHEN 'negotiation' THEN 3 WHEN 'won' THEN 4 ELSE 0 END"


def fill(apps, schema_editor):
    with every_tenant(schema_editor.connection):
        _fill(schema_editor.connection)


def _fill(connection) -> None:
    opportunity = "opportunities_opportunity"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {opportunity}")
        low, high = cursor.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, CHUNK):
            # Correlated subqueries (PostgreSQL and SQLite alike), each read from the index
            # on stagechange.opportunity_id.
            cursor.execute(
                f"""
                UPDATE {opportunity} SET
                  furthest_phase_rank = COALESCE((
                    SELECT MAX({RANK}) FROM opportunities_stagechange c
                    JOIN opportunities_stage s ON s.id = c.to_stage_id
                    WHERE c.opportunity_id = {opportunity}.id), 0),
                  last_stage_change_at = (
                    SELECT MAX(c.changed_at) FROM opportunities_stagechange c
                    WHERE c.opportunity_id = {opportunity}.id)
                WHERE id >= %s AND id < %s
                """,
                [start, start + CHUNK],
            )


# The dashboards group opportunities by these columns; without the combined statistics the
# planner multiplies each column's distinct count, expects a group per row and sorts every
# row to disk instead of hashing a few hundred groups (PostgreSQL only).
STATISTICS = "opportunities_opportunity_groups_stx"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (ndistinct) ON country_id, "
            "stage_id, furthest_phase_rank, (global_account_id IS NULL) "
            "FROM opportunities_opportunity"
        )
        schema_editor.execute("ANALYZE opportunities_opportunity")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


# Covering indexes so that the open pipeline (stalled deals per account, totals per stage and
# tier) and the deals closed lately (the board shows them for a quarter) are read from the
# index alone. INCLUDE is PostgreSQL's; elsewhere the plain indexes would only add writes.
COVERING_INDEXES = {
    "opportunity_open_stalled_idx": "(tenant_id, global_account_id, last_stage_change_at) "
    "INCLUDE (created_at, stage_id, amount_reporting) WHERE status = 'open'",
    "opportunity_closed_at_idx": "(tenant_id, closed_at) "
    "INCLUDE (status, stage_id, amount_reporting, close_date, id) WHERE closed_at IS NOT NULL",
}


def create_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in COVERING_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON opportunities_opportunity {definition}"
            )


def drop_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in COVERING_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("opportunities", "0004_list_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="furthest_phase_rank",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="opportunity",
            name="last_stage_change_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["tenant", "close_date", "id"],
                name="opportunity_open_order_idx",
            ),
        ),
        migrations.RunPython(create_covering_indexes, drop_covering_indexes),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
