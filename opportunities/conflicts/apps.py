from django.apps import AppConfig

from gam.imports import registry as import_registry
from gam.imports.signals import import_applied
from gam.lifecycle import register_demo_seed


class ConflictsConfig(AppConfig):
    """The duplicate-work detection, one layer above the sales work: it listens to the changes
    of the lower layers (``gam.signals``) instead of being called by them."""

    name = "opportunities.conflicts"
    label = "conflicts"
    verbose_name = "Conflicts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which load after the AppConfig.
        from accounts.importers import GlobalAccountImporter, SubsidiaryImporter  # noqa: PLC0415
        from accounts.selectors import ACCOUNT_PAGE_FIGURES  # noqa: PLC0415
        from opportunities.conflicts import receivers, seed, tasks  # noqa: F401, PLC0415
        from opportunities.conflicts.selectors import (  # noqa: PLC0415
            findings_after_import,
            open_conflicts_at_account,
        )
        from opportunities.importers import OpportunityImporter  # noqa: PLC0415

        ACCOUNT_PAGE_FIGURES["open_conflicts"] = open_conflicts_at_account
        # Last: the scan reads everything the other steps made.
        register_demo_seed(seed.seed, layer=4)
        # New or changed customers and opportunities may be duplicate work: one scan of the
        # tenant after such an import.
        for importer in (SubsidiaryImporter, GlobalAccountImporter, OpportunityImporter):
            import_applied.connect(
                tasks.scan_after_import, sender=importer, dispatch_uid="conflicts_after_import"
            )
        # What that scan found, on the import's page and in the API.
        import_registry.register_followup(findings_after_import)
