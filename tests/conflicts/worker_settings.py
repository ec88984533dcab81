"""Settings of the real Celery worker that tests/conflicts/test_conflicts_worker.py
starts: the test database and the test Redis come from the environment (DATABASE_URL,
CELERY_BROKER_URL), and an unacknowledged task comes back after 3 s instead of an hour, so
a worker killed mid-task is replaced within the test. Kombu looks for such tasks only every
``unacked_restore_interval * unacked_restore_throttle`` seconds (10 x 10 by default): up to
100 s of waiting for the redelivery; 1 x 1 makes it a second after the timeout."""

from gam.settings.base import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
