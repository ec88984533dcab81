"""Recompute the duplicate-detection keys of existing subsidiaries: the normalization in
accounts/matching.py changed (legal forms, transliteration, VAT prefixes), and rows saved
before keep their old keys until saved again. Chunked, bulk updates only of changed rows."""

from django.db import migrations

from accounts.matching import matching_keys
from gam.rls import every_tenant

CHUNK = 2000
KEY_FIELDS = ["name_key", "name_block", "registration_key", "domain_key"]


def recompute(apps, schema_editor):
    with every_tenant(schema_editor.connection):
        _recompute(apps, schema_editor.connection.alias)


def _recompute(apps, alias: str) -> None:
    Subsidiary = apps.get_model("accounts", "Subsidiary")
    # Every tenant's rows: the plain base manager, not the tenant-scoped default one, on the
    # migration's connection (the owner's), not the app's.
    manager = Subsidiary._base_manager.db_manager(alias)
    changed = []
    rows = manager.select_related("country").only(
        "name", "registration_number", "website", "country__code", *KEY_FIELDS
    )
    for sub in rows.order_by("pk").iterator(chunk_size=CHUNK):
        keys = matching_keys(
            name=sub.name,
            registration_number=sub.registration_number,
            website=sub.website,
            country_code=sub.country.code,
        )
        new = {field: getattr(keys, field) for field in KEY_FIELDS}
        if any(getattr(sub, field) != value for field, value in new.items()):
            for field, value in new.items():
                setattr(sub, field, value)
            changed.append(sub)
        if len(changed) >= CHUNK:
            manager.bulk_update(changed, KEY_FIELDS)
            changed = []
    if changed:
        manager.bulk_update(changed, KEY_FIELDS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_name_trigram_indexes")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True)]
