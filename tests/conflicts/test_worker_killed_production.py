"""A worker SIGKILLed mid-scan under the *production* settings (gam.settings.production, Redis
broker of the test's own): the unacknowledged scan comes back within the visibility timeout
the deployment sets, a new worker reruns it to the same conflicts; and a "running" scan whose
worker died is shown as stalled, may be started again and is taken over, after a bounded
time rather than hours."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from kombu import pools as kombu_pools

from accounts.models import Subsidiary
from gam.celery import app
from gam.tenancy import tenant_context
from opportunities.conflicts import detectors
from opportunities.conflicts.models import Conflict, ConflictKind, ScanRun
from opportunities.conflicts.tasks import scan_tenant_conflicts
from tests import factories as f
from tests.conflicts.test_conflicts_worker import database_url, wait_for
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_SECONDS = 4


class ProductionWorker:
    """``celery -A gam worker`` as the image runs it, with the production settings."""

    def __init__(self, broker: str) -> None:
        self.broker = broker
        self.process: subprocess.Popen | None = None
        self.log = ROOT / f".pytest-prod-worker-{os.getpid()}.log"

    def start(self) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "gam.settings.production",
            "SECRET_KEY": "worker-" + "x" * 50,
            "ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.broker,
            "CELERY_BROKER_URL": self.broker,
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "gam", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill_main_process(self) -> None:
        """SIGKILL of the worker's main process only, as the OOM killer does."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log.exists():
            self.log.unlink()


@pytest.fixture
def production_worker():
    server = RedisServer()
    server.start()
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "broker_write_url")}
    app.conf.update(task_always_eager=False, broker_url=server.url, broker_write_url=None)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    worker = ProductionWorker(server.url)
    worker.start()
    yield worker
    worker.stop()
    app.conf.update(saved)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu's process-wide pools keep the closed ones: later tests would reuse them.
    kombu_pools.reset()
    server.cleanup()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_scan_killed_with_sigkill_is_redelivered_under_production_settings(production_worker):
    tenant = f.TenantFactory(slug="acme")
    se = f.CountryFactory(tenant=tenant, code="SE")
    de = f.CountryFactory(tenant=tenant, code="DE")
    rows = []
    for n in range(4000):
        for country, form in ((se, "AB"), (de, "GmbH")):
            row = Subsidiary(tenant=tenant, name=f"Kunde {n:05d} Teknik {form}", country=country)
            row.set_matching_keys()
            rows.append(row)
    with tenant_context(tenant):
        Subsidiary.objects.bulk_create(rows, batch_size=2000)
        expected = {
            finding.key
            for kind in ConflictKind.values
            for finding in detectors.full_scan_findings(kind)
        }
    scan_tenant_conflicts.delay(tenant.pk)
    with tenant_context(tenant):
        wait_for(lambda: Conflict.objects.exists(), what="the scan to start writing")
        production_worker.kill_main_process()
        assert 0 < Conflict.objects.count() < len(expected), "not killed mid-scan"
        assert ScanRun.objects.get().status == ScanRun.Status.RUNNING
    killed_at = time.monotonic()
    production_worker.start()
    with tenant_context(tenant):
        wait_for(
            lambda: ScanRun.objects.filter(status=ScanRun.Status.FINISHED).exists(),
            timeout=150,
            what="the redelivered scan (visibility timeout of the production settings)",
        )
        assert set(Conflict.objects.values_list("key", flat=True)) == expected
        assert ScanRun.objects.count() == 1
    # the visibility timeout plus one restore period of kombu, not kombu's default hour
    assert time.monotonic() - killed_at < 120


def test_production_settings_bound_redelivery_and_stale_scans(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k3y-" + "x7Qp9" * 12)
    monkeypatch.setenv("ALLOWED_HOSTS", "gam.example.com")
    monkeypatch.delenv("CELERY_VISIBILITY_TIMEOUT_SECONDS", raising=False)
    production = importlib.reload(importlib.import_module("gam.settings.production"))
    options = production.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] <= 15 * 60
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 60
    assert production.CELERY_TASK_ACKS_LATE and production.CELERY_TASK_REJECT_ON_WORKER_LOST
    stale = timedelta(minutes=production.CONFLICT_SCAN_STALE_MINUTES)
    assert timedelta(seconds=options["visibility_timeout"]) < stale <= timedelta(minutes=30)


@pytest.mark.django_db
def test_a_stale_running_scan_is_taken_over(world, client, django_capture_on_commit_callbacks):
    """A run left "running" by a dead worker: past the bound the page offers the scan again
    and the next scan marks the dead one failed."""
    stale_after = timedelta(minutes=settings.CONFLICT_SCAN_STALE_MINUTES)
    with tenant_context(world.acme):
        dead = ScanRun.objects.create(task_id="dead", status=ScanRun.Status.RUNNING)
        ScanRun.objects.filter(pk=dead.pk).update(
            started_at=timezone.now() - stale_after + timedelta(minutes=1)
        )
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post("/conflicts/scan/")
    assert queued == []  # not stale yet: refused, "a scan is already running"
    with tenant_context(world.acme):
        ScanRun.objects.filter(pk=dead.pk).update(
            started_at=timezone.now() - stale_after - timedelta(minutes=1)
        )
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post("/conflicts/scan/")
    assert queued  # the scan was queued (and ran)
    with tenant_context(world.acme):
        dead.refresh_from_db()
        assert dead.status == ScanRun.Status.FAILED
        assert ScanRun.objects.filter(status=ScanRun.Status.FINISHED).count() == 1
