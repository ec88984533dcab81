"""Hardening: deployment checks, login lockout, CSP, API rate limits, password rules."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.template.utils import get_app_template_dirs
from django.test import override_settings

from gam.models import User
from tests.factories import PASSWORD

# Settings whose production values cannot be swapped into a running test process (they
# are the same modules and apps as in the suite anyway).
_NOT_OVERRIDABLE = {"DATABASES", "INSTALLED_APPS", "MIDDLEWARE", "TEMPLATES", "CACHES"}


def _production_settings(monkeypatch) -> dict:
    """The settings the production module sets differently from the test settings."""
    monkeypatch.setenv("SECRET_KEY", "k3y-" + "x7Qp9" * 12)
    monkeypatch.setenv("ALLOWED_HOSTS", "gam.example.com")
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set for the browser tests
    module = importlib.reload(importlib.import_module("gam.settings.production"))
    assert module.DEBUG is False
    assert module.SESSION_COOKIE_SECURE and module.CSRF_COOKIE_SECURE
    assert module.SECURE_HSTS_SECONDS >= 31536000 and module.SECURE_SSL_REDIRECT
    return {
        name: getattr(module, name)
        for name in dir(module)
        if name.isupper()
        and name not in _NOT_OVERRIDABLE
        and getattr(settings, name, object()) != getattr(module, name)
    }


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings(monkeypatch):
    values = _production_settings(monkeypatch)
    with override_settings(**values):
        messages = checks.run_checks(include_deployment_checks=True)
    problems = [m for m in messages if m.level >= checks.WARNING and not m.is_silenced()]
    assert problems == []


def test_production_refuses_to_start_without_a_secret_or_hosts(monkeypatch):
    from gam.settings.env import ImproperEnvValue

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperEnvValue, match="SECRET_KEY"):
        importlib.reload(importlib.import_module("gam.settings.production"))
    monkeypatch.setenv("SECRET_KEY", "k3y-" + "x7Qp9" * 12)
    monkeypatch.setenv("ALLOWED_HOSTS", "")
    with pytest.raises(ImproperEnvValue, match="ALLOWED_HOSTS"):
        importlib.reload(importlib.import_module("gam.settings.production"))


# ----- login throttling and lockout -------------------------------------------------------


def _login(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_repeated_failed_logins_lock_the_account_out_with_a_clear_message(world, client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "Admin@acme.test", "wrong password")
        assert response.status_code == 200  # the form again, with its error
    response = _login(client, "admin@acme.test", "wrong password")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed login attempts" in text
    assert 'value="admin@acme.test"' in text  # the form keeps the email
    # Now even the right password is refused, and no session is created.
    response = _login(client, "admin@acme.test", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user (or the same user elsewhere) is not affected.
    assert _login(client, "gam@acme.test", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(world, client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "admin@acme.test", "wrong password")
    assert _login(client, "admin@acme.test", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "admin@acme.test", "wrong password").status_code == 200
    assert _login(client, "admin@acme.test", PASSWORD).status_code == 302


def test_token_endpoint_locks_out_too(world, api):
    client = api()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/api/v1/auth/token/", {"email": "admin@acme.test", "password": "nope"}, format="json"
        )
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    response = client.post(
        "/api/v1/auth/token/", {"email": "admin@acme.test", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert "token" not in response.json()


# ----- Content-Security-Policy ------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_strict_content_security_policy(world, web):
    policy = _policy(web(world.admin).get("/settings/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_api_docs_relax_only_their_styles(world, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()  # the init script is a file
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


# The project's templates and those of its own apps (accounts/plans/templates, ...); not the
# installed packages'.
_TEMPLATE_DIRS = [
    Path(settings.BASE_DIR) / "templates",
    *(
        directory
        for directory in get_app_template_dirs("templates")
        if directory.is_relative_to(settings.BASE_DIR) and "site-packages" not in directory.parts
    ),
]
# What a CSP without 'unsafe-inline' blocks: inline scripts, event-handler attributes,
# javascript: URLs and style attributes / elements.
_BLOCKED = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "inline <script>",
    ),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\shx-on", re.I), "hx-on (eval)"),
]


def test_templates_have_nothing_the_csp_would_block():
    found = []
    for directory in _TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern, what in _BLOCKED:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert found == []


# ----- API rate limits ----------------------------------------------------------------------


@pytest.fixture
def small_rates():
    cache.clear()
    rates = {"anon": "3/min", "user": "5/min", "login": "3/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        yield
    cache.clear()


def test_api_rate_limit_per_user_answers_429_with_a_clear_message(world, api, small_rates):
    client = api(world.rep)
    for _ in range(5):
        assert client.get("/api/v1/countries/").status_code == 200
    response = client.get("/api/v1/countries/")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many requests")
    assert int(response["Retry-After"]) > 0
    # The limit is per user: a colleague is not slowed down.
    assert api(world.gam).get("/api/v1/countries/").status_code == 200


def test_anonymous_api_calls_and_token_requests_are_limited(world, api, small_rates):
    client = api()
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"email": "x@acme.test", "password": "y"}, format="json"
        ).status_code
        for _ in range(4)
    ]
    assert statuses[-1] == 429


# ----- passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "admin@acme.test"])
def test_weak_passwords_are_refused_by_the_api(world, api, password):
    response = api(world.admin).post(
        "/api/v1/users/",
        {"email": "new@acme.test", "name": "New", "password": password},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(email="new@acme.test").exists()


def test_weak_password_change_is_refused_by_the_api_and_the_page(world, api, web):
    response = api(world.admin).patch(
        f"/api/v1/users/{world.rep.pk}/", {"password": "rita"}, format="json"
    )
    assert response.status_code == 400
    page = web(world.admin).post(
        f"/settings/users/{world.rep.pk}/",
        {"email": world.rep.email, "name": world.rep.name, "language": "en", "password": "1234"},
    )
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    world.rep.refresh_from_db()
    assert world.rep.check_password(PASSWORD)
