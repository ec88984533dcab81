"""Starting imports: an upload becomes an ``ImportJob`` (the file is read and its rows
stored, nothing else is written) and its dry run is queued; a previewed job is applied.
The steps themselves run in a Celery task (gam/imports/runner.py).

What a row means is the importer's business: the kinds are registered by the apps that own
the records (gam.imports.registry).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gam.imports import registry
from gam.imports.fields import (
    check_mapping,
    detect_preset,
    header_shape,
    normalize_header,
    read_rows,
    suggest_mapping,
)
from gam.imports.files import FileError, Table, read_table
from gam.imports.sources import MAX_LENGTH as MAX_SOURCE_ID
from gam.imports.sources import SOURCES, USER
from gam.imports.tasks import run_import
from gam.models import Country, ImportJob, ImportMapping, SourceId, User
from gam.tasks import send_task_on_commit


def import_job_create(
    *,
    user: User,
    kind: str,
    country: Country | None,
    filename: str,
    data: bytes,
    dry_run: bool = True,
    mapping: list[str] | dict[str, str] | None = None,
    source: str | None = None,
    map_first: bool = False,
    owners: dict[str, str] | None = None,
) -> ImportJob:
    """Parse an upload into a job (nothing else is written yet) and queue its dry run, or
    with ``dry_run=False`` its checking and writing in one go.

    Each column is read as the field ``mapping`` says (a list per column, or {header:
    field}; "" ignores a column); without one, as the mapping this tenant saved for files
    with the same header row, or as suggested from the headers (and the export preset of
    the system the file comes from). With ``map_first`` the job waits for the person to
    confirm the mapping (import_job_map) before its dry run."""
    if not registry.is_registered(kind):
        raise ValidationError({"kind": _("Choose what the file contains.")})
    importer = registry.get(kind)
    if source is not None and source not in SOURCES:
        raise ValidationError({"source": _("Unknown source system “%(v)s”.") % {"v": source}})
    try:
        table = read_table(data, filename)
    except FileError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if not table.rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    suggestion = suggest(kind, table.headers, [values for _n, values in table.rows[:SAMPLES]])
    if mapping is not None:
        columns = _mapping_list(mapping, table.headers, suggestion.mapping)
        problems = check_mapping(columns, table.headers, importer.fields)
        if problems:
            raise ValidationError({"mapping": problems})
    else:
        columns = suggestion.mapping
    source = suggestion.source if source is None else source
    if owners:
        owner_ids_link(user=user, source=source, owners=owners)
    job = ImportJob(
        kind=kind,
        country=country,
        filename=(filename or "")[:255],
        created_by=user,
        source=source,
        headers=table.headers,
        mapping=columns,
        total_rows=len(table.rows),
    )
    if map_first:
        job.rows = [[number, *values] for number, values in table.rows]
        job.status = ImportJob.Status.MAPPING
        job.save()
        return job
    _read_mapped(job, importer, table)
    job.status = ImportJob.Status.QUEUED if dry_run else ImportJob.Status.APPLYING
    job.save()
    _queue(job, apply=not dry_run)
    return job


@dataclass
class Suggestion:
    mapping: list[str]
    source: str
    # Where it comes from: a saved mapping's name, a preset's label, or "" (the headers).
    origin: str


# Rows whose values suggest a column's field when its header does not.
SAMPLES = 50


def suggest(kind: str, headers: list, samples: list[list[str]] = ()) -> Suggestion:
    """The mapping this tenant saved for this header row, else the preset of the export the
    file looks like, else the headers' spellings and then the values."""
    importer = registry.get(kind)
    saved = (
        ImportMapping.objects.filter(kind=kind, shape=header_shape(headers))
        .order_by("-updated_at", "-id")
        .first()
    )
    if saved is not None and len(saved.mapping) == len(headers):
        return Suggestion(list(saved.mapping), saved.source, saved.name)
    preset = detect_preset(headers, importer.presets)
    mapping = suggest_mapping(headers, importer.fields, preset, samples)
    return Suggestion(mapping, preset.source if preset else "", str(preset.label) if preset else "")


def _mapping_list(mapping, headers: list, suggested: list[str]) -> list[str]:
    """A mapping given as {header: field} (headers not named keep the suggestion) or as a
    list, one field per column."""
    if isinstance(mapping, dict):
        by_header = {normalize_header(k): (v or "") for k, v in mapping.items()}
        unknown = set(by_header) - {normalize_header(h) for h in headers}
        if unknown:
            raise ValidationError(
                {"mapping": _("The file has no column %(c)s.") % {"c": ", ".join(sorted(unknown))}}
            )
        return [by_header.get(normalize_header(h), suggested[i]) for i, h in enumerate(headers)]
    return [str(v or "") for v in mapping]


def _read_mapped(job: ImportJob, importer, table: Table) -> None:
    """The rows as {field: text} by the job's mapping; refused when a required field has
    no column."""
    parsed = read_rows(table, importer.fields, job.mapping)
    missing = [c for c in importer.required_columns() if c not in parsed.columns]
    if importer.needs_country and job.country is None and "country" not in parsed.columns:
        missing.append("country")
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The file has no column %(columns)s. Its first row must name the columns, "
                    "as in the template, or map a column to it."
                )
                % {"columns": ", ".join(f"“{c}”" for c in missing)}
            }
        )
    job.rows = parsed.rows
    job.summary = {
        "ignored_columns": [h for h, m in zip(job.headers, job.mapping, strict=False) if not m]
    }


def owner_ids_link(*, user: User, source: str, owners: dict[str, str]) -> None:
    """Map the owner ids of a source system's export (Salesforce's OwnerId) to users, by
    email or name, once for every later file of that system (tenant admins only: the
    mapping is the tenant's)."""
    if not user.is_tenant_admin:
        raise ValidationError({"owners": _("Only a tenant admin maps owner ids to users.")})
    users = list(User.in_tenant.filter(is_active=True))
    by_email = {u.email.lower(): u for u in users}
    by_name: dict[str, list[User]] = {}
    for u in users:
        by_name.setdefault(u.name.lower(), []).append(u)
    problems, pairs = [], []
    for external, who in owners.items():
        external, who = str(external).strip(), str(who or "").strip()
        if not external or not who:
            continue
        found = [by_email[who.lower()]] if who.lower() in by_email else by_name.get(who.lower())
        if not found or len(found) > 1:
            problems.append(
                _("Owner id %(id)s: no single active user “%(who)s”.")
                % {"id": external, "who": who}
            )
            continue
        pairs.append((external[:MAX_SOURCE_ID], found[0].pk))
    if problems:
        raise ValidationError({"owners": problems})
    for external, pk in pairs:
        SourceId.objects.update_or_create(
            source=source, model=USER, external_id=external, defaults={"object_id": pk}
        )


OWNER_VALUES = 50


def owner_values(job: ImportJob, limit: int = OWNER_VALUES) -> list[str]:
    """The distinct values of the column mapped to the owner, for mapping owner ids."""
    if "owner" not in job.mapping:
        return []
    index = job.mapping.index("owner") + 1
    values = []
    for row in job.rows:
        value = row[index].strip() if index < len(row) and isinstance(row, list) else ""
        if value and value not in values:
            values.append(value)
            if len(values) >= limit:
                break
    return values


def import_job_map(
    *,
    job: ImportJob,
    user: User,
    mapping: list[str],
    save_as: str = "",
    owners: dict[str, str] | None = None,
) -> ImportJob:
    """Confirm a waiting job's mapping (optionally saved under a name for the next file of
    this shape) and queue its dry run."""
    importer = registry.get(job.kind)
    if owners:
        owner_ids_link(user=user, source=job.source, owners=owners)
    if job.status != ImportJob.Status.MAPPING:
        raise ValidationError({"status": _("The columns of this import are chosen already.")})
    problems = check_mapping(mapping, job.headers, importer.fields)
    if problems:
        raise ValidationError({"mapping": problems})
    job.mapping = list(mapping)
    table = Table(headers=job.headers, rows=[(r[0], r[1:]) for r in job.rows])
    _read_mapped(job, importer, table)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.MAPPING).update(
            status=ImportJob.Status.QUEUED
        )
        if not claimed:
            raise ValidationError({"status": _("The columns of this import are chosen already.")})
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["mapping", "rows", "summary", "status"])
        if save_as.strip():
            mapping_save(
                user=user, kind=job.kind, name=save_as, headers=job.headers,
                mapping=job.mapping, source=job.source,
            )  # fmt: skip
        _queue(job, apply=False)
    return job


def mapping_save(
    *, user: User, kind: str, name: str, headers: list, mapping: list[str], source: str = ""
) -> ImportMapping:
    """Save (or replace) a named mapping of this tenant."""
    saved, _created = ImportMapping.objects.update_or_create(
        kind=kind,
        name=name.strip()[:100],
        defaults={
            "shape": header_shape(headers),
            "headers": list(headers),
            "mapping": list(mapping),
            "source": source,
            "created_by": user,
            "updated_at": timezone.now(),
        },
    )
    return saved


def import_job_apply(*, job: ImportJob, user: User, only_valid: bool = False) -> ImportJob:
    """Queue the writing of a previewed job (it is checked again first, and refused if the
    check differs from the preview). With ``only_valid`` a job with bad rows writes its
    valid rows and leaves the others for its errors file.

    Exclusive: the job moves from "ready to apply" to "importing" in one conditional update,
    so of several applies at once (two tabs, a double click, a retried API call) one queues
    the write and the others are refused."""
    ready = [ImportJob.Status.PREVIEW]
    if only_valid:
        ready.append(ImportJob.Status.INVALID)
    summary = {**job.summary, "only_valid": only_valid}
    for key in ("differences", "difference_count"):
        summary.pop(key, None)
    claimed = (
        ImportJob.objects.filter(pk=job.pk, status__in=ready)
        .exclude(preview=[])
        .update(status=ImportJob.Status.APPLYING, progress=0, processed_rows=0, summary=summary)
    )
    if not claimed:
        current = ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
        if current in (ImportJob.Status.APPLYING, ImportJob.Status.DONE):
            message = _("This import is being applied or was applied already.")
        else:
            message = _(
                "Only an import that was checked can be applied (with errors: only its valid rows)."
            )
        raise ValidationError({"status": message})
    job.summary = summary
    job.status, job.progress, job.processed_rows = ImportJob.Status.APPLYING, 0, 0
    _queue(job, apply=True)
    return job


def template_columns(kind: str) -> tuple[str, ...]:
    """The header of the downloadable CSV template of a kind."""
    return registry.get(kind).column_names()


def _queue(job: ImportJob, *, apply: bool) -> None:
    # Kept and queued later when the broker is down: the job waits as "queued" meanwhile.
    send_task_on_commit(run_import, job.tenant_id, job.pk, apply)
