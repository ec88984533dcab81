"""The content types (and so the permissions hanging off them) of the moved models follow them
from the ``opportunities`` app label to ``conflicts``, so their ids, and every row that refers
to them, stay the same. Runs on the database being migrated, with the historical models."""

from django.db import migrations

MODELS = ("conflict", "conflictevent", "notification", "scanrun")


def _move(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        # A content type made for the new label in the meantime (post_migrate of a partial
        # run) is the duplicate: the old one keeps its id and what refers to it.
        if types.filter(app_label=old, model=model).exists():
            types.filter(app_label=new, model=model).delete()
            types.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, "opportunities", "conflicts")


def backwards(apps, schema_editor):
    _move(apps, schema_editor, "conflicts", "opportunities")


class Migration(migrations.Migration):
    dependencies = [
        ("conflicts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
