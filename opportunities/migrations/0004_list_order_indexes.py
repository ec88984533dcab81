"""Indexes for the lists' default orders and trigram indexes for `search`."""

from django.conf import settings
from django.db import migrations, models

# `search` is icontains, i.e. UPPER(name::text) LIKE UPPER('%text%'): no b-tree serves a
# leading wildcard, a trigram GIN index on the same expression does. PostgreSQL only; SQLite
# (the embedded default) scans, which is fine at its scale.
TRIGRAM_INDEXES = {
    "opportunities_opportunity_name_trgm": "opportunities_opportunity",
    "opportunities_campaign_name_trgm": "opportunities_campaign",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gin (upper(name::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_filter_indexes"),
        ("gam", "0003_app_role"),
        ("opportunities", "0003_conflict_records_gin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["tenant", "-occurred_at", "-id"], name="opportuniti_tenant__d431f0_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="campaign",
            index=models.Index(
                fields=["tenant", "-starts_on", "id"], name="opportuniti_tenant__4483a1_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["tenant", "close_date", "id"], name="opportuniti_tenant__5e983a_idx"
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
