"""The Celery app. Tasks live in each app's tasks.py; all periodic schedules are here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gam.settings.local")

app = Celery("gam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The import engine is a package of the gam app, not an app of its own.
app.autodiscover_tasks(lambda: ["gam.imports"])
