"""The account plan models, taken over from the accounts app (accounts 0009 removed them from
its state). The tables already exist under their accounts_ names, so the models are created in
the migration state only; the content types move from app label ``accounts`` to ``plans``,
which carries their permissions, guardian's object permissions and admin log entries along.

Depends on opportunities for ``PlanObjective.product_line``: plans sits above sales, so the
dependency points down, and accounts no longer needs opportunities for its plan fields."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = [
    "accountplan",
    "historicalaccountplan",
    "planobjective",
    "planaction",
    "localadaptation",
    "plancomment",
    "planreview",
]


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        # A row under the new label exists only if this ran half-way before; the old row,
        # which permissions point to, is then left as it is rather than merged.
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_plans(apps, schema_editor):
    _relabel(apps, schema_editor, "accounts", "plans")


def content_types_to_accounts(apps, schema_editor):
    _relabel(apps, schema_editor, "plans", "accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0009_plans_move_to_plans_app"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("gam", "0001_initial"),
        ("opportunities", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AccountPlan",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "business_goals",
                            models.TextField(blank=True, verbose_name="customer's business goals"),
                        ),
                        ("situation", models.TextField(blank=True, verbose_name="situation")),
                        (
                            "decision_makers",
                            models.TextField(blank=True, verbose_name="decision makers"),
                        ),
                        (
                            "buying_strategy",
                            models.TextField(blank=True, verbose_name="buying strategy"),
                        ),
                        ("competition", models.TextField(blank=True, verbose_name="competition")),
                        ("strategy", models.TextField(blank=True, verbose_name="our strategy")),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "global_account",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="plan",
                                to="accounts.globalaccount",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_accountplan",
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalAccountPlan",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "business_goals",
                            models.TextField(blank=True, verbose_name="customer's business goals"),
                        ),
                        ("situation", models.TextField(blank=True, verbose_name="situation")),
                        (
                            "decision_makers",
                            models.TextField(blank=True, verbose_name="decision makers"),
                        ),
                        (
                            "buying_strategy",
                            models.TextField(blank=True, verbose_name="buying strategy"),
                        ),
                        ("competition", models.TextField(blank=True, verbose_name="competition")),
                        ("strategy", models.TextField(blank=True, verbose_name="our strategy")),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "global_account",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.globalaccount",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="gam.tenant",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical account plan",
                        "verbose_name_plural": "historical account plans",
                        "db_table": "accounts_historicalaccountplan",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="PlanComment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "author",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="comments",
                                to="plans.accountplan",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_plancomment",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="PlanObjective",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="objective")),
                        (
                            "target_amount",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=16,
                                null=True,
                                verbose_name="target amount",
                            ),
                        ),
                        (
                            "target_date",
                            models.DateField(blank=True, null=True, verbose_name="target date"),
                        ),
                        (
                            "country",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="gam.country",
                            ),
                        ),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="objectives",
                                to="plans.accountplan",
                            ),
                        ),
                        (
                            "product_line",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="opportunities.productline",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_planobjective",
                        "ordering": ["target_date", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="LocalAdaptation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("notes", models.TextField()),
                        (
                            "country",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="gam.country",
                            ),
                        ),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="adaptations",
                                to="plans.accountplan",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_localadaptation",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("plan", "country"), name="one_adaptation_per_country"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlanAction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="action")),
                        (
                            "due_date",
                            models.DateField(blank=True, null=True, verbose_name="due date"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("in_progress", "In progress"),
                                    ("done", "Done"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="open",
                                max_length=12,
                            ),
                        ),
                        (
                            "country",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="gam.country",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="actions",
                                to="plans.accountplan",
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                        (
                            "objective",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="actions",
                                to="plans.planobjective",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_planaction",
                        "ordering": ["due_date", "id"],
                        "indexes": [
                            models.Index(
                                fields=["tenant", "status", "due_date"],
                                name="accounts_pl_tenant__e3a356_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlanReview",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "held_on",
                            models.DateField(
                                default=django.utils.timezone.localdate, verbose_name="held on"
                            ),
                        ),
                        ("notes", models.TextField(blank=True, verbose_name="notes")),
                        ("decisions", models.TextField(blank=True, verbose_name="decisions")),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reviews",
                                to="plans.accountplan",
                            ),
                        ),
                        (
                            "reviewer",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                editable=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="gam.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_planreview",
                        "ordering": ["-held_on"],
                        "indexes": [
                            models.Index(
                                fields=["tenant", "plan", "-held_on"],
                                name="accounts_pl_tenant__0b5483_idx",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_plans, content_types_to_accounts),
    ]
