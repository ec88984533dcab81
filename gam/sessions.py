"""Sessions in the cache and the database, stored under a digest of their key.

Django's ``cached_db`` engine keeps the session key (the cookie's value) as the row's primary
key and in the cache key: whoever reads the sessions table or the cache (a backup, the app's
database role, a Redis dump) could log in as anyone. The sessions table has no tenant, so
row-level security cannot fence it in; instead it holds no usable secret. This engine stores
and looks rows up by the SHA-256 of the key (40 hex digits fit Django's column), and the
browser keeps the key itself. A 32-character random key needs no slow hash.

Sessions written by the plain engine are not found under their digest: they end once.
"""

from __future__ import annotations

import hashlib
import logging

from django.contrib.sessions.backends import cached_db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

KEY_PREFIX = "gam.sessions."


def stored_key(session_key: str | None) -> str:
    """What the database and the cache know of a session key."""
    if not session_key:
        return ""
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = KEY_PREFIX

    @property
    def cache_key(self) -> str:
        return self.cache_key_prefix + stored_key(self._get_or_create_session_key())

    async def acache_key(self) -> str:
        return self.cache_key_prefix + stored_key(await self._aget_or_create_session_key())

    def exists(self, session_key) -> bool:
        if not session_key:
            return False
        digest = stored_key(session_key)
        return (self.cache_key_prefix + digest) in self._cache or self.model.objects.filter(
            session_key=digest
        ).exists()

    async def aexists(self, session_key) -> bool:
        if not session_key:
            return False
        digest = stored_key(session_key)
        if await self._cache.ahas_key(self.cache_key_prefix + digest):
            return True
        return await self.model.objects.filter(session_key=digest).aexists()

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._forget(error)
            return None

    async def _aget_session_from_db(self):
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._forget(error)
            return None

    def _forget(self, error: Exception) -> None:
        if isinstance(error, SuspiciousOperation):
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
        self._session_key = None

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key=None) -> None:
        session_key = session_key or self.session_key
        if not session_key:
            return
        digest = stored_key(session_key)
        self.model.objects.filter(session_key=digest).delete()
        self._cache.delete(self.cache_key_prefix + digest)

    async def adelete(self, session_key=None) -> None:
        session_key = session_key or self.session_key
        if not session_key:
            return
        digest = stored_key(session_key)
        await self.model.objects.filter(session_key=digest).adelete()
        await self._cache.adelete(self.cache_key_prefix + digest)
