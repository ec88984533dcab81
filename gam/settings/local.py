"""The embedded default: SQLite file, eager Celery, DEBUG on."""

from gam.settings.base import *  # noqa: F403
from gam.settings.env import env_bool

DEBUG = env_bool("DEBUG", True)
