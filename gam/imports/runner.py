"""Running an import job, in the Celery task (gam/imports/tasks.py): the dry run checks every
row and stores the preview (what would be created, matched or updated, and every bad row
with its field and a message); the apply checks again (the data may have changed since the
preview) and writes every row in one transaction, or nothing.

A job runs each step once. Every task acknowledges late and may be delivered again, and
several applies may be asked for at once, so each step starts and ends with a conditional
change of the job's status, and the apply writes holding the job's row lock: a second run
of the same step waits for the first and then finds the job already past that step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gam.audit import audit
from gam.imports import progress, registry
from gam.imports.base import ACTIONS, CREATE, ERROR, MATCH, UPDATE, Importer, RowResult
from gam.imports.signals import import_applied
from gam.models import Country, ImportJob, User

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Rows per write step of an apply; after each step the rows written so far are reported.
WRITE_CHUNK = 1000
# What a step stores on the job (never its rows, which can be 100,000).
RESULT_FIELDS = [
    "status",
    "progress",
    "processed_rows",
    "preview",
    "errors",
    "summary",
    "message",
    "finished_at",
]
# Differences between the preview and the apply's check kept on the job, to show.
MAX_DIFFERENCES = 100

Status = ImportJob.Status


def check_rows(
    *,
    kind: str,
    rows: list[dict],
    user: User,
    country: Country | None,
    on_progress: Callable[[int], None] | None = None,
    source: str = "",
) -> tuple[Importer, list[RowResult]]:
    """Check every row (nothing is written): per row what would happen, or its errors."""
    importer = registry.get(kind)(user=user, country=country, source=source)
    importer.prepare(rows)
    results: list[RowResult] = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        importer.prefetch(chunk)
        results.extend(importer.check(row) for row in chunk)
        if on_progress is not None:
            on_progress(len(results))
    return importer, results


def _store_check(job: ImportJob, results: list[RowResult]) -> None:
    counts = dict.fromkeys(ACTIONS, 0)
    for result in results:
        counts[result.action] += 1
    job.preview = [r.as_preview() for r in results]
    job.errors = [e for r in results for e in r.errors]
    kept = {k: job.summary[k] for k in ("ignored_columns", "only_valid") if k in job.summary}
    job.summary = {**counts, **kept}
    job.progress, job.processed_rows = 100, len(results)


def _save_result(job: ImportJob, status: str) -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.save(update_fields=RESULT_FIELDS)


def _locked(job: ImportJob, status: str) -> bool:
    """Inside a transaction: lock the job's row if it is still in ``status``. A run that
    holds the lock finishes first; then the job is in its next status and this is False."""
    return bool(ImportJob.objects.select_for_update().filter(pk=job.pk, status=status).values("pk"))


def import_preview(*, job: ImportJob) -> ImportJob:
    """The dry run: what every row would do, and every bad row. Writes only the job."""
    started = ImportJob.objects.filter(
        pk=job.pk, status__in=(Status.QUEUED, Status.VALIDATING)
    ).update(status=Status.VALIDATING)
    if not started:
        return job
    job.status = Status.VALIDATING
    _importer, results = check_rows(
        kind=job.kind,
        rows=job.rows,
        user=job.created_by,
        country=job.country,
        source=job.source,
        on_progress=lambda n: progress.report_checked(job, n, status=Status.VALIDATING),
    )
    _store_check(job, results)
    with transaction.atomic():
        if _locked(job, Status.VALIDATING):
            _save_result(job, Status.INVALID if job.errors else Status.PREVIEW)
    return job


def _signature(row: dict) -> tuple:
    """What a row of a preview does, for comparing two checks of the same file."""
    if row["action"] == ERROR:
        return (ERROR,)
    return (row["action"], row["target"], row["label"], sorted(row["changes"].items()))


def _describe(row: dict | None) -> str:
    if row is None:
        return "—"
    text = f"{row['action']} {row['label']}".strip()
    if row.get("changes"):
        text += ": " + ", ".join(f"{c} {a or '—'} → {b}" for c, (a, b) in row["changes"].items())
    if row.get("errors"):
        text += ": " + "; ".join(e["message"] for e in row["errors"])
    return text


def differences(previous: list[dict], results: list[RowResult]) -> list[dict]:
    """Rows whose action, target or changes differ from the preview the person approved."""
    before = {r["row"]: r for r in previous}
    found = []
    for result in results:
        now = result.as_preview()
        old = before.pop(result.row, None)
        if old is None or _signature(old) != _signature(now):
            found.append({"row": result.row, "before": _describe(old), "after": _describe(now)})
    found += [{"row": n, "before": _describe(r), "after": "—"} for n, r in before.items()]
    return found


def import_apply(*, job: ImportJob) -> ImportJob:
    """Check again and write in one transaction: every row, or with ``only_valid`` (set by
    import_job_apply) the rows without errors, the others left for the errors file. When
    the check differs from the preview the person approved (the data changed since),
    nothing is written: the new preview is stored with the differences, to approve again.
    The job must be applying (import_job_apply)."""
    previous = job.preview
    only_valid = bool(job.summary.get("only_valid"))
    importer, results = check_rows(
        kind=job.kind,
        rows=job.rows,
        user=job.created_by,
        country=job.country,
        source=job.source,
        on_progress=lambda n: progress.report_checked(job, n, status=Status.APPLYING, share=0.8),
    )
    changed = differences(previous, results) if previous else []
    _store_check(job, results)
    try:
        with transaction.atomic():
            if not _locked(job, Status.APPLYING):
                return job  # another run of this apply wrote it (or is failing it)
            if changed:
                job.summary["differences"] = changed[:MAX_DIFFERENCES]
                job.summary["difference_count"] = len(changed)
                job.message = _(
                    "Nothing was written: %(n)s rows would now do something else than the "
                    "preview showed (the data changed since). Check the new preview and "
                    "apply again."
                ) % {"n": len(changed)}
                _save_result(job, Status.INVALID if job.errors else Status.PREVIEW)
                return job
            if job.errors and not only_valid:
                _save_result(job, Status.INVALID)
                return job
            valid = [r for r in results if r.action != ERROR]
            job.summary["skipped"] = len(results) - len(valid)
            job.message = ""
            progress.report_written(job, 0)
            for start in range(0, len(valid), WRITE_CHUNK):
                chunk = valid[start : start + WRITE_CHUNK]
                importer.write(chunk)
                progress.report_written(job, start + len(chunk))
            job.summary.update(importer.finish(valid))
            _finish_apply(job, importer, valid)
    finally:
        progress.clear_written(job)
    return job


def _finish_apply(job: ImportJob, importer: Importer, results: list[RowResult]) -> None:
    """Inside the apply's transaction: the audit entry, the job done, the apps told."""
    counts = {
        "created": job.summary[CREATE],
        "updated": job.summary[UPDATE],
        "matched": job.summary[MATCH],
    }
    audit(job.created_by, "import.apply", job, kind=job.kind, **counts)
    _save_result(job, Status.DONE)
    import_applied.send(
        sender=type(importer), job=job, importer=importer, results=results, **counts
    )


def import_run(*, job_id: int, apply: bool) -> None:
    """The Celery task's body (tenant in context). A failure marks the job failed, with
    nothing written (the write is one transaction)."""
    job = ImportJob.objects.select_related("created_by", "country").filter(pk=job_id).first()
    step = (Status.APPLYING,) if apply else (Status.QUEUED, Status.VALIDATING)
    if job is None or job.status not in step:
        return  # delivered again after its step ran, or the job moved on meanwhile
    user = job.created_by
    if user is None or not user.is_active or user.tenant_id != job.tenant_id:
        _fail(job, _("The user who uploaded this file can no longer import."))
        return
    try:
        # Messages of the preview are stored in the language of the person importing.
        with translation.override(user.language or None):
            if apply:
                import_apply(job=job)
            else:
                import_preview(job=job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        _fail(job, _("The import failed unexpectedly; nothing was changed. Try again."))


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk, status__in=ImportJob.RUNNING).update(
        status=Status.FAILED, message=message, finished_at=timezone.now()
    )
