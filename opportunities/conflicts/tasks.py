"""Celery entry points of the duplicate-work detection. Thin: ids in (tenant first), the
tenant scope entered, a service called.

All of them are idempotent (a conflict's key makes a rerun a no-op), acknowledge late and are
redelivered when a worker dies mid-task (``acks_late`` + ``reject_on_worker_lost``), so a
scan killed halfway is simply run again and ends with the same conflicts.

The task names are the ones from before the engine had its own app (``opportunities.tasks.*``):
queued messages, the beat schedule rows stored by django-celery-beat and a running worker of
the previous release keep finding them.
"""

from __future__ import annotations

from celery import shared_task

from gam.models import Tenant
from gam.tasks import RELIABLE, send_task, send_task_on_commit, tenant_task
from opportunities.conflicts.recording import check_record, scan_tenant


@tenant_task(name="opportunities.tasks.check_record_conflicts")
def check_record_conflicts(tenant_id: int, record_type: str, record_id: int) -> None:
    """Incremental check of one saved (or deleted) record's neighbourhood."""
    check_record(record_type=record_type, record_id=record_id)


@tenant_task(bind=True, name="opportunities.tasks.scan_tenant_conflicts")
def scan_tenant_conflicts(self, tenant_id: int) -> None:
    """Full scan of one tenant; a redelivered task reuses its ScanRun row."""
    scan_tenant(task_id=self.request.id or "")


@shared_task(name="opportunities.tasks.scan_all_tenants", **RELIABLE)
def scan_all_tenants() -> None:
    """The periodic entry (settings.CELERY_BEAT_SCHEDULE): one scan task per tenant, so
    tenants scan in parallel on several workers and one tenant's failure stays its own."""
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        send_task(scan_tenant_conflicts, tenant_id)


def scan_after_import(sender, job, created: int, updated: int, **kwargs) -> None:
    """Receiver of gam.imports.signals.import_applied for the kinds that may be duplicate
    work: one scan of the tenant after the apply commits, rather than a check per row."""
    if created or updated:
        send_task_on_commit(scan_tenant_conflicts, job.tenant_id)
