"""The one way a Celery task enters a tenant: ``tenant_task``.

A task gets the tenant's id as its first argument (never a model instance: the worker reads
fresh rows), enters the tenant scope and calls a service. Every tenant task acknowledges late
and is delivered again when its worker dies, so the services it calls must be idempotent.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from celery import current_app, shared_task
from django.db import DatabaseError, transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from gam.models import UnsentTask
from gam.tenancy import tenant_context

log = logging.getLogger(__name__)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


def tenant_task(func: Callable[..., Any] | None = None, *, bind: bool = False, **options: Any):
    """``@tenant_task`` / ``@tenant_task(bind=True)``: a shared task whose first argument (after
    ``self`` when bound) is the tenant id, run inside that tenant's scope."""

    def decorate(body: Callable[..., Any]):
        if bind:

            @functools.wraps(body)
            def bound(self, tenant_id: int, *args: Any, **kwargs: Any) -> Any:
                with tenant_context(tenant_id):
                    return body(self, tenant_id, *args, **kwargs)

            return shared_task(bind=True, **{**RELIABLE, **options})(bound)

        @functools.wraps(body)
        def run(tenant_id: int, *args: Any, **kwargs: Any) -> Any:
            with tenant_context(tenant_id):
                return body(tenant_id, *args, **kwargs)

        return shared_task(**{**RELIABLE, **options})(run)

    return decorate(func) if func is not None else decorate


# The broker down must not fail the request that queues a task: its write is committed. A
# few quick tries, then the task is kept in the database (UnsentTask) and queued by
# ``send_unsent_tasks`` once the broker is back.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
BROKER_ERRORS = (OperationalError, RedisError, OSError)


def send_task(task, *args: Any) -> bool:
    """``task.delay(*args)``; when the broker is unreachable, logged and kept to be sent
    later instead of raised. True when it was queued now."""
    try:
        task.apply_async(args, retry_policy=PUBLISH_RETRY)
    except BROKER_ERRORS as exc:
        log.warning("task %s%r not queued (broker unavailable): %s", task.name, args, exc)
        keep_unsent(task.name, args)
        return False
    return True


def send_task_on_commit(task, *args: Any) -> None:
    """``send_task`` once the current transaction commits (the worker must see its rows)."""
    transaction.on_commit(lambda: send_task(task, *args))


def keep_unsent(name: str, args: tuple | list) -> None:
    payload = json.dumps([name, list(args)], sort_keys=True, default=str)
    key = hashlib.sha256(payload.encode()).hexdigest()
    try:
        with transaction.atomic():
            UnsentTask.objects.get_or_create(key=key, defaults={"task": name, "args": list(args)})
    except DatabaseError:
        log.exception("task %s%r lost: neither queued nor kept", name, tuple(args))


@shared_task(name="gam.tasks.send_unsent_tasks", **RELIABLE)
def send_unsent_tasks(batch: int = 500) -> int:
    """Queue the tasks kept while the broker was down (Celery beat, every minute), oldest
    first; stops at the first that still cannot be queued. Returns how many were queued."""
    sent = 0
    while True:
        with transaction.atomic():
            # skip_locked: two runs at once each take their own rows, none is sent twice.
            rows = list(UnsentTask.objects.select_for_update(skip_locked=True)[:batch])
            queued = []
            for row in rows:
                try:
                    current_app.send_task(row.task, args=row.args, retry_policy=PUBLISH_RETRY)
                except BROKER_ERRORS as exc:
                    log.warning("unsent tasks: broker still unavailable: %s", exc)
                    break
                queued.append(row.pk)
            UnsentTask.objects.filter(pk__in=queued).delete()
        sent += len(queued)
        if len(queued) < batch:
            return sent
