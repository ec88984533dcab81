"""The one way a Celery task enters a tenant: ``tenant_task``.

A task gets the tenant's id as its first argument (never a model instance: the worker reads
fresh rows), enters the tenant scope and calls a service. Every tenant task acknowledges late
and is delivered again when its worker dies, so the services it calls must be idempotent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

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
# few quick tries, then the task is dropped with a warning; what it would have done is done
# again by the periodic full scan once the broker is back.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def send_task(task, *args: Any) -> bool:
    """``task.delay(*args)``, logged instead of raised when the broker is unreachable."""
    try:
        task.apply_async(args, retry_policy=PUBLISH_RETRY)
    except (OperationalError, RedisError, OSError) as exc:
        log.warning("task %s%r not queued (broker unavailable): %s", task.name, args, exc)
        return False
    return True


def send_task_on_commit(task, *args: Any) -> None:
    """``send_task`` once the current transaction commits (the worker must see its rows)."""
    transaction.on_commit(lambda: send_task(task, *args))
