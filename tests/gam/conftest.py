"""Fixtures of the import tests (tests/gam/test_import*.py)."""

from __future__ import annotations

import pytest

from gam.imports import services
from gam.tenancy import tenant_context


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """run_import(user, kind, data) -> the job after its (eager) dry run, or its apply."""

    def run(user, kind, data, *, filename="rows.csv", country=None, dry_run=True):
        with tenant_context(user.tenant_id), django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(
                user=user,
                kind=kind,
                country=country,
                filename=filename,
                data=data,
                dry_run=dry_run,
            )
        with tenant_context(user.tenant_id):
            job.refresh_from_db()
        return job

    return run


@pytest.fixture
def apply_job(django_capture_on_commit_callbacks):
    def apply(job):
        with tenant_context(job.tenant_id), django_capture_on_commit_callbacks(execute=True):
            services.import_job_apply(job=job, user=job.created_by)
        with tenant_context(job.tenant_id):
            job.refresh_from_db()
        return job

    return apply
