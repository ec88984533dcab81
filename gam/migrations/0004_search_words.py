"""Word-prefix search (gam.search): the table of search words, filled for existing records."""

import django.db.models.deletion
from django.db import migrations, models

from gam import search
from gam.rls import every_tenant


def fill(apps, schema_editor):
    # Every tenant's records (the migration runs as the owner), raw SQL and COPY: millions.
    with every_tenant(schema_editor.connection):
        search.rebuild(schema_editor.connection, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("gam", "0003_app_role"),
        ("accounts", "0007_recompute_matching_keys"),
        ("opportunities", "0004_list_order_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "tenant",
                        "kind",
                        "record_id",
                        "word",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "global account name"),
                            (2, "subsidiary name"),
                            (3, "subsidiary registration number and website"),
                            (4, "opportunity name"),
                            (5, "activity subject"),
                            (6, "campaign name"),
                        ]
                    ),
                ),
                ("record_id", models.BigIntegerField()),
                ("word", models.CharField(max_length=64)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="gam.tenant",
                    ),
                ),
            ],
        ),
        # The search index after the fill: one sort instead of millions of random inserts.
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="searchword",
            index=models.Index(
                fields=["tenant", "kind", "word", "record_id"],
                name="gam_searchword_prefix",
                opclasses=["int8_ops", "int2_ops", "text_pattern_ops", "int8_ops"],
            ),
        ),
    ]
