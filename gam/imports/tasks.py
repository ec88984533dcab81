"""Celery entry point of the import engine: ids in, the tenant entered (gam.tasks), the
runner called. Acknowledged late: a job whose worker died is run again, and a step that
already ran is left alone (gam/imports/runner.py), so a redelivery never writes twice."""

from __future__ import annotations

from gam.imports import runner
from gam.tasks import tenant_task


@tenant_task
def run_import(tenant_id: int, job_id: int, apply: bool = False) -> None:
    runner.import_run(job_id=job_id, apply=apply)
