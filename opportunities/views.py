"""Pages of the sales work: my pipeline (board and table), opportunities with the warnings at
entry, split credit, activities and the account timeline, the leads inbox, campaigns, and the
tenant admin's stages, product lines and qualification parameters.

Views parse, look the record up through the sharing model (404 for what the user may not
see, 403 for what they may see but not change), call a service and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Subsidiary
from gam import search
from gam.access import get_visible
from gam.audit import audit
from gam.concurrency import StaleVersion
from gam.exports import csv_response
from gam.lookups import in_subquery
from gam.models import Country
from gam.pages import apply_service_errors, paginate, tenant_admin_required
from gam.tenancy import current_tenant_id, tenant_context
from opportunities import forms, selectors, services, warnings
from opportunities.filters import OPPORTUNITY_SEARCH
from opportunities.models import (
    Activity,
    CreditSplit,
    Lead,
    LeadAnswer,
    OpportunityStatus,
)
from teams.selectors import can_see_account_details, global_accounts_visible_to, mark_seen_whole


def _require_change(user, record) -> None:
    if not selectors.can_change(user, record):
        raise PermissionDenied(_("You may see this record but not change it."))


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


# --- the pipeline ---------------------------------------------------------------------------


def _pipeline_queryset(request):
    """The opportunities of the pipeline pages with the filters of the query string."""
    user, params = request.user, request.GET
    qs = selectors.opportunities_visible_to(user)
    filters = {key: params.get(key, "").strip() for key in (
        "scope", "q", "country", "stage", "status", "product_line", "global_account",
    )}  # fmt: skip
    if filters["scope"] != "all":
        filters["scope"] = "mine"
        # Both branches are index conditions ORed as bitmaps (gam.lookups), not a test of
        # every opportunity of the tenant against a subplan.
        my_shares = CreditSplit.objects.filter(user=user).values("opportunity_id")
        qs = qs.filter(Q(owner=user) | Q(in_subquery("id", my_shares)))
    if filters["q"]:
        qs = search.search(qs, filters["q"], OPPORTUNITY_SEARCH)
    if filters["country"]:
        qs = qs.filter(country__code=filters["country"].upper())
    if filters["stage"]:
        qs = qs.filter(stage__slug=filters["stage"])
    if filters["status"] in OpportunityStatus.values:
        qs = qs.filter(status=filters["status"])
    for key in ("product_line", "global_account"):
        if filters[key].isdigit():
            qs = qs.filter(**{f"{key}_id": int(filters[key])})
    return qs, filters


def _pipeline_context(request, filters):
    return {
        "filters": filters,
        "countries": Country.objects.order_by("code"),
        "stages": selectors.stages(),
        "product_lines": selectors.product_lines(),
        "statuses": OpportunityStatus.choices,
        "query": request.GET.urlencode(),
    }


@login_required
def pipeline(request):
    """My pipeline as a board: a column per stage, a card per opportunity."""
    qs, filters = _pipeline_queryset(request)
    context = _pipeline_context(request, filters)
    context["columns"] = selectors.pipeline_board(request.user, qs)
    return render(request, "opportunities/pipeline_board.html", context)


EXPORT_COLUMNS = [
    ("Name", lambda o: o.name),
    ("Customer", lambda o: o.subsidiary.name),
    ("Country", lambda o: o.country.code),
    ("Global account", lambda o: o.global_account.name if o.global_account else ""),
    ("Product line", lambda o: o.product_line.name if o.product_line else ""),
    ("Stage", lambda o: o.stage.name),
    ("Phase", lambda o: o.stage.phase),
    ("Status", lambda o: o.status),
    ("Amount", lambda o: o.amount),
    ("Currency", lambda o: o.currency),
    ("Amount (reporting currency)", lambda o: o.amount_reporting),
    ("Close date", lambda o: o.close_date),
    ("Owner", lambda o: o.owner.display_name if o.owner else ""),
]


def _rows_in_tenant(queryset):
    """Rows for a streamed export: the response is iterated after the middleware has left
    the tenant context, so the generator enters it again itself."""
    tenant_id = current_tenant_id()

    def rows():
        with tenant_context(tenant_id):
            yield from queryset.iterator(chunk_size=500)

    return rows()


@login_required
def pipeline_table(request):
    qs, filters = _pipeline_queryset(request)
    qs = qs.order_by("close_date", "id")
    if request.GET.get("format") == "csv":
        rows = qs.select_related(None).select_related(
            "subsidiary", "country", "global_account", "product_line", "stage", "owner"
        )
        return csv_response("opportunities.csv", EXPORT_COLUMNS, _rows_in_tenant(rows))
    context = _pipeline_context(request, filters)
    context["page"] = paginate(request, qs.prefetch_related(None))
    return render(request, "opportunities/pipeline_table.html", context)


@login_required
@require_POST
def opportunity_move(request, pk: int):
    """Move a card to another stage (a small form on each card; htmx swaps the board)."""
    opportunity = selectors.access_opportunity(request.user, pk)
    _require_change(request.user, opportunity)
    form = forms.StageMoveForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_move_stage(
                opportunity=opportunity,
                stage=form.cleaned_data["stage"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(
                request,
                _("“%(name)s” moved to %(stage)s.")
                % {"name": opportunity.name, "stage": opportunity.stage.name},
            )
        except StaleVersion as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a stage to move the opportunity to."))
    return redirect(_next_url(request, reverse("opportunities:pipeline")))


# --- one opportunity ------------------------------------------------------------------------


@login_required
def opportunity_detail(request, pk: int):
    user = request.user
    opportunity = selectors.access_opportunity(user, pk)
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "can_change": selectors.can_change(user, opportunity),
            "stage_history": selectors.opportunity_stage_history(opportunity),
            "activities": selectors.activities_visible_to(user).filter(opportunity=opportunity)[
                :20
            ],
            "changes": selectors.opportunity_changes(opportunity),
            "agreements": [
                a
                for a in warnings.agreements_covering(
                    opportunity.subsidiary, opportunity.close_date
                )
                if a.pk != opportunity.framework_agreement_id
            ]
            if opportunity.status == OpportunityStatus.OPEN
            else [],
            "parallel": warnings.parallel_opportunities(
                user,
                subsidiary=opportunity.subsidiary,
                product_line=opportunity.product_line,
                exclude_pk=opportunity.pk,
            )
            if opportunity.status == OpportunityStatus.OPEN
            else [],
        },
    )


def _entry_warnings(user, form, exclude_pk=None):
    """(agreements covering the chosen customer's country, parallel work) for the form."""
    subsidiary = form.chosen_subsidiary()
    if subsidiary is None:
        return [], []
    product_line_id = form.data.get("product_line") if form.is_bound else None
    if not form.is_bound:
        product_line_id = form.initial.get("product_line") or form.instance.product_line_id
    product_line = (
        selectors.product_lines().filter(pk=product_line_id).first()
        if str(product_line_id or "").isdigit()
        else None
    )
    return (
        warnings.agreements_covering(subsidiary),
        warnings.parallel_opportunities(
            user, subsidiary=subsidiary, product_line=product_line, exclude_pk=exclude_pk
        ),
    )


def _unlinked(agreements, form) -> list:
    linked = form.data.get("framework_agreement") if form.is_bound else None
    return [a for a in agreements if str(a.pk) != str(linked or "")]


@login_required
def opportunity_edit(request, pk: int | None = None):
    user = request.user
    instance = None
    if pk is not None:
        instance = selectors.access_opportunity(user, pk)
        _require_change(user, instance)
    initial = {}
    if instance is None and request.GET.get("subsidiary", "").isdigit():
        initial["subsidiary"] = int(request.GET["subsidiary"])
    form = forms.OpportunityForm(
        request.POST or None, instance=instance, initial=initial, user=user
    )
    agreements, parallel = _entry_warnings(user, form, exclude_pk=pk)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirmed = data.pop("confirm_warnings")
        version = data.pop("version")
        entry_changed = instance is None or {"subsidiary", "product_line"} & set(form.changed_data)
        if entry_changed and (_unlinked(agreements, form) or parallel) and not confirmed:
            form.add_error(
                "confirm_warnings",
                _("Read the notices above: link the agreement or tick this box to save anyway."),
            )
        elif instance is not None and not selectors.may_create_at(
            user, data["subsidiary"], data["owner"] or user
        ):
            form.add_error("owner", _("Only those who may change this customer can do that."))
        else:
            try:
                if instance is None:
                    if not selectors.may_create_at(user, data["subsidiary"], data["owner"] or user):
                        raise ValidationError(
                            {"owner": _("Only those who may change this customer can do that.")}
                        )
                    opportunity = services.opportunity_create(actor=user, **data)
                    messages.success(request, _("Opportunity created."))
                else:
                    opportunity = services.opportunity_update(
                        opportunity=instance, actor=user, expected_version=version, **data
                    )
                    messages.success(request, _("Opportunity saved."))
                return redirect("opportunities:opportunity_detail", opportunity.pk)
            except StaleVersion as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
    return render(
        request,
        "opportunities/opportunity_form.html",
        {
            "form": form,
            "object": instance,
            "agreements": agreements,
            "parallel": parallel,
            "needs_confirmation": bool(_unlinked(agreements, form) or parallel),
        },
    )


@login_required
@require_GET
def entry_panel(request):
    """The warnings at entry and the agreement choice, refreshed (htmx) when the customer or
    the product line of the form changes."""
    pk = request.GET.get("pk")
    instance = None
    if pk and pk.isdigit():
        instance = selectors.access_opportunity(request.user, pk)
    form = forms.OpportunityForm(request.GET, instance=instance, user=request.user)
    agreements, parallel = _entry_warnings(request.user, form, exclude_pk=instance and instance.pk)
    return render(
        request,
        "opportunities/_entry_panel.html",
        {
            "form": form,
            "agreements": agreements,
            "parallel": parallel,
            "needs_confirmation": bool(_unlinked(agreements, form) or parallel),
        },
    )


@login_required
@require_POST
def opportunity_delete(request, pk: int):
    opportunity = selectors.access_opportunity(request.user, pk)
    _require_change(request.user, opportunity)
    services.opportunity_delete(opportunity=opportunity, actor=request.user)
    messages.success(request, _("Opportunity deleted."))
    return redirect("opportunities:pipeline")


@login_required
def opportunity_splits(request, pk: int):
    """Split the credit between sellers and countries (shares sum to exactly 100%)."""
    opportunity = selectors.access_opportunity(request.user, pk)
    _require_change(request.user, opportunity)
    initial = [
        {"user": s.user, "country": s.country, "percent": s.percent}
        for s in opportunity.splits.all()
    ]
    formset = forms.CreditSplitFormSet(request.POST or None, initial=initial, prefix="split")
    split_error = None
    if request.method == "POST" and formset.is_valid():
        splits = [
            services.Split(user=row["user"], country=row["country"], percent=row["percent"])
            for row in formset.cleaned_data
            if row and not row.get("DELETE")
        ]
        try:
            services.opportunity_update(
                opportunity=opportunity,
                actor=request.user,
                expected_version=_int_or_none(request.POST.get("version")),
                splits=splits,
            )
            messages.success(request, _("Credit split saved."))
            return redirect("opportunities:opportunity_detail", opportunity.pk)
        except StaleVersion as exc:
            split_error = str(exc)
        except ValidationError as exc:
            split_error = " ".join(exc.messages)
    return render(
        request,
        "opportunities/opportunity_splits.html",
        {"opportunity": opportunity, "formset": formset, "split_error": split_error},
    )


def _int_or_none(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# --- activities and the account timeline ----------------------------------------------------


@login_required
def account_timeline(request, account_id: int):
    user = request.user
    account = get_visible(global_accounts_visible_to(user).select_related("manager"), account_id)
    country = request.GET.get("country", "").strip()
    kind = request.GET.get("kind", "").strip()
    if kind not in Activity.Kind.values:
        kind = ""
    on_team = can_see_account_details(user, account)
    if on_team:
        mark_seen_whole(user, account)  # the timeline then needs no second check
    activities = selectors.account_timeline(user, account, country=country, kind=kind)
    countries = Country.objects.filter(
        pk__in=Subsidiary.objects.filter(global_account=account).values("country")
    ).order_by("code")
    return render(
        request,
        "opportunities/account_timeline.html",
        {
            "account": account,
            "page": paginate(request, activities),
            "countries": countries,
            "kinds": Activity.Kind.choices,
            "country": country.upper(),
            "kind": kind,
            "on_team": on_team,
        },
    )


@login_required
def activity_edit(request, pk: int | None = None):
    user = request.user
    instance = None
    if pk is not None:
        instance = selectors.access_activity(user, pk)
        _require_change(user, instance)
    initial = {}
    for key in ("subsidiary", "opportunity"):
        if instance is None and request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    if instance is None and initial.get("opportunity") and not initial.get("subsidiary"):
        linked = selectors.opportunities_visible_to(user).filter(pk=initial["opportunity"]).first()
        if linked:
            initial["subsidiary"] = linked.subsidiary_id
    form = forms.ActivityForm(request.POST or None, instance=instance, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if instance is None:
                if not selectors.may_create_at(user, data["subsidiary"], user):
                    raise PermissionDenied
                activity = services.activity_create(actor=user, **data)
                messages.success(request, _("Activity recorded."))
            else:
                activity = services.activity_update(activity=instance, actor=user, **data)
                messages.success(request, _("Activity saved."))
            default = (
                reverse("opportunities:opportunity_detail", args=[activity.opportunity_id])
                if activity.opportunity_id
                else reverse("opportunities:account_timeline", args=[activity.global_account_id])
                if activity.global_account_id
                else reverse("opportunities:pipeline")
            )
            return redirect(_next_url(request, default))
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "opportunities/activity_form.html",
        {"form": form, "object": instance, "next": request.GET.get("next", "")},
    )


@login_required
@require_POST
def activity_delete(request, pk: int):
    activity = selectors.access_activity(request.user, pk)
    _require_change(request.user, activity)
    services.activity_delete(activity=activity)
    messages.success(request, _("Activity deleted."))
    return redirect(_next_url(request, reverse("opportunities:pipeline")))


# --- leads ----------------------------------------------------------------------------------

LEAD_TABS = {
    "open": Q(status__in=[Lead.Status.NEW, Lead.Status.QUALIFIED, Lead.Status.CONTACTED]),
    "converted": Q(status=Lead.Status.CONVERTED),
    "disqualified": Q(status=Lead.Status.DISQUALIFIED),
    "all": Q(),
}


@login_required
def lead_list(request):
    """The leads inbox: qualification score, SLA deadline, overdue leads first."""
    leads = selectors.leads_visible_to(request.user)
    tab = request.GET.get("tab", "open")
    query = request.GET.get("q", "").strip()
    overdue_count = selectors.leads_overdue(leads).count()
    if tab == "overdue":
        shown = selectors.leads_overdue(leads)
    else:
        tab = tab if tab in LEAD_TABS else "open"
        shown = leads.filter(LEAD_TABS[tab])
    if query:
        shown = shown.filter(Q(company_name__icontains=query) | Q(contact_name__icontains=query))
    page = paginate(request, shown.order_by("qualified_at", "-score", "-created_at"))
    for lead in page.object_list:
        lead.sla_deadline = selectors.lead_sla_deadline(lead)
        lead.overdue = selectors.lead_is_overdue(lead)
    return render(
        request,
        "opportunities/lead_list.html",
        {
            "page": page,
            "tab": tab,
            "q": query,
            "overdue_count": overdue_count,
            "sla_hours": selectors.LEAD_SLA_HOURS,
            "tabs": [
                ("open", _("Open")),
                ("overdue", _("Overdue")),
                ("converted", _("Converted")),
                ("disqualified", _("Disqualified")),
                ("all", _("All")),
            ],
        },
    )


@login_required
def lead_edit(request, pk: int | None = None):
    user = request.user
    instance = selectors.access_lead(user, pk) if pk else None
    answers = {}
    if instance is not None:
        answers = dict(
            LeadAnswer.objects.filter(lead=instance).values_list("parameter_id", "value")
        )
    form = forms.LeadForm(
        request.POST or None, instance=instance, answers=answers, initial={"country": user.country}
    )
    if instance is not None and instance.status == Lead.Status.CONVERTED:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                lead = services.lead_create(actor=user, answers=form.answers(), **form.changes())
                messages.success(request, _("Lead created."))
            else:
                lead = services.lead_update(
                    lead=instance, actor=user, answers=form.answers(), **form.changes()
                )
                messages.success(request, _("Lead saved."))
            return redirect("opportunities:lead_edit", lead.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "opportunities/lead_form.html",
        {
            "form": form,
            "object": instance,
            "sla_deadline": instance and selectors.lead_sla_deadline(instance),
            "overdue": instance is not None and selectors.lead_is_overdue(instance),
        },
    )


@login_required
def lead_convert(request, pk: int):
    """Convert a lead into an opportunity, at an existing customer when one matches."""
    user = request.user
    lead = selectors.access_lead(user, pk)
    if lead.status == Lead.Status.CONVERTED:
        messages.info(request, _("This lead has already been converted."))
        return redirect("opportunities:lead_edit", lead.pk)
    matches = selectors.lead_matching_subsidiaries(lead)
    form = forms.LeadConvertForm(
        request.POST or None,
        matches=matches,
        initial={
            "name": f"{lead.company_name} – {lead.product_line or _('new business')}",
            "currency": lead.country.currency,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opportunity = services.lead_convert(
                lead=lead,
                actor=user,
                subsidiary=form.chosen_subsidiary(),
                stage=data["stage"],
                close_date=data["close_date"],
                amount=data["amount"],
                currency=data["currency"],
                name=data["name"],
            )
            messages.success(request, _("Lead converted into an opportunity."))
            return redirect("opportunities:opportunity_detail", opportunity.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "opportunities/lead_convert.html",
        {"lead": lead, "form": form, "matches": matches},
    )


# --- campaigns ------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    campaigns = selectors.campaigns_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        campaigns = search.search(
            campaigns, query, {"id": search.Kind.CAMPAIGN, "subsidiary_id": search.Kind.SUBSIDIARY}
        )
    return render(
        request,
        "opportunities/campaign_list.html",
        {"page": paginate(request, campaigns.order_by("-starts_on", "id")), "q": query},
    )


@login_required
def campaign_edit(request, pk: int | None = None):
    user = request.user
    instance = None
    if pk is not None:
        instance = selectors.access_campaign(user, pk)
        _require_change(user, instance)
    form = forms.CampaignForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                services.campaign_create(actor=user, **form.cleaned_data)
                messages.success(request, _("Campaign created."))
            else:
                services.campaign_update(campaign=instance, actor=user, **form.cleaned_data)
                messages.success(request, _("Campaign saved."))
            return redirect("opportunities:campaign_list")
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "opportunities/campaign_form.html", {"form": form, "object": instance})


@login_required
@require_POST
def campaign_delete(request, pk: int):
    campaign = selectors.access_campaign(request.user, pk)
    _require_change(request.user, campaign)
    services.campaign_delete(campaign=campaign)
    messages.success(request, _("Campaign deleted."))
    return redirect("opportunities:campaign_list")


# --- tenant admin: the sales configuration --------------------------------------------------

CONFIGURATION = {
    # kind: (title, queryset, form, columns as (header, attribute))
    "stages": (
        _("Sales stages"),
        selectors.stages,
        forms.StageForm,
        [
            ("Name", "name"),
            ("Slug", "slug"),
            ("Phase", "get_phase_display"),
            ("Probability %", "probability"),
            ("Country", "country"),
        ],
    ),  # fmt: skip
    "product-lines": (
        _("Product lines"),
        selectors.product_lines,
        forms.ProductLineForm,
        [("Name", "name")],
    ),
    "lead-parameters": (
        _("Lead qualification parameters"),
        selectors.qualification_parameters,
        forms.QualificationParameterForm,
        [("Name", "name"), ("Weight", "weight"), ("Order", "order")],
    ),
}


def _configuration(kind: str):
    if kind not in CONFIGURATION:
        raise Http404
    return CONFIGURATION[kind]


@tenant_admin_required
def configuration_list(request, kind: str):
    title, queryset, _form, columns = _configuration(kind)
    page = paginate(request, queryset(), per_page=100)
    rows = [
        (obj, [getattr(obj, attr)() if callable(getattr(obj, attr)) else getattr(obj, attr)
               for _header, attr in columns])
        for obj in page.object_list
    ]  # fmt: skip
    return render(
        request,
        "opportunities/configuration_list.html",
        {
            "kind": kind,
            "title": title,
            "headers": [header for header, _attr in columns],
            "rows": rows,
            "page": page,
        },
    )


@tenant_admin_required
def configuration_edit(request, kind: str, pk: int | None = None):
    title, queryset, form_class, _columns = _configuration(kind)
    instance = get_visible(queryset(), pk) if pk else None
    previous_phase = getattr(instance, "phase", None)  # stages only
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        if kind == "stages" and instance is not None and obj.phase != previous_phase:
            services.stage_phase_changed(obj)
        audit(request.user, f"{kind}.{'update' if instance else 'create'}", obj, name=str(obj))
        messages.success(request, _("Saved."))
        return redirect("opportunities:configuration_list", kind)
    return render(
        request,
        "opportunities/configuration_form.html",
        {"kind": kind, "title": title, "form": form, "object": instance},
    )


@tenant_admin_required
@require_POST
def configuration_delete(request, kind: str, pk: int):
    _title, queryset, _form, _columns = _configuration(kind)
    obj = get_visible(queryset(), pk)
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        messages.error(
            request, _("“%(name)s” is still in use and cannot be deleted.") % {"name": obj}
        )
        return redirect("opportunities:configuration_list", kind)
    messages.success(request, _("Deleted."))
    return redirect("opportunities:configuration_list", kind)
