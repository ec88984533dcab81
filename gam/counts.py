"""Exact list counts and dashboard figures, kept in the cache until the tenant's data changes.

The ``COUNT(*)`` of a large list is the largest part of its page, even as an index-only
scan, and every page of one list asks the same number again; the tenant dashboard of a user
who sees everything groups every opportunity of the tenant (figures in bench/results). So
these results are cached under the tenant's *data version*, a random token that every write
through a tenant-owned model replaces: a save or delete of a row
(``gam.tenancy.TenantOwnedModel``), a queryset ``update`` / ``delete`` / ``bulk_create`` /
``bulk_update`` of the tenant managers, and many-to-many changes. The version is replaced at
once (so the writing transaction reads its own counts) and again on commit (so a count read
by another transaction before the commit is not kept). Writes that bypass the managers (raw
SQL) call ``bump_data_version`` themselves; ``COUNT_CACHE_SECONDS`` bounds what a missed one
could cost.

The key is the query's SQL and parameters, which hold the user's sharing filter, the list's
filters and the search: two users see one cached count only when they see the same rows (and
a dashboard's date range is in its SQL too). With Redis (``REDIS_URL``) every process shares
the counts; without (the embedded default), each process keeps its own. The rows of a list's
page are always read fresh: only its count and dashboard aggregates are cached.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

from gam.context import current_tenant_id_or_none

try:  # the cache is Redis when REDIS_URL is set
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency
    RedisError = OSError

# The cache is an optimization: when it is down, counts are read from the database and
# writes go on (a missed bump is bounded by COUNT_CACHE_SECONDS once it is back).
CACHE_ERRORS = (RedisError, OSError)
log = logging.getLogger(__name__)


def _version_key(tenant_id: int) -> str:
    return f"gam:data-version:{tenant_id}"


def data_version(tenant_id: int) -> str:
    """The tenant's current data version (made on first use)."""
    key = _version_key(tenant_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), None)
        version = cache.get(key)
    return version


def _new_version(tenant_id: int) -> None:
    try:
        cache.set(_version_key(tenant_id), secrets.token_hex(8), None)
    except CACHE_ERRORS:
        log.warning("cache unavailable: tenant %s data version not renewed", tenant_id)


class _BumpOnCommit:
    """One on-commit callback per tenant and transaction (many saves, one bump)."""

    def __init__(self, tenant_id: int):
        self.tenant_id = tenant_id

    def __call__(self) -> None:
        _new_version(self.tenant_id)


def bump_data_version(tenant_id: int | None = None) -> None:
    """The tenant's data changed: counts cached before are not read again."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id_or_none()
    if tenant_id is None:
        return
    _new_version(tenant_id)
    if not connection.in_atomic_block:
        return
    pending = (
        cb for _sids, cb, _robust in connection.run_on_commit if isinstance(cb, _BumpOnCommit)
    )
    if not any(cb.tenant_id == tenant_id for cb in pending):
        transaction.on_commit(_BumpOnCommit(tenant_id))


def _key(kind: str, tenant_id: int, queryset: QuerySet) -> str | None:
    """The cache key of ``queryset``'s result under the tenant's data version, or None
    when it makes no query (e.g. ``pk__in=[]``: Django answers without one)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    digest = hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()[:32]
    return f"gam:{kind}:{tenant_id}:{data_version(tenant_id)}:{digest}"


def _through_cache(key_of, compute, what: str):
    """``compute()``, kept under ``key_of()`` (None: not cacheable) for COUNT_CACHE_SECONDS;
    computed without the cache while the cache is down."""
    seconds = settings.COUNT_CACHE_SECONDS
    if current_tenant_id_or_none() is None or not seconds:
        return compute()
    try:
        key = key_of()
        value = cache.get(key) if key is not None else None
    except CACHE_ERRORS:
        log.warning("cache unavailable: %s computed", what)
        return compute()
    if value is None:
        value = compute()
        if key is not None:
            try:
                cache.set(key, value, seconds)
            except CACHE_ERRORS:
                log.warning("cache unavailable: %s not kept", what)
    return value


def _cached(kind: str, queryset: QuerySet, compute):
    return _through_cache(lambda: _key(kind, current_tenant_id_or_none(), queryset), compute, kind)


def cached_for_tenant(name: str, compute):
    """``compute()`` (small, picklable: a tenant's lookups) from the cache while the tenant's
    data has not changed."""

    def key_of() -> str:
        tenant_id = current_tenant_id_or_none()
        return f"gam:{name}:{tenant_id}:{data_version(tenant_id)}"

    return _through_cache(key_of, compute, name)


def cached_count(queryset: QuerySet) -> int:
    """``queryset.count()``, from the cache while the tenant's data has not changed."""
    return _cached("count", queryset, queryset.count)


def cached_rows(queryset: QuerySet) -> list:
    """``list(queryset)`` of a grouped ``values()`` query (a dashboard's figures), from the
    cache while the tenant's data has not changed."""
    return _cached("rows", queryset, lambda: list(queryset))


class CachedCountPaginator(Paginator):
    """Django's paginator with the count from ``cached_count`` for querysets."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return cached_count(self.object_list)
        return super().count
