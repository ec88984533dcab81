"""Pages of the conflict inbox: the inbox (filters, pagination, CSV, the state of the scan
and "scan now" for tenant admins), a conflict with its records side by side, its history and
the GAM's actions (acknowledge, resolve, dismiss, link to one account, merge with a
confirmation page), and the user's notifications.

The GAM of the account and the tenant admin see conflicts whole; owners of a record
involved see a hint page; anyone else gets 404 (conflict_selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Subsidiary
from gam.exports import csv_response
from gam.models import Country
from gam.pages import apply_service_errors, paginate, tenant_admin_required
from gam.tasks import send_task
from gam.tenancy import current_tenant_id, tenant_context
from opportunities.conflicts import selectors as cs
from opportunities.conflicts import services as services
from opportunities.conflicts.forms import (
    ConflictFilterForm,
    ConflictLinkForm,
    ConflictMergeForm,
    ConflictStatusForm,
    GroupAccountForm,
)
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    ConflictKind,
    ConflictStatus,
    Notification,
    ScanRun,
)
from opportunities.conflicts.recording import stale_scan_after
from opportunities.conflicts.tasks import scan_tenant_conflicts
from opportunities.models import Opportunity
from teams.selectors import (
    global_accounts_managed_by,
    global_accounts_visible_to,
    visible_records,
)


def _conflict_or_404(user, pk: int):
    """The conflict with its access annotation, or the same 404 for "missing", "another
    tenant's" and "not yours to see"."""
    conflict = cs.conflicts_visible_to(user).filter(pk=pk).first()
    if conflict is None:
        raise Http404
    return conflict


def _handled_or_403(user, pk: int):
    conflict = _conflict_or_404(user, pk)
    if not conflict.full_view:
        raise PermissionDenied(_("Only the global account manager or a tenant admin may do this."))
    return conflict


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _filtered(request):
    form = ConflictFilterForm(request.GET or None)
    filters = form.filters()
    qs = cs.conflicts_visible_to(request.user)
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["status"] == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif filters["status"] in ConflictStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters["country"]:
        qs = qs.filter(cs.CountriesInclude(filters["country"]))
    if filters["global_account"]:
        qs = qs.filter(global_account_id=filters["global_account"])
    return qs.order_by("-detected_at", "-id"), filters


def _scan_state():
    latest = ScanRun.objects.order_by("-started_at").first()
    last_finished = (
        latest
        if latest and latest.status == ScanRun.Status.FINISHED
        else ScanRun.objects.filter(status=ScanRun.Status.FINISHED).order_by("-started_at").first()
    )
    running = latest if latest and latest.status == ScanRun.Status.RUNNING else None
    # Older than the bound, a "running" scan's worker died: shown as stalled, and "Scan now"
    # starts another that takes over.
    stalled = bool(running and running.started_at < timezone.now() - stale_scan_after())
    return {
        "latest": latest,
        "last_finished": last_finished,
        "running": running,
        "stalled": stalled,
    }


EXPORT_COLUMNS = [
    ("Id", lambda c: c.pk),
    ("Kind", lambda c: c.get_kind_display()),
    ("Status", lambda c: c.get_status_display()),
    ("Global account", lambda c: c.global_account.name if c.global_account else ""),
    ("Countries", lambda c: " ".join(c.countries or [])),
    ("Records", lambda c: " ".join(f"{r.get('type')}:{r.get('id')}" for r in c.records or [])),
    ("Reason", lambda c: c.reason),
    ("Detected", lambda c: c.detected_at.isoformat()),
    ("Resolution note", lambda c: c.resolution_note),
]


def _export(queryset):
    """The inbox as CSV: conflicts the user handles (hint rows are not exported: their
    records are not the user's to list)."""
    tenant_id = current_tenant_id()

    def rows():
        with tenant_context(tenant_id):
            for conflict in queryset.iterator(chunk_size=500):
                if conflict.full_view:
                    yield conflict

    return csv_response("conflicts.csv", EXPORT_COLUMNS, rows())


@login_required
def conflict_list(request):
    """The inbox: the conflicts the user handles, and hint rows for their own records."""
    user = request.user
    qs, filters = _filtered(request)
    if request.GET.get("format") == "csv":
        return _export(qs)
    page = paginate(request, qs)
    summaries = cs.record_summaries(page.object_list)
    rows = []
    for conflict in page.object_list:
        if conflict.full_view:
            rows.append({"conflict": conflict, "records": cs.records_of(conflict, summaries)})
        else:
            rows.append({"conflict": conflict, "hint": cs.hint_view(user, conflict, summaries)})
    accounts = (
        global_accounts_visible_to(user)
        if user.is_tenant_admin
        else global_accounts_managed_by(user)
    ).order_by("name")
    return render(
        request,
        "conflicts/conflict_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "kinds": ConflictKind.choices,
            "statuses": ConflictFilterForm.base_fields["status"].choices,
            "countries": Country.objects.order_by("code"),
            "accounts": accounts,
            "scan": _scan_state(),
            "query": request.GET.urlencode(),
        },
    )


@tenant_admin_required
@require_POST
def scan_now(request):
    """Queue the full scan of the tenant (after commit; in the embedded default it runs at
    once, in-process)."""
    scan = _scan_state()
    if scan["running"] and not scan["stalled"]:
        messages.info(request, _("A scan is already running; its results appear here."))
        return redirect("conflicts:conflict_list")
    if send_task(scan_tenant_conflicts, request.user.tenant_id):
        messages.success(request, _("A full scan for duplicate work has been started."))
    else:
        messages.warning(
            request,
            _("The task queue is not available right now: the scan starts as soon as it is back."),
        )
    return redirect("conflicts:conflict_list")


def _detail_context(user, conflict, **forms):
    summaries = cs.record_summaries([conflict])
    context = {"conflict": conflict, "full": conflict.full_view}
    if not conflict.full_view:
        context["hint"] = cs.hint_view(user, conflict, summaries)
        return context
    records = cs.records_of(conflict, summaries)
    duplicates = cs.duplicate_subsidiaries(conflict, summaries)
    members = cs.group_members(conflict, summaries)
    active = conflict.status in ACTIVE_STATUSES
    account_ids = cs.accounts_of(conflict, summaries)
    opportunity_ids = [r.id for r in records if r.type == "opportunity"]
    context.update(
        records=records,
        # Links only to the records the user may open (the GAM sees the conflict whole,
        # but a local customer's deal is still its owner's).
        visible_opportunities=set(
            visible_records(user, Opportunity.objects.filter(pk__in=opportunity_ids)).values_list(
                "pk", flat=True
            )
        )
        if opportunity_ids
        else set(),
        events=cs.conflict_events(conflict),
        active=active,
        can_acknowledge=conflict.status == ConflictStatus.OPEN,
        status_form=forms.get("status_form") or ConflictStatusForm(),
        duplicates=duplicates,
        score_label=cs.score_label(conflict.score),
        evidence=[str(e) for e in conflict.evidence or []],
    )
    if not active:
        return context
    if conflict.kind == ConflictKind.DUPLICATE_CUSTOMER and len(duplicates) >= 2:
        context["merge_form"] = ConflictMergeForm(subsidiaries=duplicates)
        context["link_form"] = forms.get("link_form") or ConflictLinkForm(
            accounts=global_accounts_managed_by(user).order_by("name"),
            initial_account=account_ids[0] if account_ids else None,
        )
    elif conflict.kind == ConflictKind.UNLINKED_GROUP and members:
        # A group: link (to its account, or to one the user manages); a tenant admin may
        # make a new account from it when it has none.
        context["group_members"] = members
        context["unlinked_members"] = [
            m for m in members if m.global_account_id != conflict.global_account_id
        ]
        context["can_create_account"] = user.is_tenant_admin and not conflict.global_account_id
        context["link_form"] = forms.get("link_form") or ConflictLinkForm(
            accounts=global_accounts_managed_by(user).order_by("name"),
            initial_account=conflict.global_account_id or (account_ids[0] if account_ids else None),
        )
    return context


@login_required
def conflict_detail(request, pk: int):
    conflict = _conflict_or_404(request.user, pk)
    return render(
        request, "conflicts/conflict_detail.html", _detail_context(request.user, conflict)
    )


@login_required
@require_POST
def conflict_status(request, pk: int):
    """Acknowledge, resolve (with a note) or dismiss (with a note)."""
    user = request.user
    conflict = _handled_or_403(user, pk)
    form = ConflictStatusForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_set_status(
                conflict=conflict, actor=user, status=form.status(), note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _("Conflict %(status)s.") % {"status": conflict.get_status_display().lower()},
            )
            return redirect("conflicts:conflict_detail", conflict.pk)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
    context = _detail_context(user, conflict, status_form=form)
    return render(request, "conflicts/conflict_detail.html", context, status=400)


@login_required
@require_POST
def conflict_link(request, pk: int):
    """The same group, different legal entities: both customers under one global account."""
    user = request.user
    conflict = _handled_or_403(user, pk)
    form = ConflictLinkForm(
        request.POST, accounts=global_accounts_managed_by(user).order_by("name")
    )
    if form.is_valid():
        try:
            services.conflict_link_to_account(
                conflict=conflict,
                actor=user,
                account=form.cleaned_data["global_account"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("The customers now belong to %(account)s; the conflict is resolved.")
                % {"account": form.cleaned_data["global_account"].name},
            )
            default = reverse("conflicts:conflict_detail", args=[conflict.pk])
            return redirect(_safe_url(request, request.POST.get("next", ""), default))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    context = _detail_context(user, conflict, link_form=form)
    return render(request, "conflicts/conflict_detail.html", context, status=400)


@login_required
def conflict_merge(request, pk: int):
    """Merge a customer entered twice: a confirmation page that lists exactly what will move
    onto the customer that stays, then (POST with the box ticked) the merge itself."""
    user = request.user
    conflict = _handled_or_403(user, pk)
    summaries = cs.record_summaries([conflict])
    duplicates = cs.duplicate_subsidiaries(conflict, summaries)
    if conflict.kind != ConflictKind.DUPLICATE_CUSTOMER or len(duplicates) < 2:
        messages.error(request, _("Only a duplicate customer with both records can be merged."))
        return redirect("conflicts:conflict_detail", conflict.pk)
    if conflict.status not in ACTIVE_STATUSES:
        messages.error(request, _("This conflict is closed."))
        return redirect("conflicts:conflict_detail", conflict.pk)
    data = request.POST if request.method == "POST" else request.GET
    form = ConflictMergeForm(data or None, subsidiaries=duplicates)
    plan = None
    doubts: list[str] = []
    if form.is_valid():
        survivor_id = form.cleaned_data["survivor"]
        subsidiaries = {
            s.pk: s for s in Subsidiary.objects.filter(pk__in=[d.id for d in duplicates])
        }
        survivor = subsidiaries[survivor_id]
        duplicate = next(s for pk_, s in subsidiaries.items() if pk_ != survivor_id)
        doubts = services.merge_doubts(survivor, duplicate)
        if (
            request.method == "POST"
            and form.cleaned_data["confirm"]
            and doubts
            and not form.cleaned_data["confirm_doubts"]
        ):
            form.add_error(
                "confirm_doubts",
                _("These are probably two companies: tick this box only if you are sure."),
            )
        elif request.method == "POST" and form.cleaned_data["confirm"]:
            try:
                services.subsidiaries_merge(
                    survivor=survivor,
                    duplicate=duplicate,
                    actor=user,
                    conflict=conflict,
                    note=form.cleaned_data["note"],
                    confirm_doubts=form.cleaned_data["confirm_doubts"],
                )
                messages.success(
                    request,
                    _("“%(duplicate)s” was merged into “%(survivor)s”.")
                    % {"duplicate": duplicate.name, "survivor": survivor.name},
                )
                return redirect("conflicts:conflict_detail", conflict.pk)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(
                    None, _error_text(exc) if isinstance(exc, ValidationError) else str(exc)
                )
        elif request.method == "POST":
            form.add_error("confirm", _("Tick the box to confirm the merge."))
        plan = services.subsidiaries_merge_plan(
            survivor=survivor, duplicate=duplicate, conflict=conflict
        )
    return render(
        request,
        "conflicts/conflict_merge.html",
        {
            "conflict": conflict,
            "form": form,
            "plan": plan,
            "duplicates": duplicates,
            "doubts": doubts,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- proposed global accounts (group discovery) ----------------------------------------------


@login_required
def proposal_list(request):
    """Proposed global accounts: the unlinked groups the user handles, most countries and
    open pipeline first, each with its members and the evidence. Tenant admins see all and
    may make an account from a group without one; a GAM sees those that touch an account
    they manage and may link them to it. Constant queries: the page, its count, and the
    members of the page's findings."""
    user = request.user
    page = paginate(request, cs.proposals_for(user), per_page=20)
    summaries = cs.record_summaries(page.object_list)
    rows = [
        {
            "conflict": conflict,
            "members": cs.group_members(conflict, summaries),
            "score_label": cs.score_label(conflict.score),
            "evidence": [str(e) for e in conflict.evidence or []],
        }
        for conflict in page.object_list
    ]
    for row in rows:
        account_id = row["conflict"].global_account_id
        row["to_link"] = [m for m in row["members"] if m.global_account_id != account_id]
        row["suggested_name"] = services.suggested_account_name([m.name for m in row["members"]])
    return render(
        request,
        "conflicts/proposal_list.html",
        {
            "page": page,
            "rows": rows,
            "currency": user.tenant.currency,
            "is_admin": user.is_tenant_admin,
        },
    )


@login_required
def proposal_create(request, pk: int):
    """Make a global account from an unlinked group: a confirmation page that shows what will
    happen (the account, the companies linked, the proposed team), then (POST with the box
    ticked) all of it at once. Tenant admins only (creating a global account is theirs)."""
    user = request.user
    conflict = _conflict_or_404(user, pk)
    if not user.is_tenant_admin:
        raise PermissionDenied(_("Only a tenant admin may create a global account."))
    if conflict.status not in ACTIVE_STATUSES:
        messages.error(request, _("This conflict is closed."))
        return redirect("conflicts:conflict_detail", conflict.pk)
    try:
        plan = services.group_account_plan(conflict=conflict)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("conflicts:conflict_detail", conflict.pk)
    initial = {
        "name": plan.name,
        "headquarters_country": plan.headquarters_country,
        "add_local_managers": True,
    }
    form = GroupAccountForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            plan = services.group_account_plan(
                conflict=conflict,
                name=data["name"],
                headquarters_country=data["headquarters_country"],
                manager=data["manager"],
            )
            if "preview" in request.POST:
                status = 200  # only the preview, with the name and GAM chosen
            elif not data["confirm"]:
                form.add_error("confirm", _("Tick the box to confirm."))
            else:
                try:
                    account = services.group_create_account(
                        conflict=conflict,
                        actor=user,
                        name=data["name"],
                        headquarters_country=data["headquarters_country"],
                        manager=data["manager"],
                        add_local_managers=data["add_local_managers"],
                        note=data["note"],
                    )
                    messages.success(
                        request,
                        _(
                            "The global account %(account)s was created and %(n)s companies "
                            "linked to it. To undo, unlink them on the account's page."
                        )
                        % {"account": account.name, "n": len(plan.members)},
                    )
                    return redirect("accounts:global_account_detail", account.pk)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
    add_managers = form["add_local_managers"].value() if form.is_bound else True
    return render(
        request,
        "conflicts/proposal_create.html",
        {
            "conflict": conflict,
            "plan": plan,
            "form": form,
            "add_managers": bool(add_managers),
            "score_label": cs.score_label(conflict.score),
            "evidence": [str(e) for e in conflict.evidence or []],
        },
        status=status,
    )


# --- notifications --------------------------------------------------------------------------


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).select_related("conflict")
    if request.GET.get("show") == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    return render(
        request,
        "conflicts/notification_list.html",
        {
            "page": paginate(request, notifications.order_by("-created_at", "-id")),
            "show": request.GET.get("show", ""),
        },
    )


def _safe_url(request, url: str, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read; with ``open`` set, go on to what it is about."""
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    services.notification_mark_read(user=request.user, notification=notification)
    if request.POST.get("open"):
        default = (
            reverse("conflicts:conflict_detail", args=[notification.conflict_id])
            if notification.conflict_id
            else reverse("conflicts:notification_list")
        )
        return redirect(_safe_url(request, notification.url, default))
    return redirect("conflicts:notification_list")


@login_required
@require_POST
def notifications_read_all(request):
    marked = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": marked})
    return redirect("conflicts:notification_list")
