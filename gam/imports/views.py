"""Import pages: upload, the dry-run preview with every row's action and error, progress
(polled with htmx while a task works), apply, and the CSV templates. The kinds on offer are
the registered ones (gam.imports.registry)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gam.exports import csv_response
from gam.imports import progress, registry, services
from gam.imports.fields import SOURCE_ID
from gam.imports.files import MAX_FILE_BYTES
from gam.imports.selectors import access_import_job, jobs_visible_to
from gam.imports.sources import SOURCES
from gam.models import Country, ImportJob, User

PREVIEW_PAGE_SIZE = 100
SHOW_CHOICES = ("all", "error", "create", "update", "match")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file contains"), choices=[])
    country = forms.ModelChoiceField(
        label=gettext_lazy("Country"),
        queryset=Country.objects.all(),
        required=False,
        empty_label=gettext_lazy("Countries named in the file"),
        help_text=gettext_lazy(
            "The default for rows that name no country; a row's own country always wins."
        ),
        to_field_name="code",
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (comma or semicolon separated, UTF-8) or Excel .xlsx; the first row names "
            "the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.kinds()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 2**20}
            )
        return upload


@login_required
def import_home(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                country=form.cleaned_data["country"],
                filename=upload.name,
                data=upload.read(),
                # The person sees (and may change) which column is which field first.
                map_first=True,
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
        else:
            return redirect("imports:job_detail", pk=job.pk)
    jobs = jobs_visible_to(request.user).defer("rows", "preview", "errors")
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    for job in page.object_list:  # the page's rows, read once
        job.kind_label = registry.label(job.kind)
    return render(
        request,
        "imports/import_home.html",
        {
            "form": form,
            "page": page,
            "importers": [
                {"kind": kind, "label": label, "matching_help": registry.get(kind).matching_help}
                for kind, label in registry.kinds()
            ],
        },
    )


@login_required
def job_detail(request, pk: int):
    job = access_import_job(request.user, pk)
    if job.status == ImportJob.Status.MAPPING:
        return _mapping_page(request, job)
    show = request.GET.get("show", "all")
    if show not in SHOW_CHOICES:
        show = "all"
    rows = job.preview if show == "all" else [r for r in job.preview if r["action"] == show]
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/job_detail.html",
        {
            "job": job,
            "kind_label": registry.label(job.kind),
            "page": page,
            "show": show,
            "columns": _known_columns(job.kind),
            "followups": registry.followups(job, request.user),
            **_status_context(job),
        },
    )


SAMPLE_ROWS = 3


def _mapping_page(request, job: ImportJob, status: int = 200):
    """The mapping step: per column of the file its header, a few values and the field it
    is read as (suggested; the person changes it), a name to save the mapping under, and
    for a CRM export the owner ids to map to users."""
    importer = registry.get(job.kind) if registry.is_registered(job.kind) else None
    if importer is None:
        raise Http404
    choices = [("", _("— ignore —")), (SOURCE_ID, _("id in the source system"))]
    choices += [(f.name, f"{f.label} ({f.name})") for f in importer.fields]
    samples = job.rows[:SAMPLE_ROWS]
    columns = [
        {
            "index": i,
            "header": header,
            "field": job.mapping[i] if i < len(job.mapping) else "",
            "samples": [r[i + 1] for r in samples if i + 1 < len(r) and r[i + 1]],
        }
        for i, header in enumerate(job.headers)
    ]
    mapped = set(job.mapping)
    missing = [f.name for f in importer.fields if f.required and f.name not in mapped]
    if importer.needs_country and job.country is None and "country" not in mapped:
        missing.append("country")
    owners = []
    if job.source and request.user.is_tenant_admin:
        known = {u.email.lower() for u in User.in_tenant.all()} | {
            u.name.lower() for u in User.in_tenant.all()
        }
        owners = [v for v in services.owner_values(job) if v.lower() not in known]
    suggestion_origin = services.suggest(job.kind, job.headers).origin
    return render(
        request,
        "imports/job_mapping.html",
        {
            "job": job,
            "kind_label": registry.label(job.kind),
            "columns": columns,
            "choices": choices,
            "missing": missing,
            "source_label": SOURCES.get(job.source, job.source),
            "origin": suggestion_origin,
            "owners": owners,
            "users": User.in_tenant.filter(is_active=True).order_by("name"),
            "can_map": job.created_by_id == request.user.pk,
        },
        status=status,
    )


@login_required
@require_POST
def job_map(request, pk: int):
    """Confirm the mapping of the columns (from the mapping step) and start the check."""
    job = access_import_job(request.user, pk)
    if job.created_by_id != request.user.pk:
        messages.error(request, _("Only the person who uploaded the file can map its columns."))
        return redirect("imports:job_detail", pk=job.pk)
    mapping = [request.POST.get(f"column_{i}", "") for i in range(len(job.headers))]
    owners = {
        request.POST.get(f"owner_id_{i}", ""): request.POST.get(f"owner_user_{i}", "")
        for i in range(services.OWNER_VALUES)
        if request.POST.get(f"owner_user_{i}")
    }
    try:
        services.import_job_map(
            job=job,
            user=request.user,
            mapping=mapping,
            save_as=request.POST.get("save_as", ""),
            owners=owners,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        job.mapping = mapping
        return _mapping_page(request, job, status=400)
    return redirect("imports:job_detail", pk=job.pk)


def _known_columns(kind: str) -> tuple[str, ...]:
    return registry.get(kind).column_names() if registry.is_registered(kind) else ()


def _status_context(job: ImportJob) -> dict:
    return {"progress": progress.live_progress(job), "written": progress.rows_written(job)}


@login_required
def job_status(request, pk: int):
    """The progress box; once the task is done the page reloads to show the result."""
    job = jobs_visible_to(request.user).defer("rows", "preview").filter(pk=pk).first()
    if job is None:
        raise Http404
    response = render(request, "imports/_job_status.html", {"job": job, **_status_context(job)})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_apply(request, pk: int):
    job = access_import_job(request.user, pk)
    if job.created_by_id != request.user.pk:
        # An admin may look at someone's import; only its author applies it (as themself).
        messages.error(request, _("Only the person who uploaded the file can apply it."))
        return redirect("imports:job_detail", pk=job.pk)
    try:
        services.import_job_apply(
            job=job, user=request.user, only_valid=request.POST.get("only_valid") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:job_detail", pk=job.pk)


@login_required
def job_errors_csv(request, pk: int):
    job = access_import_job(request.user, pk)
    return csv_response(
        f"import-{job.pk}-errors.csv",
        [
            (_("Row"), lambda e: e["row"]),
            (_("Column"), lambda e: e["field"]),
            (_("Problem"), lambda e: e["message"]),
        ],
        job.errors,
    )


@login_required
def template_csv(request, kind: str):
    if not registry.is_registered(kind):
        raise Http404
    columns = services.template_columns(kind)
    response = HttpResponse("\ufeff" + ",".join(columns) + "\r\n", content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="gam-{kind}-template.csv"'
    return response
