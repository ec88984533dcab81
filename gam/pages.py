"""Helpers shared by server-rendered pages: the tenant-admin decorator and pagination."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404


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
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
