from django.apps import AppConfig

from gam.lifecycle import register_tenant_purge


class TeamsConfig(AppConfig):
    name = "teams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from teams.models import TeamMembership  # noqa: PLC0415 (models load after the apps)

        register_tenant_purge(TeamMembership, layer=1)
