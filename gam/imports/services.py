"""Starting imports: an upload becomes an ``ImportJob`` (the file is read and its rows
stored, nothing else is written) and its dry run is queued; a previewed job is applied.
The steps themselves run in a Celery task (gam/imports/runner.py).

What a row means is the importer's business: the kinds are registered by the apps that own
the records (gam.imports.registry).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gam.imports import registry
from gam.imports.fields import read_rows
from gam.imports.files import FileError, read_table
from gam.imports.tasks import run_import
from gam.models import Country, ImportJob, User


def import_job_create(
    *,
    user: User,
    kind: str,
    country: Country | None,
    filename: str,
    data: bytes,
    dry_run: bool = True,
) -> ImportJob:
    """Parse an upload into a job (nothing else is written yet) and queue its dry run, or
    with ``dry_run=False`` its checking and writing in one go."""
    if not registry.is_registered(kind):
        raise ValidationError({"kind": _("Choose what the file contains.")})
    importer = registry.get(kind)
    try:
        table = read_table(data, filename)
    except FileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    parsed = read_rows(table, importer.fields)
    missing = [c for c in importer.required_columns() if c not in parsed.columns]
    if importer.needs_country and country is None and "country" not in parsed.columns:
        missing.append("country")
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The file has no column %(columns)s. Its first row must name the columns, "
                    "as in the template."
                )
                % {"columns": ", ".join(f"“{c}”" for c in missing)}
            }
        )
    if not parsed.rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    job = ImportJob.objects.create(
        kind=kind,
        country=country,
        filename=(filename or "")[:255],
        created_by=user,
        rows=parsed.rows,
        total_rows=len(parsed.rows),
        summary={"ignored_columns": parsed.unused(importer.fields)},
        status=ImportJob.Status.QUEUED if dry_run else ImportJob.Status.APPLYING,
    )
    _queue(job, apply=not dry_run)
    return job


def import_job_apply(*, job: ImportJob, user: User) -> ImportJob:
    """Queue the writing of a previewed job (it is checked again first).

    Exclusive: the job moves from "ready to apply" to "importing" in one conditional update,
    so of several applies at once (two tabs, a double click, a retried API call) one queues
    the write and the others are refused."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.APPLYING, progress=0, processed_rows=0
    )
    if not claimed:
        current = ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
        if current in (ImportJob.Status.APPLYING, ImportJob.Status.DONE):
            message = _("This import is being applied or was applied already.")
        else:
            message = _("Only an import that was checked without errors can be applied.")
        raise ValidationError({"status": message})
    job.status, job.progress, job.processed_rows = ImportJob.Status.APPLYING, 0, 0
    _queue(job, apply=True)
    return job


def template_columns(kind: str) -> tuple[str, ...]:
    """The header of the downloadable CSV template of a kind."""
    return registry.get(kind).column_names()


def _queue(job: ImportJob, *, apply: bool) -> None:
    tenant_id, job_id = job.tenant_id, job.pk
    transaction.on_commit(lambda: run_import.delay(tenant_id, job_id, apply))
