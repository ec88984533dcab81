"""Trigram indexes for `search` on subsidiary and global account names."""

from django.db import migrations

# `search` is icontains, i.e. UPPER(name::text) LIKE UPPER('%text%'): no b-tree serves a
# leading wildcard, a trigram GIN index on the same expression does. PostgreSQL only; SQLite
# (the embedded default) scans, which is fine at its scale.
TRIGRAM_INDEXES = {
    "accounts_subsidiary_name_trgm": "accounts_subsidiary",
    "accounts_globalaccount_name_trgm": "accounts_globalaccount",
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
    dependencies = [("accounts", "0005_filter_indexes")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
