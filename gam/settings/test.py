"""Test settings: PostgreSQL and Redis on the local machine (see README)."""

import os

import dj_database_url

from gam.settings.base import *  # noqa: F403
from gam.settings.env import env_str

DATABASES = {
    "default": dj_database_url.parse(
        env_str("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gam")
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run eagerly unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
TEST_REDIS_URL = env_str("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
