from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_migrate

from gam.counts import bump_data_version


def _m2m_changed(sender, instance, action, **kwargs) -> None:
    """A many-to-many change (an agreement's countries, ...) changes list counts too."""
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_data_version(getattr(instance, "tenant_id", None))


class GamConfig(AppConfig):
    name = "gam"
    verbose_name = "GAM platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These modules read the models, which load after the apps.
        from gam import (  # noqa: PLC0415
            checks,  # noqa: F401  (registers the system checks)
            search,
            webhooks,  # noqa: F401  (connects the event receivers)
        )
        from gam.authentication import update_last_login  # noqa: PLC0415
        from gam.rls import post_migrate_apply_rls  # noqa: PLC0415

        search.connect()  # search words follow the saves of searchable records
        # Django's own receiver writes the user with no tenant in context: under row-level
        # security on users (gam.rls) that update must run inside identity_lookup.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login, dispatch_uid="gam_update_last_login")
        m2m_changed.connect(_m2m_changed, dispatch_uid="gam_counts_m2m_changed")

        # Once per migrate (sender=this app), after every app's tables exist: RLS policies on
        # every tenant-owned table, new ones included. A no-op on SQLite.
        post_migrate.connect(post_migrate_apply_rls, sender=self, dispatch_uid="gam_apply_rls")
