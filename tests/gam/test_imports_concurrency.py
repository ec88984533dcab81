"""Applying one import several times at once writes its rows once: the page or API pressed
in several tabs, and the task delivered more than once, race against real PostgreSQL (each
thread on its own connection, tasks eager as in the test settings)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Subsidiary
from gam.imports import services
from gam.imports.tasks import run_import
from gam.models import ImportJob
from gam.tenancy import tenant_context
from tests.gam.test_imports import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 300
RACERS = 3


def _previewed_job(world) -> ImportJob:
    rows = [[f"Parallel {i} AB", "SE", f"5569{i:06d}"] for i in range(ROWS)]
    with tenant_context(world.acme):
        job = services.import_job_create(
            user=world.admin,
            kind="subsidiaries",
            country=None,
            filename="parallel.csv",
            data=csv_bytes(["name", "country", "registration_number"], rows),
        )
        job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and job.summary["create"] == ROWS
    return job


def _race(world, body) -> list[object]:
    """Run ``body()`` in RACERS threads released together; what each returned or raised."""
    barrier = threading.Barrier(RACERS)
    outcomes: list[object] = []

    def racer():
        try:
            with tenant_context(world.acme):
                barrier.wait(timeout=30)
                outcomes.append(body())
        except Exception as exc:  # noqa: BLE001  (the outcome is what the test looks at)
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == RACERS
    return outcomes


def _written(world) -> int:
    with tenant_context(world.acme):
        return Subsidiary.objects.filter(name__startswith="Parallel ").count()


def test_concurrent_applies_write_the_rows_once(world):
    job = _previewed_job(world)

    def apply():
        mine = ImportJob.objects.get(pk=job.pk)  # each tab read the job as "ready to apply"
        return services.import_job_apply(job=mine, user=world.admin)

    outcomes = _race(world, apply)
    assert _written(world) == ROWS
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == RACERS - 1, outcomes
    with tenant_context(world.acme):
        job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["create"] == ROWS


def test_a_task_delivered_several_times_at_once_writes_the_rows_once(world):
    job = _previewed_job(world)
    with tenant_context(world.acme):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)

    outcomes = _race(world, lambda: run_import(world.acme.pk, job.pk, True))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert _written(world) == ROWS
    with tenant_context(world.acme):
        job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.progress == 100
    assert job.summary["create"] == ROWS
