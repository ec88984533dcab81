"""API plumbing shared by every app: pagination, errors, the tenant-scoping base view,
permission classes and tenant-limited related fields."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gam.counts import CachedCountPaginator
from gam.tenancy import activate_tenant
from gam.throttling import AnonRateThrottle, LoginRateThrottle, UserRateThrottle

__all__ = ["AnonRateThrottle", "LoginRateThrottle", "UserRateThrottle"]  # and the rest below


class Pagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator  # the count until the tenant's data changes
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class IdsFirstPaginationMixin:
    """A list view that reads the page's ids first, from the record's own table, then the
    rows with their related objects and annotations for those ids only. In one query, with
    row-level security each joined tenant table (country, stage, account, user) divides
    PostgreSQL's row estimate by the number of tenants: it joins every matching row of the
    tenant and sorts them instead of reading 50 ids from the (tenant, order) index (figures
    in bench/results)."""

    def paginate_queryset(self, queryset):
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        if ids is None:
            return None
        rows = {row.pk: row for row in queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationError and IntegrityError become 400s."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {"detail": ["This conflicts with an existing record (it must be unique)."]}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.Throttled):
        # DRF appends "Expected available in N seconds." and sets Retry-After.
        exc = exceptions.Throttled(
            wait=exc.wait, detail="Too many requests: the API rate limit was reached."
        )
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and str(getattr(request, "accepted_media_type", "")).startswith(
        "text/csv"
    ):
        # An error of a ?format=csv request is the JSON error body the schema documents (and
        # a client can read), not a one-row spreadsheet.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


class TenantScopedAPIMixin:
    """Base of every API view: once DRF has authenticated the request (session or token), an
    authenticated tenant user is required and their tenant becomes the current tenant, before
    any permission check or query. The middleware resets it when the request ends."""

    def check_permissions(self, request):
        user = request.user
        if user is None or not user.is_authenticated:
            self.permission_denied(request, message="Authentication credentials were not provided.")
        if user.tenant_id is None:
            raise exceptions.PermissionDenied("Platform operators use the admin site.")
        activate_tenant(user.tenant_id)
        super().check_permissions(request)

    def get_serializer(self, *args, **kwargs):
        # Every write takes one JSON object: a list, string or number body is a 400 here,
        # before serializers that read keys from it (to_internal_value overrides) see it.
        data = kwargs.get("data")
        if data is not None and not kwargs.get("many") and not isinstance(data, Mapping):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Invalid data: expected a JSON object."]}
            )
        return super().get_serializer(*args, **kwargs)


class IsTenantAdminOrReadOnly(permissions.BasePermission):
    message = "Only tenant admins may change this."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_tenant_admin)


class IsTenantAdmin(permissions.BasePermission):
    message = "Only tenant admins may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_tenant_admin)


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related field whose choices come from a tenant-scoped default manager, evaluated per
    request. A foreign tenant's id is "does not exist" (400), never a silent link."""

    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.queryset is not None:
            return super().get_queryset()
        return self.model.objects.all()

    def use_pk_only_optimization(self):
        return True


class TenantSlugRelatedField(serializers.SlugRelatedField):
    def __init__(self, model=None, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.queryset is not None:
            return super().get_queryset()
        return self.model.objects.all()


def warnings_field():
    """``warnings`` of a create or update answer (possible duplicate work, sentences): the
    view adds them after saving; absent from reads (no model attribute, so DRF skips it)."""
    return serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Possible duplicate work found while saving (the write succeeded).",
    )


def conflict_response(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
