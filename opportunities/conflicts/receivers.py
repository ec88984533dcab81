"""The conflict engine's hooks into the lower layers (connected by ``ConflictsConfig.ready``):
a changed record queues its incremental check; an import of customers or opportunities
queues one scan of the tenant (``tasks.scan_after_import``, connected there too)."""

from __future__ import annotations

from django.dispatch import receiver

from gam.signals import record_changed
from opportunities.conflicts.queue import queue_conflict_check


@receiver(record_changed, dispatch_uid="conflicts.queue_check")
def queue_check(sender, *, tenant_id: int, record_type: str, record_id: int, **kwargs) -> None:
    queue_conflict_check(tenant_id=tenant_id, record_type=record_type, record_id=record_id)
