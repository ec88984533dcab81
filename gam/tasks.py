"""The one way a Celery task enters a tenant: ``tenant_task``.

A task gets the tenant's id as its first argument (never a model instance: the worker reads
fresh rows), enters the tenant scope and calls a service. Every tenant task acknowledges late
and is delivered again when its worker dies, so the services it calls must be idempotent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from celery import shared_task

from gam.tenancy import tenant_context

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
