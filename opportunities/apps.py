from django.apps import AppConfig

from gam.imports import registry
from gam.imports.signals import import_applied
from gam.lifecycle import register_demo_seed, register_tenant_purge, tenant_created


def _create_default_stages(sender, tenant, **kwargs) -> None:
    from opportunities.services import stages_create_defaults  # noqa: PLC0415 (models load after apps)

    stages_create_defaults()


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.importers import SubsidiaryImporter  # noqa: PLC0415 (after the apps)
        from opportunities import conflict_seed, importers, seed, tasks  # noqa: PLC0415 (after the apps)
        from opportunities.models import Activity, Campaign, Lead, Opportunity  # noqa: PLC0415 (after the apps)

        tenant_created.connect(_create_default_stages, dispatch_uid="opportunities_stages")
        # Sales records protect their customer, stage and country: they go before those.
        register_tenant_purge(Opportunity, Activity, Campaign, Lead, layer=2)
        register_demo_seed(seed.seed, layer=2)
        # Last: the scan reads everything the other steps made.
        register_demo_seed(conflict_seed.seed, layer=4)
        registry.register(importers.OpportunityImporter)
        # New or changed customers and opportunities may be duplicate work: the conflict
        # engine scans the tenant after such an import.
        for importer in (SubsidiaryImporter, importers.OpportunityImporter):
            import_applied.connect(
                tasks.scan_after_import, sender=importer, dispatch_uid="conflicts_after_import"
            )
