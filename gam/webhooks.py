"""Webhooks: a tenant admin registers HTTPS endpoints for events; each event becomes one
delivery per subscribed endpoint, sent by a Celery task after the transaction commits, signed
and retried with back-off, and logged (``WebhookDelivery``).

Signature: ``X-GAM-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
endpoint's secret; the receiver recomputes it and refuses a timestamp older than a few
minutes (replay). Targets must be HTTPS on a public address: private, loopback, link-local
and reserved addresses are refused when registering and again at each send (the name may
resolve elsewhere by then).

What a payload holds: the tenant's own records only, by id and a few fields, and only for
endpoints whose owner is an active tenant admin (who may see every record of the tenant).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from gam.models import WebhookDelivery, WebhookEndpoint
from gam.signals import record_changed
from gam.tasks import send_task_on_commit, tenant_task
from gam.tenancy import current_tenant_id_or_none, tenant_context

EVENTS = (
    "conflict.detected",
    "subsidiary.changed",
    "opportunity.changed",
    "campaign.changed",
    "framework_agreement.changed",
)
SIGNATURE_HEADER = "X-GAM-Signature"
TIMEOUT_SECONDS = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now=None) -> bool:
    """What a receiver does (also the README's example): recompute and compare, and refuse
    a signature older than ``tolerance`` seconds."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def check_target(url: str) -> None:
    """A ValidationError unless ``url`` is HTTPS on public addresses only."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError({"url": ["Use an https:// address."]})
    if not parts.hostname:
        raise ValidationError({"url": ["Enter a full address with a host name."]})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": ["This host name does not resolve."]}) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global and not allow_private:
            raise ValidationError(
                {"url": [f"{parts.hostname} is a private or reserved address ({address})."]}
            )


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): base x 4^(attempt-1)."""
    return timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 4 ** (attempt - 1))


def emit(event: str, data: dict) -> list[WebhookDelivery]:
    """Log one delivery per active endpoint of the current tenant subscribed to ``event``
    and send them once the caller's transaction commits."""
    tenant_id = current_tenant_id_or_none()
    if tenant_id is None:
        return []
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(active=True).select_related("created_by")
        if event in e.events and _owner_may_see_all(e)
    ]
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            payload={"event": event, "occurred_at": timezone.now().isoformat(), "data": data},
        )
        for endpoint in endpoints
    ]
    for delivery in deliveries:
        send_task_on_commit(deliver, tenant_id, delivery.pk)
    return deliveries


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """The same payload, sent again as a new delivery (the log keeps both)."""
    again = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        event=delivery.event,
        payload=delivery.payload,
        replay_of=delivery,
    )
    tenant_id = again.tenant_id
    send_task_on_commit(deliver, tenant_id, again.pk)
    return again


def _owner_may_see_all(endpoint: WebhookEndpoint) -> bool:
    owner = endpoint.created_by
    return bool(owner and owner.is_active and owner.is_tenant_admin)


def send_once(delivery: WebhookDelivery) -> bool:
    """One attempt; the outcome is written on the delivery. True when the receiver
    answered 2xx."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
    delivery.attempts += 1
    delivery.response_status = None
    try:
        if not endpoint.active or not _owner_may_see_all(endpoint):
            raise ValidationError("The endpoint is inactive or its owner no longer an admin.")
        check_target(endpoint.url)
        request = urllib.request.Request(
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "GAM-Webhooks/1",
                "X-GAM-Event": delivery.event,
                "X-GAM-Delivery": str(delivery.pk),
                SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
            },
        )
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:
            delivery.response_status = response.status
        ok = 200 <= delivery.response_status < 300
        delivery.error = "" if ok else f"HTTP {delivery.response_status}"
    except urllib.error.HTTPError as exc:
        delivery.response_status, delivery.error, ok = exc.code, f"HTTP {exc.code}", False
    except (urllib.error.URLError, OSError, ValidationError) as exc:
        delivery.error, ok = str(getattr(exc, "reason", exc))[:500], False
    if ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save()
    return ok


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to a private address after the check: not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirect)


@tenant_task
def deliver(tenant_id: int, delivery_id: int) -> None:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__created_by")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .first()
    )
    if delivery is None:  # delivered or failed already (a redelivered task)
        return
    if not send_once(delivery) and delivery.status == WebhookDelivery.Status.PENDING:
        wait = backoff(delivery.attempts)
        deliver.apply_async((tenant_id, delivery_id), countdown=wait.total_seconds())


# --- events ---------------------------------------------------------------------------------


@receiver(record_changed)
def _record_changed(sender, tenant_id, record_type, record_id, **kwargs):
    event = f"{record_type}.changed"
    if event in EVENTS:
        with tenant_context(tenant_id):
            emit(event, {"type": record_type, "id": record_id})


@receiver(post_save, sender="conflicts.Conflict")
def _conflict_saved(sender, instance, created, **kwargs):
    # By the app label: the core layer does not import the conflict engine.
    if created:
        with tenant_context(instance.tenant_id):
            emit(
                "conflict.detected",
                {
                    "id": instance.pk,
                    "kind": instance.kind,
                    "global_account": instance.global_account_id,
                    "countries": list(instance.countries or []),
                    "records": list(instance.records or []),
                },
            )
