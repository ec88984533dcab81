"""The unread-notification count in the navigation (templates/base.html)."""

from __future__ import annotations


def notifications(request):
    """A callable, so the count is queried only when a template shows it (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.tenant_id is None:
        return {}

    def unread() -> int:
        from opportunities.models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notifications": unread}
