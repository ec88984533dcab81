"""``/api/v1/audit-log/``: the tenant's audit log, read-only, for tenant admins."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from gam.audit_log import AuditLogFilter, audit_entries
from gam.drf import IsTenantAdmin, TenantScopedAPIMixin
from gam.models import AuditLogEntry


class AuditLogEntrySerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, allow_null=True)
    details = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = AuditLogEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_email",
            "action",
            "object_type",
            "object_id",
            "details",
        ]
        read_only_fields = fields


class AuditLogViewSet(TenantScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Tenant admin actions and permission changes, newest first. Filter by ``action``
    (``user.update``, or an area such as ``user``), ``actor`` (user id), ``object_type``,
    ``object_id``, ``since`` and ``until`` (dates)."""

    serializer_class = AuditLogEntrySerializer
    permission_classes = [IsTenantAdmin]
    filterset_class = AuditLogFilter
    queryset = AuditLogEntry.objects.none()  # the model, for the schema

    def get_queryset(self):
        return audit_entries()
