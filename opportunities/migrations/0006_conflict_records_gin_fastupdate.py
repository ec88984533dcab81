"""The GIN index on Conflict.records without a pending list (PostgreSQL only). With
fastupdate on, a scan's new conflicts wait in the index's pending list until a VACUUM, and
every incremental check ("the conflicts of this record") reads that whole list until the
next VACUUM. Inserts into
the index get a little slower; lookups never read a pending list."""

from django.db import migrations

INDEX = "opportunities_conflict_records_gin"


def fastupdate_off(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} SET (fastupdate = off)")


def fastupdate_on(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX IF EXISTS {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_stage_summary")]

    operations = [migrations.RunPython(fastupdate_off, fastupdate_on)]
