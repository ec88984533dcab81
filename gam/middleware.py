import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation

from gam.tenancy import activate_tenant, deactivate_tenant


class RefuseNulMiddleware:
    """A NUL byte in the path or a query parameter is a 400. PostgreSQL cannot store or
    compare text with NUL, so such a value reaching a filter or lookup was a 500; no URL
    of ours has a use for one. (Form and JSON fields refuse NUL themselves: Django's and
    DRF's character fields validate it.)"""

    MESSAGE = "The address contains a NUL character (%00)."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain")
        return self.get_response(request)


class TenantMiddleware:
    """Sets the tenant of the session user for the whole request, and clears it after.

    Token-authenticated API requests are authenticated later, inside DRF; the API base view
    (gam.drf.TenantScopedAPIMixin) activates their tenant the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant_id = user.tenant_id if user is not None and user.is_authenticated else None
        token = activate_tenant(tenant_id)
        try:
            return self.get_response(request)
        finally:
            deactivate_tenant(token)


API_PATH = "/api/"


class UserPreferencesMiddleware:
    """The signed-in user's language and time zone for the whole request (after
    authentication; before it, LocaleMiddleware has chosen from the browser's
    Accept-Language). Pages then show text, dates, numbers and times the user's way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        language = user.language if user.language in _languages() else None
        # The API answers in the language the request asks for (Accept-Language, chosen by
        # LocaleMiddleware), else English: an integration's messages must not change with
        # the profile of the user it runs as. Only pages follow the profile.
        if language and not request.path.startswith(API_PATH):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        timezone.activate(user_time_zone(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def user_time_zone(user) -> zoneinfo.ZoneInfo:
    """The user's time zone; an unknown name (a hand-edited row) falls back to UTC."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
