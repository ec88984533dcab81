"""Login lockout (django-axes) glue: who is logging in, and what a locked-out client sees."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gam.forms_auth import EmailAuthenticationForm


def axes_username(request, credentials: dict | None) -> str | None:
    """The email of a login attempt: the login form posts it as ``username``, the token
    endpoint authenticates with ``email``."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        value = request.POST.get("username") or request.POST.get("email")
    return value.strip().lower() if isinstance(value, str) else None


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed login attempts. This account is locked on this network for "
        "%(minutes)d minutes; try again later or ask your administrator to reset the password."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """429 with a clear message: JSON for the API, the login page with the message for
    browsers (the form keeps the email, never the password)."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        form = EmailAuthenticationForm(request, data=None)
        form.initial["username"] = axes_username(request, credentials) or ""
        response = render(
            request,
            "registration/login.html",
            {"form": form, "locked_out_message": message, "next": request.POST.get("next", "")},
            status=429,
        )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
