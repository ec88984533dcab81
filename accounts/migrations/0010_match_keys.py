"""Group discovery's blocking keys on subsidiaries and global accounts
(accounts.matching.blocking), computed for the existing rows, and on PostgreSQL a GIN index
on them as an array, which the incremental check and the entry warning look up by."""

from django.db import migrations, models

from accounts.matching import account_match_keys, matching_keys
from gam.rls import every_tenant

CHUNK = 2000


def compute(apps, schema_editor):
    # On the migration's own connection (the owner in production: the app's role would wait
    # for this migration's own lock), with row-level security lifted for every tenant's rows.
    with every_tenant(schema_editor.connection):
        _compute(apps, schema_editor.connection.alias)
    if schema_editor.connection.vendor == "postgresql":
        # The updates' deferred foreign-key checks now, not at commit: the migration's next
        # ALTER TABLE refuses a table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _compute(apps, alias: str) -> None:
    Subsidiary = apps.get_model("accounts", "Subsidiary")
    GlobalAccount = apps.get_model("accounts", "GlobalAccount")
    key_fields = ["name_key", "name_block", "registration_key", "domain_key", "match_keys"]
    # Every tenant's rows: the plain base managers, not the tenant-scoped default ones.
    manager = Subsidiary._base_manager.db_manager(alias)
    rows = manager.select_related("country").only(
        "name", "registration_number", "website", "country__code", *key_fields
    )
    changed = []
    for sub in rows.order_by("pk").iterator(chunk_size=CHUNK):
        keys = matching_keys(
            name=sub.name,
            registration_number=sub.registration_number,
            website=sub.website,
            country_code=sub.country.code,
        )
        for field in key_fields:
            setattr(sub, field, getattr(keys, field))
        changed.append(sub)
        if len(changed) >= CHUNK:
            manager.bulk_update(changed, key_fields)
            changed = []
    if changed:
        manager.bulk_update(changed, key_fields)
    accounts = GlobalAccount._base_manager.db_manager(alias)
    changed = []
    for account in accounts.only("name", "website").order_by("pk").iterator(chunk_size=CHUNK):
        account.match_keys = account_match_keys(account.name, account.website)
        changed.append(account)
        if len(changed) >= CHUNK:
            accounts.bulk_update(changed, ["match_keys"])
            changed = []
    if changed:
        accounts.bulk_update(changed, ["match_keys"])


INDEXES = (
    ("accounts_subsidiary", "accounts_subsidiary_match_keys_gin"),
    ("accounts_globalaccount", "accounts_globalaccount_match_keys_gin"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin "
            f"((string_to_array(btrim(match_keys), ' '))) WITH (fastupdate = off)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_plans_move_to_plans_app")]

    operations = [
        migrations.AddField(
            model_name="globalaccount",
            name="match_keys",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="subsidiary",
            name="match_keys",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(compute, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
