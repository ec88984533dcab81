from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GamConfig(AppConfig):
    name = "gam"
    verbose_name = "GAM platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gam import (
            checks,  # noqa: F401  (registers the system checks)
            search,
        )
        from gam.rls import post_migrate_apply_rls

        search.connect()  # search words follow the saves of searchable records

        # Once per migrate (sender=this app), after every app's tables exist: RLS policies on
        # every tenant-owned table, new ones included. A no-op on SQLite.
        post_migrate.connect(post_migrate_apply_rls, sender=self, dispatch_uid="gam_apply_rls")
