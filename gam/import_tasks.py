"""Celery entry point of the importer (gam/import_services.py): ids in, tenant scope
entered, the service called. Acknowledged late: a job whose worker died is run again, and a
finished job is left alone, so a redelivery never writes twice."""

from __future__ import annotations

from celery import shared_task

from gam.tenancy import tenant_context


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(tenant_id: int, job_id: int, apply: bool = False) -> None:
    from gam import import_services

    with tenant_context(tenant_id):
        import_services.import_run(job_id=job_id, apply=apply)
