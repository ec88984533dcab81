"""Test settings: PostgreSQL and Redis on the local machine (see README)."""

import os

from gam.settings.base import *  # noqa: F403
from gam.settings.env import env_str

DATABASES = {
    "default": database(  # noqa: F405
        env_str("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gam")
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run eagerly unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
# Each test process its own cache (throttle counters must not leak between xdist workers).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TEST_REDIS_URL = env_str("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The suite (schemathesis above all) makes many calls per user; tests/gam/test_security.py
# checks the limits with small rates of its own.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "login": "100000/min"},
}
