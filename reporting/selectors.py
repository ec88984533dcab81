"""Reads for dashboards and the home page. Every figure counts only what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from gam.models import User
from opportunities.conflicts.models import ACTIVE_STATUSES, Conflict, Notification
from opportunities.models import Opportunity
from teams.models import TeamMembership


def home_summary(user: User) -> dict:
    """The numbers on a user's home page: their accounts, pipeline, conflicts, notifications."""
    pipeline = Opportunity.objects.filter(owner=user, status="open").aggregate(
        count=Count("id"), amount=Sum("amount_reporting")
    )
    return {
        "memberships": list(
            TeamMembership.objects.filter(user=user)
            .select_related("global_account", "global_account__tier", "country")
            .order_by("global_account__name")[:20]
        ),
        "open_opportunities": pipeline["count"] or 0,
        "open_amount": pipeline["amount"] or 0,
        "open_conflicts": Conflict.objects.filter(
            Q(assignee=user), status__in=ACTIVE_STATUSES
        ).count(),
        "unread_notifications": Notification.objects.filter(user=user, read_at=None).count(),
    }
