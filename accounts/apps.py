from django.apps import AppConfig

from gam.imports import registry


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import importers  # noqa: PLC0415  (reads the models, loaded after apps)

        registry.register(importers.SubsidiaryImporter)
        registry.register(importers.ContactImporter)
