"""API rate limits (DRF throttling). Its own module: DRF imports these classes while it
defines APIView, so they must not import views (gam/drf.py does)."""

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle as DRFAnonRateThrottle
from rest_framework.throttling import UserRateThrottle as DRFUserRateThrottle


def client_ip(request) -> str:
    """The client's address for rate limits and the login lockout (django-axes calls it too).

    ``REMOTE_ADDR`` unless the deployment trusts ``PROXY_COUNT`` proxies in front of the app:
    each appends the address it saw to ``X-Forwarded-For``, so the client is the entry that
    many from the end. Entries before it are whatever the client sent: rotating them must
    not give a fresh budget, and with no trusted proxy the header is ignored altogether."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "")
    count = getattr(settings, "PROXY_COUNT", 0)
    if count <= 0:
        return remote
    entries = [e.strip() for e in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < count:
        return remote
    return entries[-count]


class _RatesFromSettings:
    """DRF reads THROTTLE_RATES once at import; read them per request instead, so settings
    (and tests overriding them) take effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)


class AnonRateThrottle(_RatesFromSettings, DRFAnonRateThrottle):
    """Anonymous calls (the token endpoint, the schema) per client address."""


class UserRateThrottle(_RatesFromSettings, DRFUserRateThrottle):
    """Authenticated calls per user, whichever way they authenticate."""


class LoginRateThrottle(_RatesFromSettings, DRFAnonRateThrottle):
    """Password attempts on the token endpoint per address (axes locks per email too)."""

    scope = "login"
