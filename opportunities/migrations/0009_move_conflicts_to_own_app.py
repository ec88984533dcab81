"""The conflict engine's models moved to their own app (``opportunities.conflicts``, label
``conflicts``): removed from this app's state only. The tables stay as they are, under their
names, and belong to ``conflicts`` from its migration 0001 on, which creates the models in
its state; conflicts 0002 moves their content types."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0008_drop_name_trigram_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="conflictevent",
                    name="conflict",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="conflict",
                ),
                migrations.RemoveField(
                    model_name="conflictevent",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="conflictevent",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="tenant",
                ),
                migrations.RemoveField(
                    model_name="notification",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="scanrun",
                    name="tenant",
                ),
                migrations.DeleteModel(
                    name="Conflict",
                ),
                migrations.DeleteModel(
                    name="ConflictEvent",
                ),
                migrations.DeleteModel(
                    name="Notification",
                ),
                migrations.DeleteModel(
                    name="ScanRun",
                ),
            ],
        ),
    ]
