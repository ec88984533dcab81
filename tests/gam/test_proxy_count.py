"""The client's address for rate limits and the login lockout: ``REMOTE_ADDR`` unless the
deployment says how many proxies in front of it append to ``X-Forwarded-For``
(``PROXY_COUNT``, default none trusted). A client rotating the header gets no fresh budget."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings


@pytest.fixture
def small_rates():
    cache.clear()
    rates = {"anon": "3/min", "user": "5/min", "login": "3/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        yield
    cache.clear()


def _token_attempts(api, forwarded_for, n=6):
    client = api()
    return [
        client.post(
            "/api/v1/auth/token/",
            {"email": f"x{i}@acme.test", "password": "y"},  # not the per-email lockout
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded_for(i),
            REMOTE_ADDR="198.51.100.7",
        ).status_code
        for i in range(n)
    ]


def test_rotating_forwarded_for_is_throttled_by_default(world, api, small_rates):
    statuses = _token_attempts(api, lambda i: f"203.0.113.{i}")
    assert statuses.count(429) >= 3, statuses


def test_behind_one_proxy_the_address_it_saw_counts(world, api, small_rates):
    with override_settings(PROXY_COUNT=1):
        # What the client puts in front of the proxy's entry changes nothing.
        statuses = _token_attempts(api, lambda i: f"203.0.113.{i}, 192.0.2.10")
        assert statuses.count(429) >= 3, statuses
        # Another client behind the same proxy has its own budget.
        other = _token_attempts(api, lambda i: "192.0.2.11", n=1)
        assert other == [400]


def test_login_lockout_is_not_escaped_by_rotating_the_header(world, client):
    for i in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            "/login/",
            {"username": world.admin.email, "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    assert response.status_code == 429
