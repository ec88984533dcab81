"""What the apps above the core do when a tenant is created or deleted.

The core creates and deletes tenants (``gam.services``) but imports no app above it: each app
registers its part in its ``AppConfig.ready``: a receiver of ``tenant_created`` (default
stages, ...), its step of the demo seed, and the models whose rows must go before the rows
they protect when a tenant is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.dispatch import Signal

# Sent by ``gam.services.tenant_create`` inside its transaction, with the new tenant in
# context; keyword argument ``tenant``.
tenant_created = Signal()

_purge_steps: list[tuple[int, type[models.Model]]] = []


def register_tenant_purge(*model_classes: type[models.Model], layer: int) -> None:
    """Rows of these models are deleted one by one before their tenant is, higher layers
    first: a sales record protects its customer, so sales (layer 2) goes before customers
    (layer 1). Rows that simply cascade from the tenant need no registration."""
    for model in model_classes:
        if all(existing is not model for _, existing in _purge_steps):
            _purge_steps.append((layer, model))


def tenant_purge_order() -> list[type[models.Model]]:
    """Registered models, highest layer first, in registration order within a layer."""
    return [model for _, model in sorted(_purge_steps, key=lambda step: -step[0])]


_demo_steps: list[tuple[int, Callable[[Any], None]]] = []


def register_demo_seed(step: Callable[[Any], None], *, layer: int) -> None:
    """``seed_demo`` calls ``step(ctx)`` (a ``gam.seed.DemoContext``) inside the demo tenant,
    lower layers first: customers before the sales at them, sales before the plans and the
    conflict scan that read them."""
    if all(existing is not step for _, existing in _demo_steps):
        _demo_steps.append((layer, step))


def demo_seed_steps() -> list[Callable[[Any], None]]:
    return [step for _, step in sorted(_demo_steps, key=lambda item: item[0])]
