"""The import job. It belongs to the gam app (label ``gam``, table ``gam_importjob``); the
app's models module imports it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gam.imports import registry
from gam.tenancy import TenantOwnedModel


class ImportJob(TenantOwnedModel):
    """One upload of a CSV or Excel file: its rows, the dry-run preview, the per-row errors
    and, once applied, what was written. The page polls it while a Celery task works.

    Its status moves forward only, each step a conditional update of the row (see
    gam/imports/runner.py), so a second apply or a task delivered twice cannot run the same
    step again: queued -> validating -> preview or invalid; preview -> applying -> done or
    invalid; any running step -> failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        PREVIEW = "preview", _("Ready to apply")
        INVALID = "invalid", _("Has errors")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING = (Status.QUEUED, Status.VALIDATING, Status.APPLYING)

    # The record type: a kind of gam.imports.registry, registered by the app that owns it.
    kind = models.CharField(_("what"), max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    country = models.ForeignKey(
        "gam.Country",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("country"),
    )
    filename = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The file's rows as parsed (header -> cell text), so the task needs no file storage.
    rows = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    # [{"row": 3, "field": "country", "message": "..."}], every bad row of the file.
    errors = models.JSONField(default=list, blank=True)
    # Per row: {"row", "action" (create/update/match/error), "label", "target", "changes"}.
    preview = models.JSONField(default=list, blank=True)
    # Counts per action and notes about the file (ignored columns ...).
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        app_label = "gam"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label} · {self.filename}"

    @property
    def kind_label(self) -> str:
        return registry.label(self.kind)

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING
