"""The shared cache (Redis in production), failing open.

What the cache holds may be lost: throttle counters, list counts, import progress, the cached
copy of a session (the database holds the session itself). So when Redis is down a read is a
miss and a write is dropped, with a logged warning, instead of an error that turns every
request into a 500. After a failure the cache is left alone for ``PAUSE_SECONDS``, so that
requests meanwhile do not each wait for a connection to fail.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

ERRORS = (RedisError, OSError)
PAUSE_SECONDS = 1.0
# A Redis that does not answer must not hold a request for long.
SOCKET_SECONDS = 0.5


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", SOCKET_SECONDS)
        options.setdefault("socket_timeout", SOCKET_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _call(self, what: str, call, fallback):
        if time.monotonic() < self._paused_until:
            return fallback
        try:
            return call()
        except ERRORS as exc:
            with self._lock:
                first = time.monotonic() >= self._paused_until
                self._paused_until = time.monotonic() + PAUSE_SECONDS
            if first:
                log.warning("cache unavailable (%s): %s; serving without it", what, exc)
            return fallback

    def add(self, key, value, timeout=None, version=None):
        return self._call("add", lambda: super(FailOpenRedisCache, self).add(
            key, value, timeout, version), False)  # fmt: skip

    def get(self, key, default=None, version=None):
        return self._call(
            "get", lambda: super(FailOpenRedisCache, self).get(key, default, version), default
        )

    def set(self, key, value, timeout=None, version=None):
        self._call("set", lambda: super(FailOpenRedisCache, self).set(
            key, value, timeout, version), None)  # fmt: skip

    def touch(self, key, timeout=None, version=None):
        return self._call(
            "touch", lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key, version=None):
        return self._call(
            "delete", lambda: super(FailOpenRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys, version=None):
        return self._call(
            "get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key, version=None):
        return self._call(
            "has_key", lambda: super(FailOpenRedisCache, self).has_key(key, version), False
        )

    def incr(self, key, delta=1, version=None):
        # Django's contract: a missing key raises ValueError; an unreachable one is missing.
        missing = object()
        value = self._call(
            "incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), missing
        )
        if value is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout=None, version=None):
        return self._call("set_many", lambda: super(FailOpenRedisCache, self).set_many(
            data, timeout, version), list(data))  # fmt: skip

    def delete_many(self, keys, version=None):
        self._call(
            "delete_many", lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None
        )

    def clear(self):
        return self._call("clear", lambda: super(FailOpenRedisCache, self).clear(), False)
