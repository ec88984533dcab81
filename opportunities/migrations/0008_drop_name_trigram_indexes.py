"""Drop the trigram indexes of migration 0004: search matches word prefixes from
gam_searchword now (gam.search), because under row-level security LIKE is never an index
condition, so these GIN indexes only cost writes and disk."""

from django.db import migrations

TRIGRAM_INDEXES = {
    "opportunities_opportunity_name_trgm": "opportunities_opportunity",
    "opportunities_campaign_name_trgm": "opportunities_campaign",
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table in TRIGRAM_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                "USING gin (upper(name::text) gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0007_list_filter_order_indexes")]

    operations = [migrations.RunPython(drop, recreate)]
