from django.apps import AppConfig

from gam.lifecycle import register_demo_seed


class PlansConfig(AppConfig):
    """Account plans: one layer above sales (a plan's objectives count won opportunities), so
    a Django app of its own rather than part of accounts, whose migrations must not need
    opportunities'."""

    name = "accounts.plans"
    label = "plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.plans import seed  # noqa: PLC0415 (models load after the apps)

        # After the customers and the sales whose won deals the objectives count. Plan rows
        # need no purge step: they cascade from their account and tenant.
        register_demo_seed(seed.seed, layer=3)
