"""The duplicate-work conflicts, their history, the notifications they send and the scan runs.

The tables kept the names they had when these models lived in the ``opportunities`` app
(explicit ``db_table``): the move to this app changed the Django state only (migrations
``opportunities.0009`` and ``conflicts.0001``), not the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gam.tenancy import TenantOwnedModel


class ConflictKind(models.TextChoices):
    DUPLICATE_CUSTOMER = "duplicate_customer", _("Duplicate customer")
    UNLINKED_GROUP = "unlinked_group", _("Unlinked group")
    PARALLEL_OPPORTUNITY = "parallel_opportunity", _("Parallel opportunity")
    CAMPAIGN_DURING_NEGOTIATION = "campaign_during_negotiation", _("Campaign during negotiation")
    FRAMEWORK_AGREEMENT_MISSED = "framework_agreement_missed", _("Framework agreement missed")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


# A conflict that still wants someone's attention: the open queue, the counts on dashboards.
ACTIVE_STATUSES = (ConflictStatus.OPEN, ConflictStatus.ACKNOWLEDGED)


class Conflict(TenantOwnedModel):
    """A place where the seller's own countries get in each other's way."""

    kind = models.CharField(max_length=32, choices=ConflictKind.choices)
    # Identifies the conflict across reruns: kind + the sorted records involved.
    key = models.CharField(max_length=200)
    # Digest of the records' material fields; a dismissed conflict reopens when it changes.
    fingerprint = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=12, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    global_account = models.ForeignKey(
        "accounts.GlobalAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conflicts",
    )
    countries = models.JSONField(default=list)
    records = models.JSONField(default=list)
    reason = models.CharField(max_length=200, blank=True)
    # Group discovery: the matcher's score of the finding (log-odds of "one company / one
    # group") and its evidence in words ("same domain volvia.com", ...); empty for the
    # other kinds.
    score = models.FloatField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conflicts",
    )
    resolution_note = models.TextField(blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "opportunities_conflict"
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="conflict_key_unique")
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "kind"]),
            models.Index(fields=["tenant", "global_account", "status"]),
            models.Index(fields=["tenant", "assignee", "status"]),
        ]


class ConflictEvent(TenantOwnedModel):
    """History of a conflict: detected, status changes, notes, links and merges."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "opportunities_conflictevent"
        ordering = ["at", "id"]


class Notification(TenantOwnedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    conflict = models.ForeignKey(
        Conflict, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "opportunities_notification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "user", "read_at"])]


class ScanRun(TenantOwnedModel):
    """One full duplicate-work scan of a tenant."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Per kind: {"found", "new", "reopened", "resolved", "open"} (conflicts.recording).
    counts = models.JSONField(default=dict, blank=True)
    # The Celery task that ran it: a redelivered task (worker killed mid-scan) reuses the row.
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "opportunities_scanrun"
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["tenant", "-started_at"]),
            models.Index(fields=["tenant", "task_id"]),
        ]
