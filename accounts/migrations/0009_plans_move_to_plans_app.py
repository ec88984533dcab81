"""The account plan models move to the ``plans`` app (``accounts.plans``): removed from this
app's migration state only. Their tables stay as they are and now belong to plans, whose
``0001_initial`` takes them over under the same names and moves their content types.

Dependents are removed before what they point to, so the state never holds a dangling
reference. No dependency on plans or opportunities: accounts stays below them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_drop_name_trigram_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PlanAction"),
                migrations.DeleteModel(name="PlanObjective"),
                migrations.DeleteModel(name="LocalAdaptation"),
                migrations.DeleteModel(name="PlanComment"),
                migrations.DeleteModel(name="PlanReview"),
                migrations.DeleteModel(name="HistoricalAccountPlan"),
                migrations.DeleteModel(name="AccountPlan"),
            ],
            database_operations=[],
        )
    ]
