"""The import task on a real Celery worker (Redis broker, the test database): the page's
dry run and apply run in the worker, the job's progress is polled like the page does, and
the rows land once. Uses the worker fixture of tests/conflicts/test_conflicts_worker.py."""

from __future__ import annotations

import pytest

from accounts.models import Subsidiary
from gam.imports import services
from gam.models import ImportJob
from gam.tenancy import tenant_context
from tests import factories as f
from tests.conflicts.test_conflicts_worker import celery_worker, wait_for  # noqa: F401
from tests.gam.test_imports import csv_bytes

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_import_on_a_real_worker(celery_worker):  # noqa: F811
    tenant = f.TenantFactory(slug="acme")
    f.CountryFactory(tenant=tenant, code="SE")
    admin = f.UserFactory(tenant=tenant, is_tenant_admin=True)
    rows = [[f"Worker Firma {i} AB", "SE", f"5561{i:06d}"] for i in range(1200)]
    data = csv_bytes(["name", "country", "registration_number"], rows)
    with tenant_context(tenant):
        job = services.import_job_create(
            user=admin, kind="subsidiaries", country=None, filename="big.csv", data=data
        )
    seen = set()

    def status():
        with tenant_context(tenant):
            current = ImportJob.objects.values("status", "progress").get(pk=job.pk)
        seen.add(current["progress"])
        return current["status"]

    wait_for(lambda: status() == ImportJob.Status.PREVIEW, what="the dry run")
    with tenant_context(tenant):
        assert Subsidiary.objects.count() == 0
        job.refresh_from_db()
        assert job.summary["create"] == 1200
        services.import_job_apply(job=job, user=admin)
    wait_for(lambda: status() == ImportJob.Status.DONE, what="the apply")
    with tenant_context(tenant):
        assert Subsidiary.objects.filter(name__startswith="Worker Firma").count() == 1200
    assert 100 in seen
