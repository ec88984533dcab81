"""Celery entry point of the importer (gam/imports/services.py): ids in, tenant scope
entered, the service called. Acknowledged late: a job whose worker died is run again, and a
finished job is left alone, so a redelivery never writes twice."""

from __future__ import annotations

from gam.tasks import tenant_task


@tenant_task
def run_import(tenant_id: int, job_id: int, apply: bool = False) -> None:
    from gam.imports import services as import_services

    import_services.import_run(job_id=job_id, apply=apply)
