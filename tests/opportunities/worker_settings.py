"""Settings of the real Celery worker that tests/opportunities/test_conflicts_worker.py
starts: the test database and the test Redis come from the environment (DATABASE_URL,
CELERY_BROKER_URL), and an unacknowledged task comes back after 3 s instead of an hour, so
a worker killed mid-task is replaced within the test."""

from gam.settings.base import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3}
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
