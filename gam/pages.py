"""Helpers shared by server-rendered pages: the tenant-admin decorator, pagination, the one
404 for what a user may not see, and service errors shown on forms."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404

from gam.counts import CachedCountPaginator


def tenant_admin_required(view):
    """Settings pages are for tenant admins; to anyone else they do not exist (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_tenant_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def paginate(request, queryset, per_page: int = 25):
    """A page of ``queryset`` from ?page=, tolerant of junk page numbers."""
    return CachedCountPaginator(queryset, per_page).get_page(request.GET.get("page"))


def apply_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError as form errors (on the field when the form has it)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
