from django.apps import AppConfig

from accounts.dependents import CUSTOMER_PAGE_SECTIONS, register_records_at_customer
from gam.imports import registry
from gam.lifecycle import register_demo_seed, register_tenant_purge, tenant_created


def _create_default_stages(sender, tenant, **kwargs) -> None:
    from opportunities.services import stages_create_defaults  # noqa: PLC0415 (models load after apps)

    stages_create_defaults()


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gam.models import SearchWord  # noqa: PLC0415 (after the apps)
        from opportunities import importers, seed, selectors  # noqa: PLC0415 (after the apps)
        from opportunities.models import Activity, Campaign, Lead, Opportunity  # noqa: PLC0415 (after the apps)

        tenant_created.connect(_create_default_stages, dispatch_uid="opportunities_stages")
        # Sales records protect their customer, stage and country: they go before those.
        register_tenant_purge(Opportunity, Activity, Campaign, Lead, layer=2)
        register_demo_seed(seed.seed, layer=2)
        registry.register(importers.OpportunityImporter)
        # At a customer: opportunities are its sales history (they keep it from deletion);
        # activities and campaigns go with it. All follow it to another account or country.
        register_records_at_customer(Opportunity, protects=True)
        register_records_at_customer(Activity, protects=False, search_kind=SearchWord.Kind.ACTIVITY)
        register_records_at_customer(Campaign, protects=False, search_kind=SearchWord.Kind.CAMPAIGN)
        CUSTOMER_PAGE_SECTIONS["opportunities"] = selectors.opportunities_at_customer
