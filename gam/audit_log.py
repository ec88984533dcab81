"""The tenant admins' audit log: one filter set for the settings page, its CSV and the
read-only ``audit-log/`` API."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from gam.models import AuditLogEntry, User


def audit_entries():
    """Every entry of the current tenant, newest first (index tenant, -at)."""
    return AuditLogEntry.objects.select_related("actor").order_by("-at", "-id")


def _tenant_users(request):
    return User.in_tenant.order_by("name", "email")


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        label=_("Action"),
        method="filter_action",
        help_text=_("An action (user.update) or its area (user)."),
    )
    actor = django_filters.ModelChoiceFilter(
        label=_("Who"), queryset=_tenant_users, help_text=_("The user who acted (id).")
    )
    object_type = django_filters.CharFilter(label=_("Object type"), field_name="object_type")
    object_id = django_filters.CharFilter(label=_("Object id"), field_name="object_id")
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditLogEntry
        fields = ["action", "actor", "object_type", "object_id", "since", "until"]

    def filter_action(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if "." in value:
            return queryset.filter(action=value)
        return queryset.filter(action__startswith=f"{value}.")


def details_text(entry: AuditLogEntry) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(entry.details.items()))


EXPORT_COLUMNS = [
    ("When (UTC)", lambda e: e.at.strftime("%Y-%m-%d %H:%M:%S")),
    ("Who", lambda e: e.actor.email if e.actor else ""),
    ("Action", lambda e: e.action),
    ("Object type", lambda e: e.object_type),
    ("Object id", lambda e: e.object_id),
    ("Details", details_text),
]
