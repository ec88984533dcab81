"""Redis is needed for tasks, not for serving. With the production cache and session settings
on a redis-server of the test's own, the test logs in (page and token) and then kills that
Redis: the API, the token endpoint, the login page, the pages of the existing session and a
write all keep answering (throttles and counts fail open with a logged warning; the session
is read from the database), quickly; a task that cannot be queued is logged, not a 500."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from kombu import pools as kombu_pools
from redis import Redis

from accounts.models import Subsidiary
from gam.celery import app
from gam.models import ImportJob, UnsentTask
from gam.settings.base import cache_settings
from gam.tasks import send_unsent_tasks
from gam.tenancy import tenant_context
from tests.factories import PASSWORD
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


def _new_broker_connections():
    """Celery keeps its producer pool: drop it so the next task uses the broker set now."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu's process-wide pools keep the closed ones under the same broker: the tests that
    # run after this one in the process would get "Acquire on closed pool".
    kombu_pools.reset()


@pytest.fixture
def production_cache(redis_server):
    """The cache, sessions and broker of production, on the test's own Redis."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_write_url")}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False, broker_write_url=None)
    _new_broker_connections()
    with override_settings(
        CACHES=cache_settings(redis_server.url),
        SESSION_ENGINE="gam.sessions",
    ):
        yield redis_server
    app.conf.update(saved)
    _new_broker_connections()


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def test_serving_goes_on_with_redis_killed(world, production_cache, client, api, caplog):
    w = world
    # Logged in while Redis is up: the session is in the cache (and the database).
    response = client.post("/login/", {"username": w.gam.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/customers/").status_code == 200
    token = api().post(
        "/api/v1/auth/token/", {"email": w.gam.email, "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200
    key = token.json()["token"]

    production_cache.stop()
    caplog.set_level(logging.WARNING)

    checks = {
        "page of the session": lambda: client.get("/customers/"),
        "detail page": lambda: client.get(f"/customers/{w.sub_se.pk}/"),
        "login page": lambda: api().get("/login/"),
        "token endpoint": lambda: api().post(
            "/api/v1/auth/token/", {"email": w.gam.email, "password": PASSWORD}, format="json"
        ),
        "API list": lambda: api().get("/api/v1/subsidiaries/", HTTP_AUTHORIZATION=f"Token {key}"),
        "API write": lambda: api().patch(
            f"/api/v1/subsidiaries/{w.sub_se.pk}/",
            {"address": "Storgatan 1"},
            format="json",
            HTTP_AUTHORIZATION=f"Token {key}",
        ),
    }
    for name, call in checks.items():
        response, seconds = _timed(call)
        assert response.status_code == 200, (name, response.status_code)
        assert seconds < 5, (name, seconds)
    with tenant_context(w.acme):
        assert Subsidiary.objects.get(pk=w.sub_se.pk).address == "Storgatan 1"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("cache unavailable" in m for m in warnings), warnings
    assert any("not queued" in m for m in warnings), warnings

    # Redis back: the cache is used again (a throttle counter is written) and tasks are
    # queued again.
    production_cache.start()
    time.sleep(1.1)  # past the pause after a failure
    response = api().get("/api/v1/subsidiaries/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    redis = cache._cache.get_client()
    assert any(k.startswith(b":1:throttle_user") for k in redis.keys("*"))
    # and a write queues its task again
    response = api().patch(
        f"/api/v1/subsidiaries/{w.sub_se.pk}/",
        {"address": "Storgatan 2"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200
    assert redis.llen("celery") == 1


def test_tasks_that_cannot_be_queued_are_kept_and_queued_when_redis_is_back(
    world, production_cache, client, api, caplog
):
    """ "Scan now" and an import upload with the broker down: no 500, the user is told, the
    tasks are kept (once each, however often asked) and queued when Redis is back."""
    w = world
    assert client.post("/login/", {"username": w.admin.email, "password": PASSWORD}).status_code
    production_cache.stop()
    caplog.set_level(logging.WARNING)

    for _ in range(2):
        response = client.post("/conflicts/scan/", follow=True)
        assert response.status_code == 200
        assert "the scan starts as soon as it is back" in response.content.decode()
    upload = api(w.admin).post(
        "/api/v1/imports/",
        {"kind": "subsidiaries", "country": "DE", "file": _csv(b"name\nKept GmbH\n")},
        format="multipart",
    )
    assert upload.status_code == 202, upload.content
    job_id = upload.json()["id"]
    kept = list(UnsentTask.objects.values_list("task", "args"))
    assert sorted(kept) == [
        ("gam.imports.tasks.run_import", [w.acme.pk, job_id, False]),
        ("opportunities.tasks.scan_tenant_conflicts", [w.acme.pk]),
    ]
    # Still down: nothing is lost by a try.
    assert send_unsent_tasks() == 0
    assert UnsentTask.objects.count() == 2

    production_cache.start()
    _new_broker_connections()
    assert send_unsent_tasks() == 2
    assert not UnsentTask.objects.exists()
    redis = Redis.from_url(production_cache.url)
    queued = [json.loads(m)["headers"]["task"] for m in redis.lrange("celery", 0, -1)]
    assert sorted(queued) == [
        "gam.imports.tasks.run_import",
        "opportunities.tasks.scan_tenant_conflicts",
    ]
    with tenant_context(w.acme):
        assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.QUEUED


def _csv(data: bytes):
    return SimpleUploadedFile("s.csv", data, content_type="text/csv")
