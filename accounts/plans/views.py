"""Pages of account plans: the plan of an account (strategy and situation, objectives with
progress, actions, local adaptations, comments, reviews and the next review date), its
versions, the forms, the sponsor's review form, and the list of plans with CSV export.

Views parse, look the plan up through ``selectors.plan_access`` (404 for who may not
see it, 403 for what they may see but not change), call a service and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.plans import forms as forms
from accounts.plans import selectors as selectors
from accounts.plans import services as services
from gam import search
from gam.concurrency import StaleVersion
from gam.exports import csv_response
from gam.pages import apply_service_errors, paginate


def _access(request, account_id: int, *, plan_needed: bool = True) -> selectors.PlanAccess:
    access = selectors.plan_access(request.user, account_id)
    if access is None or (plan_needed and access.plan is None):
        raise Http404
    return access


def _item_access(request, queryset, pk: int):
    """(item, access) for an objective, action, adaptation, comment or review by id."""
    item = queryset.filter(pk=pk).first()
    if item is None:
        raise Http404
    access = selectors.plan_access(request.user, item.plan.global_account_id)
    if access is None:
        raise Http404
    return item, access


def _deny(message: str | None = None):
    raise PermissionDenied(message or _("You may see this plan but not change this part of it."))


def _to_plan(access, anchor: str = ""):
    url = redirect("plans:plan_detail", access.account.pk).url
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- the plan page --------------------------------------------------------------------------


@login_required
def plan_detail(request, account_id: int):
    access = _access(request, account_id, plan_needed=False)
    if access.plan is None:
        return render(request, "plans/plan_missing.html", {"access": access})
    today = timezone.localdate()
    context = selectors.plan_page(request.user, access, today=today)
    context["comment_form"] = forms.CommentForm()
    return render(request, "plans/plan_detail.html", context)


@login_required
def plan_edit(request, account_id: int):
    """Create the plan (when the account has none) or change its strategy texts."""
    access = _access(request, account_id, plan_needed=False)
    if not access.can_change_plan:
        _deny(_("Only the global account manager or a tenant admin changes the plan."))
    plan = access.plan
    form = forms.PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                services.plan_create(account=access.account, actor=request.user, **form.texts())
                messages.success(request, _("Account plan created."))
            else:
                services.plan_update(
                    plan=plan,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.texts(),
                )
                messages.success(request, _("Account plan saved."))
            return _to_plan(access)
        except StaleVersion as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "plans/plan_form.html", {"access": access, "form": form})


@login_required
def plan_versions(request, account_id: int):
    access = _access(request, account_id)
    return render(
        request,
        "plans/plan_versions.html",
        {"access": access, "versions": selectors.plan_versions(access.plan)},
    )


@login_required
def plan_list(request):
    """The plans the user sees, with their next review (overdue first), and a CSV."""
    plans = selectors.plans_with_review_dates(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        plans = search.search(plans, query, {"global_account_id": search.Kind.GLOBAL_ACCOUNT})
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    if overdue_only:
        plans = plans.filter(next_review__lt=today)
    plans = plans.order_by("next_review", "global_account__name")
    if request.GET.get("format") == "csv":
        columns = [
            (_("Account"), lambda p: p.global_account.name),
            (_("Tier"), lambda p: p.global_account.tier.name if p.global_account.tier else ""),
            (
                _("Global account manager"),
                lambda p: p.global_account.manager.display_name if p.global_account.manager else "",
            ),
            (_("Version"), lambda p: p.version),
            (_("Last review"), lambda p: p.last_review),
            (_("Next review"), lambda p: p.next_review),
            (_("Review overdue"), lambda p: "yes" if p.next_review < today else "no"),
        ]
        # One row per account: small, evaluated here inside the request's tenant.
        return csv_response("account-plans.csv", columns, list(plans))
    return render(
        request,
        "plans/plan_list.html",
        {"page": paginate(request, plans), "q": query, "overdue": overdue_only, "today": today},
    )


# --- objectives, actions, adaptations -------------------------------------------------------

ITEMS = {
    # kind: (form, queryset of what the user sees, create, update, delete, anchor, title)
    "objective": (
        forms.ObjectiveForm,
        selectors.objectives_visible_to,
        services.objective_create,
        services.objective_update,
        services.objective_delete,
        "objectives",
    ),
    "action": (
        forms.ActionForm,
        selectors.actions_visible_to,
        services.action_create,
        services.action_update,
        services.action_delete,
        "actions",
    ),
    "adaptation": (
        forms.AdaptationForm,
        selectors.adaptations_visible_to,
        services.adaptation_create,
        services.adaptation_update,
        services.adaptation_delete,
        "adaptations",
    ),
}
TITLES = {
    "objective": (_("New objective"), _("Edit objective")),
    "action": (_("New action"), _("Edit action")),
    "adaptation": (_("New local adaptation"), _("Edit local adaptation")),
}


def _item_form(kind, access, data=None, instance=None):
    form_class = ITEMS[kind][0]
    kwargs = {"access": access, "instance": instance}
    if kind == "action":
        kwargs["plan"] = access.plan
    return form_class(data, **kwargs)


def _service_kwargs(kind: str, instance) -> dict:
    return {kind: instance}


@login_required
def item_create(request, account_id: int, kind: str):
    access = _access(request, account_id)
    if kind not in ITEMS:
        raise Http404
    if not access.can_add_items:
        _deny()
    form = _item_form(kind, access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ITEMS[kind][2](plan=access.plan, actor=request.user, **form.changes())
            messages.success(request, _("Saved."))
            return _to_plan(access, ITEMS[kind][5])
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "plans/item_form.html",
        {"access": access, "form": form, "title": TITLES[kind][0], "kind": kind},
    )


@login_required
def item_edit(request, kind: str, pk: int):
    if kind not in ITEMS:
        raise Http404
    item, access = _item_access(request, ITEMS[kind][1](request.user), pk)
    if not access.can_change_in(item.country_id):
        _deny(_("You may change what is planned for your own country only."))
    form = _item_form(kind, access, request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            ITEMS[kind][3](actor=request.user, **_service_kwargs(kind, item), **form.changes())
            messages.success(request, _("Saved."))
            return _to_plan(access, ITEMS[kind][5])
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "plans/item_form.html",
        {"access": access, "form": form, "title": TITLES[kind][1], "kind": kind, "item": item},
    )


@login_required
@require_POST
def item_delete(request, kind: str, pk: int):
    if kind not in ITEMS:
        raise Http404
    item, access = _item_access(request, ITEMS[kind][1](request.user), pk)
    if not access.can_change_in(item.country_id):
        _deny(_("You may delete what is planned for your own country only."))
    ITEMS[kind][4](actor=request.user, **_service_kwargs(kind, item))
    messages.success(request, _("Deleted."))
    return _to_plan(access, ITEMS[kind][5])


# --- comments and reviews -------------------------------------------------------------------


@login_required
@require_POST
def comment_add(request, account_id: int):
    access = _access(request, account_id)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                plan=access.plan, author=request.user, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Comment added."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Write something to comment."))
    return _to_plan(access, "comments")


@login_required
@require_POST
def comment_delete(request, pk: int):
    comment, access = _item_access(request, selectors.comments_visible_to(request.user), pk)
    if not access.can_change_comment(comment):
        _deny(_("Only its author, the GAM or a tenant admin deletes a comment."))
    services.comment_delete(comment=comment, actor=request.user)
    messages.success(request, _("Comment deleted."))
    return _to_plan(access, "comments")


@login_required
def review_create(request, account_id: int):
    """The sponsor's review form: notes and decisions; the next review date follows."""
    access = _access(request, account_id)
    if not access.can_review:
        _deny(_("The account's sponsor records its plan reviews."))
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_record(plan=access.plan, reviewer=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("Review recorded. The next one is due on %(date)s.")
                % {"date": services.next_review_date(access.plan).isoformat()},
            )
            return _to_plan(access, "reviews")
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "plans/review_form.html",
        {
            "access": access,
            "form": form,
            "interval": services.review_interval_days(access.account),
        },
    )
