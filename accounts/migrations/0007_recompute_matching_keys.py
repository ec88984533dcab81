"""Recompute the duplicate-detection keys of existing subsidiaries: the normalization in
accounts/matching.py changed (legal forms, transliteration, VAT prefixes), and rows saved
before keep their old keys until saved again. Chunked, bulk updates only of changed rows."""

from django.db import migrations

CHUNK = 2000
KEY_FIELDS = ["name_key", "name_block", "registration_key", "domain_key"]


def recompute(apps, schema_editor):
    from accounts.matching import matching_keys

    Subsidiary = apps.get_model("accounts", "Subsidiary")
    # Every tenant's rows: the plain base manager, not the tenant-scoped default one.
    manager = Subsidiary._base_manager
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
