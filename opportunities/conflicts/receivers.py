"""The conflict engine's hooks into the lower layers (connected by ``ConflictsConfig.ready``):
a changed record queues its incremental check, an import queues one scan of the tenant."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from gam.signals import record_changed, records_imported
from opportunities.conflicts.queue import queue_conflict_check
from opportunities.conflicts.tasks import scan_tenant_conflicts


@receiver(record_changed, dispatch_uid="conflicts.queue_check")
def queue_check(sender, *, tenant_id: int, record_type: str, record_id: int, **kwargs) -> None:
    queue_conflict_check(tenant_id=tenant_id, record_type=record_type, record_id=record_id)


@receiver(records_imported, dispatch_uid="conflicts.queue_scan")
def queue_scan(sender, *, tenant_id: int, **kwargs) -> None:
    """New customers and opportunities may be duplicate work: one scan of the tenant rather
    than a check per imported row."""
    transaction.on_commit(lambda: scan_tenant_conflicts.delay(tenant_id))
