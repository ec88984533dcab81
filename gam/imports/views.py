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
from gam.imports.files import MAX_FILE_BYTES
from gam.imports.selectors import access_import_job, jobs_visible_to
from gam.models import Country, ImportJob

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
            **_status_context(job),
        },
    )


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
        services.import_job_apply(job=job, user=request.user)
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
