"""API rate limits (DRF throttling). Its own module: DRF imports these classes while it
defines APIView, so they must not import views (gam/drf.py does)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle as DRFAnonRateThrottle
from rest_framework.throttling import UserRateThrottle as DRFUserRateThrottle


class _RatesFromSettings:
    """DRF reads THROTTLE_RATES once at import; read them per request instead, so settings
    (and tests overriding them) take effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_RatesFromSettings, DRFAnonRateThrottle):
    """Anonymous calls (the token endpoint, the schema) per client address."""


class UserRateThrottle(_RatesFromSettings, DRFUserRateThrottle):
    """Authenticated calls per user, whichever way they authenticate."""


class LoginRateThrottle(_RatesFromSettings, DRFAnonRateThrottle):
    """Password attempts on the token endpoint per address (axes locks per email too)."""

    scope = "login"
