"""The unread-notification count in the navigation (templates/base.html)."""

from __future__ import annotations

from gam.counts import cached_count
from opportunities.conflicts.models import Notification


def notifications(request):
    """A callable, so the count is queried only when a template shows it (one query, or
    none while cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.tenant_id is None:
        return {}

    def unread() -> int:
        # Cached until the tenant's data changes: marking one read is a write, so it shows.
        return cached_count(Notification.objects.filter(user=user, read_at__isnull=True))

    return {"unread_notifications": unread}
