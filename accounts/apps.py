from django.apps import AppConfig

from gam.imports import registry
from gam.lifecycle import register_demo_seed, register_tenant_purge


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import importers, seed  # noqa: PLC0415 (models load after the apps)
        from accounts.models import Subsidiary  # noqa: PLC0415 (models load after the apps)

        # Customers go after the sales records that protect them, before the tenant.
        register_tenant_purge(Subsidiary, layer=1)
        register_demo_seed(seed.seed, layer=1)
        registry.register(importers.SubsidiaryImporter)
        registry.register(importers.GlobalAccountImporter)
        registry.register(importers.ContactImporter)
