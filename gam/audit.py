"""The audit log: tenant admin actions and permission changes."""

from __future__ import annotations

from django.db import models

from gam.models import AuditLogEntry, User


def audit(actor: User | None, action: str, obj: models.Model | None = None, **details) -> None:
    AuditLogEntry.objects.create(
        actor=actor,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        details={k: str(v) for k, v in details.items()},
    )
