from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Account plans: one layer above sales (a plan's objectives count won opportunities), so
    a Django app of its own rather than part of accounts, whose migrations must not need
    opportunities'."""

    name = "accounts.plans"
    label = "plans"
    default_auto_field = "django.db.models.BigAutoField"
