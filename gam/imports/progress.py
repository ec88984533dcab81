"""How far a job is, for the page that polls it and for the API.

Checking reports on the job row, written outside any transaction so the polling page sees it
move. Writing is one transaction, so the job row cannot show it: the worker reports the rows
written so far through the cache (Redis in production, shared with the web processes).
"""

from __future__ import annotations

from django.core.cache import cache

from gam.models import ImportJob

WRITE_PROGRESS_SECONDS = 3600


def _written_key(job_id: int) -> str:
    return f"gam:import:{job_id}:written"


def report_checked(job: ImportJob, processed: int, *, status: str, share: float = 1.0) -> None:
    """``processed`` rows checked; ``share`` is the part of the job's bar that checking
    fills. Only while the job is still in ``status``, so a late report of a run that lost
    the job to another never moves a finished job's bar."""
    total = max(job.total_rows, 1)
    progress = min(99, int(100 * share * processed / total))
    ImportJob.objects.filter(pk=job.pk, status=status).update(
        processed_rows=processed, progress=progress
    )


def report_written(job: ImportJob, written: int) -> None:
    cache.set(_written_key(job.pk), written, WRITE_PROGRESS_SECONDS)


def clear_written(job: ImportJob) -> None:
    cache.delete(_written_key(job.pk))


def rows_written(job: ImportJob) -> int | None:
    """Rows the running apply has written so far, or None outside the write."""
    if job.status != ImportJob.Status.APPLYING:
        return None
    return cache.get(_written_key(job.pk))


def live_progress(job: ImportJob) -> int:
    """The job's percentage: checking the rows is the first 80 % of an apply, writing them
    the rest."""
    written = rows_written(job)
    if written is None:
        return job.progress
    return min(99, 80 + int(20 * written / max(job.total_rows, 1)))
