"""The conflict tasks on a real Celery worker (Redis broker, the test database), started by
the fixture as a subprocess: a scan task produces the conflicts; a worker killed in the
middle of a scan leaves the task unacknowledged, the next worker runs it again, and the end
state is the same conflicts, once each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts.models import Subsidiary
from gam.celery import app
from gam.tenancy import tenant_context
from opportunities.conflicts import detectors
from opportunities.conflicts.models import Conflict, ConflictKind, ScanRun
from opportunities.conflicts.tasks import check_record_conflicts, scan_tenant_conflicts
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """``celery -A gam worker`` on the test database and broker, in its own process group."""

    def __init__(self, broker: str, queue: str) -> None:
        self.broker, self.queue = broker, queue
        self.process: subprocess.Popen | None = None
        self.log = ROOT / f".pytest-celery-worker-{os.getpid()}.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.conflicts.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker,
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "gam",
                "worker",
                "--pool=solo",
                f"--queues={self.queue}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL, as when the machine or the container dies: no cleanup, no ack."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker():
    """A worker on a queue of its own, so parallel test processes (pytest -n) sharing the
    test Redis never take each other's tasks."""
    broker = settings.TEST_REDIS_URL
    queue = f"gam-test-{os.getpid()}"
    client = redis.Redis.from_url(broker)
    client.delete(queue)
    saved = {
        key: app.conf[key]
        for key in (
            "task_always_eager",
            "broker_url",
            "broker_transport_options",
            "task_default_queue",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        broker_transport_options={"visibility_timeout": 3},
        task_default_queue=queue,
    )  # the tests also name the queue when they send: routing may be cached already
    worker = Worker(broker, queue)
    worker.start()
    yield worker
    worker.stop()
    app.conf.update(saved)
    client.delete(queue)
    if worker.log.exists():
        worker.log.unlink()


def wait_for(condition, *, timeout: float = 240, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def keys_expected() -> set[str]:
    return {
        finding.key
        for kind in ConflictKind.values
        for finding in detectors.full_scan_findings(kind)
    }


@pytest.fixture
def acme(db):
    tenant = f.TenantFactory(name="Acme Industrial", slug="acme")
    se = f.CountryFactory(tenant=tenant, code="SE")
    de = f.CountryFactory(tenant=tenant, code="DE")
    return tenant, se, de


def test_tasks_on_a_real_worker_produce_the_conflicts(celery_worker, acme):
    tenant, se, de = acme
    other = f.TenantFactory(slug="globex")
    # one entity entered twice in Sweden; a look-alike beside it
    a = f.SubsidiaryFactory(tenant=tenant, name="Nordic Steel AB", country=se)
    b = f.SubsidiaryFactory(tenant=tenant, name="NORDIC STEEL Aktiebolag", country=se)
    f.SubsidiaryFactory(tenant=tenant, name="Nordic Stone AB", country=se)
    f.SubsidiaryFactory(
        tenant=other, name="Nordic Steel AB", country=f.CountryFactory(tenant=other)
    )
    scan_tenant_conflicts.apply_async([tenant.pk], queue=celery_worker.queue)
    with tenant_context(tenant):
        wait_for(
            lambda: ScanRun.objects.filter(status=ScanRun.Status.FINISHED).exists(),
            what="the scan on the worker",
        )
        (conflict,) = Conflict.objects.all()
        assert {r["id"] for r in conflict.records} == {a.pk, b.pk}
        twin = f.SubsidiaryFactory(tenant=tenant, name="Nordic Steel Aktiebolag", country=se)
    check_record_conflicts.apply_async(
        [tenant.pk, "subsidiary", twin.pk], queue=celery_worker.queue
    )
    with tenant_context(tenant):
        # the check finds the entity entered three times: the finding covers the whole
        # cluster, so the pair's conflict now holds all three records
        def three() -> bool:
            return any(
                {r["id"] for r in c.records} == {a.pk, b.pk, twin.pk}
                for c in Conflict.objects.all()
            )

        wait_for(three, what="the incremental check")
    with tenant_context(other):
        assert not Conflict.objects.exists()  # the tasks stayed in their tenant


def test_a_worker_killed_mid_scan_and_the_rerun_give_the_same_conflicts(celery_worker, acme):
    tenant, se, de = acme
    # Enough findings that the scan writes for a few seconds: 4,000 groups of a Swedish and
    # a German company, in 2 chunks (the brand a word of its own: numbers are no evidence).
    rows = []
    for n in range(4000):
        for country, form in ((se, "AB"), (de, "GmbH")):
            row = Subsidiary(tenant=tenant, name=f"Kunde{n:05d} Teknik {form}", country=country)
            row.set_matching_keys()
            rows.append(row)
    with tenant_context(tenant):
        Subsidiary.objects.bulk_create(rows, batch_size=2000)
        expected = keys_expected()
    assert len(expected) == 4000

    scan_tenant_conflicts.apply_async([tenant.pk], queue=celery_worker.queue)
    with tenant_context(tenant):
        wait_for(lambda: Conflict.objects.exists(), what="the scan to start writing")
        celery_worker.kill()
        written = Conflict.objects.count()
        assert 0 < written < len(expected), "the worker was not killed mid-scan"
        (run,) = ScanRun.objects.all()
        assert run.status == ScanRun.Status.RUNNING  # it died, nobody marked it
    # A new worker gets the unacknowledged task back (visibility timeout) and reruns it.
    celery_worker.start()
    with tenant_context(tenant):
        wait_for(
            lambda: ScanRun.objects.filter(status=ScanRun.Status.FINISHED).exists(),
            timeout=300,
            what="the redelivered scan",
        )
        assert set(Conflict.objects.values_list("key", flat=True)) == expected
        assert ScanRun.objects.count() == 1  # the rerun reused its run
        assert all(
            c.events.filter(action="detected").count() == 1 for c in Conflict.objects.all()[:50]
        )
