from django.apps import AppConfig

from gam.imports import registry
from gam.imports.signals import import_applied


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These read the models, which load after the apps' configs.
        from accounts.importers import SubsidiaryImporter  # noqa: PLC0415
        from opportunities import importers, tasks  # noqa: PLC0415

        registry.register(importers.OpportunityImporter)
        # New or changed customers and opportunities may be duplicate work: the conflict
        # engine scans the tenant after such an import.
        for importer in (SubsidiaryImporter, importers.OpportunityImporter):
            import_applied.connect(
                tasks.scan_after_import, sender=importer, dispatch_uid="conflicts_after_import"
            )
