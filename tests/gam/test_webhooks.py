"""Webhooks against a real local HTTP receiver: a delivery is signed (HMAC of the timestamped
body with the endpoint's secret), a failing receiver is retried with back-off and then the
delivery is marked failed, a replay sends again, private addresses are refused as targets,
and an endpoint never gets another tenant's events or any event once its owner is no longer
a tenant admin."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from gam import webhooks
from gam.models import WebhookDelivery
from gam.tenancy import tenant_context
from opportunities.conflicts.models import ConflictKind
from tests.conflicts.conflict_world import make_conflict

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers ``status``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append({"headers": headers, "body": body})
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def local_targets():
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_MAX_ATTEMPTS=3):
        yield


def _register(api, world, url, events=("subsidiary.changed", "conflict.detected")):
    response = api(world.admin).post(
        "/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _new_subsidiary(api, user, name, commit):
    with commit(execute=True):
        response = api(user).post(
            "/api/v1/subsidiaries/", {"name": name, "country": "SE"}, format="json"
        )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_delivery_is_signed_and_logged(
    world, api, receiver, local_targets, django_capture_on_commit_callbacks
):
    endpoint = _register(api, world, receiver.url)
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in api(world.admin).get(f"/api/v1/webhooks/{endpoint['id']}/").json()
    made = _new_subsidiary(api, world.rep, "Fjord Marine AB", django_capture_on_commit_callbacks)
    (request,) = receiver.requests
    header = request["headers"][webhooks.SIGNATURE_HEADER.lower()]
    assert webhooks.verify(secret, header, request["body"])
    assert not webhooks.verify(secret, header, request["body"] + b" ")
    assert not webhooks.verify("whsec_other", header, request["body"])
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert not webhooks.verify(secret, header, request["body"], now=timestamp + 3600)
    payload = json.loads(request["body"])
    assert payload["event"] == "subsidiary.changed"
    assert payload["data"] == {"type": "subsidiary", "id": made["id"]}
    assert request["headers"]["x-gam-event"] == "subsidiary.changed"
    log = api(world.admin).get("/api/v1/webhook-deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("delivered", 1, 200)
    ]


def test_a_failing_receiver_is_retried_with_back_off_then_marked_failed(
    world, api, receiver, local_targets, django_capture_on_commit_callbacks
):
    _register(api, world, receiver.url)
    receiver.status = 500
    _new_subsidiary(api, world.rep, "Fjord Marine AB", django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3  # WEBHOOK_MAX_ATTEMPTS
    with tenant_context(world.acme):
        delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, delivery.response_status) == (3, 500)
    assert delivery.error == "HTTP 500"
    assert [webhooks.backoff(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=120),
        timedelta(seconds=480),
    ]


def test_a_replay_sends_the_same_payload_again(
    world, api, receiver, local_targets, django_capture_on_commit_callbacks
):
    _register(api, world, receiver.url)
    receiver.status = 503
    _new_subsidiary(api, world.rep, "Fjord Marine AB", django_capture_on_commit_callbacks)
    receiver.status = 200
    with tenant_context(world.acme):
        failed = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.admin).post(f"/api/v1/webhook-deliveries/{failed.pk}/replay/")
    assert response.status_code == 202, response.content
    assert len(receiver.requests) == 4
    assert receiver.requests[-1]["body"] == receiver.requests[0]["body"]
    again = api(world.admin).get(f"/api/v1/webhook-deliveries/{response.json()['id']}/").json()
    assert (again["status"], again["replay_of"]) == ("delivered", failed.pk)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "http://example.com/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_addresses_and_plain_http_are_refused(world, api, url):
    response = api(world.admin).post(
        "/api/v1/webhooks/", {"url": url, "events": ["conflict.detected"]}, format="json"
    )
    assert response.status_code == 400, (url, response.content)
    assert "url" in response.json()


def test_an_address_that_became_private_is_not_called(
    world, api, receiver, django_capture_on_commit_callbacks
):
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):
        _register(api, world, receiver.url)
    _new_subsidiary(api, world.rep, "Fjord Marine AB", django_capture_on_commit_callbacks)
    assert receiver.requests == []
    with tenant_context(world.acme):
        delivery = WebhookDelivery.objects.get()
    assert "private" in delivery.error or "https" in delivery.error


def test_only_the_tenants_own_events_and_only_for_an_admin_owner(
    world, api, receiver, local_targets, django_capture_on_commit_callbacks, in_tenant
):
    _register(api, world, receiver.url)
    _new_subsidiary(api, world.other_admin, "Initech Nordic AB", django_capture_on_commit_callbacks)
    assert receiver.requests == []
    with in_tenant(world.acme):
        conflict = make_conflict(
            ConflictKind.DUPLICATE_CUSTOMER,
            [("subsidiary", world.sub_se), ("subsidiary", world.local_customer)],
            global_account=world.account,
            countries=["SE"],
        )
    # (the conflict is created inside the test transaction: send its delivery by hand)
    with in_tenant(world.acme):
        delivery = WebhookDelivery.objects.get(event="conflict.detected")
        assert webhooks.send_once(delivery)
    body = json.loads(receiver.requests[-1]["body"])
    assert body["data"]["id"] == conflict.pk and body["data"]["kind"] == "duplicate_customer"
    world.admin.is_tenant_admin = False
    world.admin.save()
    _new_subsidiary(api, world.rep, "Fjord Marine AB", django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("role", ["gam", "rep"])
def test_only_tenant_admins_manage_webhooks(world, api, role):
    client = api(getattr(world, role))
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert client.get("/api/v1/webhook-deliveries/").status_code == 403
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "https://example.com/hook", "events": ["conflict.detected"]},
        format="json",
    )
    assert response.status_code == 403
