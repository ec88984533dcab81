"""Celery entry points of the duplicate-work detection. Thin: ids in, tenant scope entered,
a service called. All are idempotent (the conflict key makes a rerun a no-op), acknowledge
late and are requeued when a worker dies mid-task, so a killed scan is simply run again."""

from __future__ import annotations

from celery import shared_task

from gam.tenancy import tenant_context


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def check_record_conflicts(tenant_id: int, record_type: str, record_id: int) -> None:
    """Incremental check of one saved record's neighbourhood."""
    from opportunities import conflicts

    with tenant_context(tenant_id):
        conflicts.check_record(record_type=record_type, record_id=record_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def scan_tenant_conflicts(tenant_id: int) -> None:
    """Full scan of one tenant."""
    from opportunities import conflicts

    with tenant_context(tenant_id):
        conflicts.scan_tenant()


@shared_task(acks_late=True, ignore_result=True)
def scan_all_tenants() -> None:
    """Periodic entry (Celery beat): one scan task per active tenant."""
    from gam.models import Tenant

    for tenant_id in Tenant.objects.values_list("pk", flat=True).order_by("pk"):
        scan_tenant_conflicts.delay(tenant_id)
