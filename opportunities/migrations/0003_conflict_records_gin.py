"""A GIN index on Conflict.records (PostgreSQL only), so that "the conflicts of this record"
(``records @> '[{"type": ..., "id": ...}]'``) is an index lookup for the incremental check
however many conflicts a tenant has. SQLite, the embedded default, matches on the key."""

from django.db import migrations

INDEX = "opportunities_conflict_records_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON opportunities_conflict "
            "USING gin (records jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_scanrun_task_id")]

    operations = [migrations.RunPython(create, drop)]
