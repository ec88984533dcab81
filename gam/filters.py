"""List filters by id, for every app's API: the id must be of the tenant in context.

``?global_account=12`` with another tenant's id (or one that does not exist) would filter to
an empty list, a 200 that looks like "nothing there". DESIGN.md wants a foreign id to be a
400: the filter checks the id against the tenant's rows (one indexed query) first."""

from __future__ import annotations

from collections.abc import Callable

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from gam.models import User


class TenantIdFilter(django_filters.CharFilter):
    """``?name=<id>`` (and ``?name=none`` with ``allow_none``): the rows whose
    ``field_name`` points to that row of ``choices()``, a tenant-scoped queryset; an id that
    is not among them is a 400 naming the parameter."""

    def __init__(
        self,
        *args,
        choices: Callable[[], QuerySet],
        allow_none: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.allow_none = allow_none

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        name = self.field_name
        param = self.parent_name or name
        value = value.strip()
        if self.allow_none and value.lower() == "none":
            return qs.filter(**{f"{name}__isnull": True})
        if not value.isdigit() or len(value) > 18:
            hint = "Give an id or 'none'." if self.allow_none else "Give an id."
            raise ValidationError({param: [hint]})
        pk = int(value)
        if not self.choices().filter(pk=pk).exists():
            raise ValidationError({param: [f"Unknown id {pk}."]})
        return qs.filter(**{name: pk})

    @property
    def parent_name(self) -> str | None:
        parent = getattr(self, "parent", None)
        if parent is None:
            return None
        for key, flt in parent.filters.items():
            if flt is self:
                return key
        return None


def tenant_id_filter(model, field_name: str | None = None, **kwargs) -> TenantIdFilter:
    """``?x=12``: an id of the tenant's ``model`` (its tenant-scoped default manager)."""
    if field_name:
        kwargs["field_name"] = field_name
    return TenantIdFilter(choices=model.objects.all, **kwargs)


def tenant_user_filter(field_name: str | None = None, **kwargs) -> TenantIdFilter:
    """``?x=12``: an id of a user of the tenant."""
    if field_name:
        kwargs["field_name"] = field_name
    return TenantIdFilter(choices=User.in_tenant.all, **kwargs)
