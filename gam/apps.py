from django.apps import AppConfig


class GamConfig(AppConfig):
    name = "gam"
    verbose_name = "GAM platform"
    default_auto_field = "django.db.models.BigAutoField"
