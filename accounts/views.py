"""Pages of customers: global accounts (list, detail with subsidiaries by country, team,
agreements, contacts, the relationship map, score and history), subsidiaries, contacts,
relationships, framework agreements, and the tenant admin's tiers and selection criteria.

Views parse, look the record up through the sharing model (teams/selectors.py and
accounts/selectors.py: 404 for what the user may not see, 403 for what they may see but not
change), call a service of accounts/services.py and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import change_history, dependents, forms, relationship_map, scoring, services
from accounts import selectors as account_selectors
from accounts.discovery import find_matches
from accounts.models import Contact, FrameworkAgreement, GlobalAccount, Subsidiary, Tier
from accounts.warnings import group_hints
from gam import search
from gam.access import get_visible
from gam.concurrency import StaleVersion
from gam.exports import export_response, wants_export
from gam.imports.sources import with_source_ids
from gam.models import Country, User
from gam.pages import apply_service_errors, paginate, tenant_admin_required
from gam.tenancy import current_tenant_id, tenant_context
from teams import selectors as sharing
from teams.models import TeamMembership, TeamRole

# --- helpers --------------------------------------------------------------------------------


def _deny(message: str | None = None):
    raise PermissionDenied(message or _("You may see this record but not change it."))


def _rows_in_tenant(queryset):
    """Rows for a streamed export: the response is iterated after the middleware has left
    the tenant context, so the generator enters it again itself."""
    tenant_id = current_tenant_id()

    def rows():
        with tenant_context(tenant_id):
            yield from queryset.iterator(chunk_size=500)

    return rows()


def _url_or_none(name: str, *args, query: str = "") -> str | None:
    """A link to a page of another feature, or None while that page does not exist yet."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _url_around_pk(name: str) -> tuple[str, str]:
    """(before, after) the pk in the URL named ``name``: a long list links each row with two
    strings instead of a ``reverse()`` per row."""
    marker = 987654321
    before, after = reverse(name, args=[marker]).split(str(marker))
    return before, after


def _digits(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _users():
    return User.in_tenant.filter(is_active=True).order_by("name", "email")


# --- global accounts: list ------------------------------------------------------------------


def _global_account_queryset(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "tier", "country", "gam")}
    qs = account_selectors.global_accounts_filter(
        account_selectors.global_accounts_for_list(request.user),
        search=filters["q"],
        tier=filters["tier"] if filters["tier"] == "none" else _digits(filters["tier"]),
        country=filters["country"],
        manager=filters["gam"] if filters["gam"] == "none" else _digits(filters["gam"]),
    )
    return qs.order_by("name", "id"), filters


GLOBAL_ACCOUNT_COLUMNS = [
    ("Id", lambda a: a.pk),
    ("Name", lambda a: a.name),
    ("Tier", lambda a: a.tier.name if a.tier else ""),
    ("Global account manager", lambda a: a.manager.display_name if a.manager else ""),
    ("Headquarters", lambda a: a.headquarters_country.code if a.headquarters_country else ""),
    ("Subsidiaries", lambda a: a.subsidiary_count),
    ("Countries", lambda a: a.country_count),
    ("Industry", lambda a: a.industry),
    ("Website", lambda a: a.website),
    ("Source ids", lambda a: a.source_ids),
]


@login_required
def global_account_list(request):
    qs, filters = _global_account_queryset(request)
    if wants_export(request):
        rows = with_source_ids(_rows_in_tenant(qs), "accounts.globalaccount")
        return export_response(request, "global-accounts", GLOBAL_ACCOUNT_COLUMNS, rows)
    return render(
        request,
        "accounts/global_account_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "filtered": any(filters.values()),
            "tiers": Tier.objects.all(),
            "countries": Country.objects.order_by("code"),
            "managers": User.in_tenant.filter(
                Exists(GlobalAccount.objects.filter(manager=OuterRef("pk")))
            ).order_by("name", "email"),
            "query": request.GET.urlencode(),
            "can_create": request.user.is_tenant_admin,
        },
    )


# --- global accounts: detail ----------------------------------------------------------------


def _account_history(account: GlobalAccount, contacts=None, known=None):
    tenant = {"tenant_id": account.tenant_id}
    histories = [
        GlobalAccount.history.filter(id=account.pk, **tenant),
        Subsidiary.history.filter(
            id__in=Subsidiary.objects.filter(global_account=account).values("id"), **tenant
        ),
        FrameworkAgreement.history.filter(global_account_id=account.pk, **tenant),
    ]
    if contacts is not None:
        histories.append(Contact.history.filter(id__in=[c.pk for c in contacts], **tenant))
    return change_history.changes_of(histories, known=known)


# Subsidiaries listed per country on the account page; the count says how many there are and
# the customer list shows them all (an account may have a thousand in fifty countries).
SUBSIDIARIES_PER_COUNTRY = 5


@login_required
def global_account_detail(request, pk: int):
    user = request.user
    # Every right is computed once, in the account's own query, and passed down.
    account = account_selectors.access_global_account_for_page(user, pk)
    on_team = bool(account.details_visible)
    team = list(
        TeamMembership.objects.filter(global_account=account)
        .select_related("user", "country")
        .order_by("role", "country__code", "user__name")
    )
    groups = account_selectors.subsidiaries_by_country(
        user, account, team=team, per_country=SUBSIDIARIES_PER_COUNTRY
    )
    subsidiary_list = reverse("accounts:subsidiary_list")
    context = {
        "account": account,
        "on_team": on_team,
        "can_change": account.can_change,
        "can_manage": account.can_manage,
        "can_delete": user.is_tenant_admin,
        "groups": groups,
        "subsidiary_total": account.subsidiary_count,
        "country_total": account.country_count,
        "subsidiaries_in_country_url": f"{subsidiary_list}?global_account={account.pk}&country=",
        "subsidiary_url": _url_around_pk("accounts:subsidiary_detail"),
        "subsidiary_edit_url": _url_around_pk("accounts:subsidiary_edit"),
        "team": team,
        "can_add_subsidiary": account.can_change
        or any(m.user_id == user.pk and m.role == TeamRole.LOCAL_ACCOUNT_MANAGER for m in team),
        "dashboard_url": _url_or_none("reporting:account_dashboard", account.pk),
        "timeline_url": _url_or_none("opportunities:account_timeline", account.pk),
        "plan_url": _url_or_none("plans:plan_detail", account.pk),
    }
    if on_team:
        today = timezone.localdate()
        agreements = list(account_selectors.framework_agreements_of_account(user, account))
        contacts = list(account_selectors.contacts_of_account(user, account))
        relationships = account_selectors.mark_changeable_relationships(user, contacts)
        criteria = account_selectors.criteria_with_values(account)
        # Names the history would otherwise look up: what this page has loaded already.
        countries = [c for c, _subs in groups] + [c for a in agreements for c in a.countries.all()]
        if account.headquarters_country:
            countries.append(account.headquarters_country)
        known = {
            ("gam", "Country"): {c.pk: c for c in countries},
            ("gam", "User"): {m.user_id: m.user for m in team},
            ("accounts", "Tier"): {account.tier_id: account.tier} if account.tier else {},
            ("accounts", "Contact"): {c.pk: c for c in contacts},
        }
        context.update(
            {
                "today": today,
                "active_agreements": [a for a in agreements if a.is_active_on(today)],
                "other_agreements": [a for a in agreements if not a.is_active_on(today)],
                "contacts": contacts,
                "relationships": relationships,
                "relationship_map": relationship_map.build(contacts, relationships),
                "score_breakdown": scoring.breakdown_rows(
                    criteria, {c.pk: c.account_value for c in criteria}
                ),
                "open_conflicts": getattr(account, "open_conflicts", None),
                "conflicts_url": _url_or_none(
                    "conflicts:conflict_list", query=f"?global_account={account.pk}"
                ),
                "changes": _account_history(account, contacts, known),
            }
        )
    return render(request, "accounts/global_account_detail.html", context)


# --- subsidiaries: list and detail ----------------------------------------------------------


def _subsidiary_queryset(request):
    params = request.GET
    filters = {k: params.get(k, "").strip() for k in ("q", "country", "global_account", "owner")}
    qs = account_selectors.subsidiaries_for_list(request.user)
    if filters["q"]:
        kinds = (search.Kind.SUBSIDIARY, search.Kind.SUBSIDIARY_CODE)  # name, number, website
        qs = search.search(qs, filters["q"], {"id": kinds})
    if filters["country"]:
        qs = qs.filter(country__code=filters["country"].upper())
    if filters["global_account"] == "none":
        qs = qs.filter(global_account__isnull=True)
    elif _digits(filters["global_account"]):
        qs = qs.filter(global_account_id=_digits(filters["global_account"]))
    if filters["owner"] == "me":
        qs = qs.filter(owner=request.user)
    elif _digits(filters["owner"]):
        qs = qs.filter(owner_id=_digits(filters["owner"]))
    return qs.order_by("name", "id"), filters


# The columns of the customers export, which the customers import reads back: "Id" makes an
# edited file update exactly its rows, "Source ids" are the ids in the systems they came from.
SUBSIDIARY_COLUMNS = [
    ("Id", lambda s: s.pk),
    ("Name", lambda s: s.name),
    ("Country", lambda s: s.country.code),
    ("Global account", lambda s: s.global_account.name if s.global_account else ""),
    (
        "Global account manager",
        lambda s: (
            s.global_account.manager.display_name
            if s.global_account and s.global_account.manager
            else ""
        ),
    ),
    ("Registration / VAT number", lambda s: s.registration_number),
    ("Website", lambda s: s.website),
    ("Owner", lambda s: s.owner.email if s.owner else ""),
    ("Address", lambda s: s.address),
    ("Source ids", lambda s: s.source_ids),
]


@login_required
def subsidiary_list(request):
    qs, filters = _subsidiary_queryset(request)
    if wants_export(request):
        rows = with_source_ids(_rows_in_tenant(qs), "accounts.subsidiary")
        return export_response(request, "subsidiaries", SUBSIDIARY_COLUMNS, rows)
    chosen_account = None
    if _digits(filters["global_account"]):
        chosen_account = GlobalAccount.objects.filter(pk=_digits(filters["global_account"])).first()
    return render(
        request,
        "accounts/subsidiary_list.html",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "filtered": any(filters.values()),
            "countries": Country.objects.order_by("code"),
            "chosen_account": chosen_account,
            "owners": User.in_tenant.filter(
                Exists(Subsidiary.objects.filter(owner=OuterRef("pk")))
            ).order_by("name", "email"),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def subsidiary_detail(request, pk: int):
    user = request.user
    subsidiary = account_selectors.access_subsidiary_for_page(user, pk)
    account = subsidiary.global_account
    # Contacts, opportunities and the history are for those who see the customer's details
    # (the account's team, the owner, the tenant admin); everyone sees that it exists.
    sees_details = bool(subsidiary.sees_details)
    context = {
        "subsidiary": subsidiary,
        "account": account,
        "can_change": subsidiary.can_change,
        "sees_details": sees_details,
    }
    # What the layers above show here (the opportunities the user may see of it).
    for name, section in dependents.CUSTOMER_PAGE_SECTIONS.items():
        context[name] = section(user, subsidiary)
    if sees_details:
        contacts = list(account_selectors.contacts_of_subsidiary(user, subsidiary))
        tenant = {"tenant_id": subsidiary.tenant_id}
        known = {
            ("gam", "Country"): {subsidiary.country_id: subsidiary.country},
            ("accounts", "GlobalAccount"): {account.pk: account} if account else {},
            ("accounts", "Contact"): {c.pk: c for c in contacts},
        }
        if subsidiary.owner:
            known[("gam", "User")] = {subsidiary.owner_id: subsidiary.owner}
        context.update(
            {
                "contacts": contacts,
                "changes": change_history.changes_of(
                    [
                        Subsidiary.history.filter(id=subsidiary.pk, **tenant),
                        Contact.history.filter(id__in=[c.pk for c in contacts], **tenant),
                    ],
                    known=known,
                ),
            }
        )
    return render(request, "accounts/subsidiary_detail.html", context)


# --- writes: shared -------------------------------------------------------------------------


def _confirm_delete(request, *, title, question, consequences, cancel_url):
    return render(
        request,
        "accounts/confirm_delete.html",
        {
            "title": title,
            "question": question,
            "consequences": consequences,
            "cancel_url": cancel_url,
        },
    )


def _service_error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- global accounts: writes ----------------------------------------------------------------


@login_required
def global_account_create(request):
    if not request.user.is_tenant_admin:
        _deny(_("Only tenant admins create global accounts."))
    form = forms.GlobalAccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.global_account_create(actor=request.user, **form.changes())
            messages.success(request, _("Global account created. Now add its team."))
            return redirect("accounts:global_account_detail", account.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "accounts/global_account_form.html", {"form": form, "object": None})


@login_required
def global_account_edit(request, pk: int):
    user = request.user
    account = account_selectors.access_global_account(user, pk)
    if not account.can_change:
        _deny(_("Only the global account manager or a tenant admin may change this account."))
    form = forms.GlobalAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.global_account_update(
                actor=user,
                account=account,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
            messages.success(request, _("Global account saved."))
            return redirect("accounts:global_account_detail", account.pk)
        except StaleVersion as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "accounts/global_account_form.html", {"form": form, "object": account})


@login_required
def global_account_delete(request, pk: int):
    user = request.user
    account = account_selectors.access_global_account(user, pk)
    if not user.is_tenant_admin:
        _deny(_("Only tenant admins delete global accounts."))
    if request.method == "POST":
        try:
            services.global_account_delete(actor=user, account=account)
            messages.success(
                request,
                _("“%(name)s” deleted; its subsidiaries are local customers now.")
                % {"name": account.name},
            )
            return redirect("accounts:global_account_list")
        except ValidationError as exc:
            messages.error(request, _service_error_message(exc))
            return redirect("accounts:global_account_detail", account.pk)
    return _confirm_delete(
        request,
        title=account.name,
        question=_("Delete the global account “%(name)s”?") % {"name": account.name},
        consequences=_(
            "Its team, framework agreements and plan are deleted; its %(n)d subsidiaries stay, "
            "as local customers. Refused while the account has opportunities."
        )
        % {"n": account.subsidiary_count},
        cancel_url=reverse("accounts:global_account_detail", args=[account.pk]),
    )


@login_required
def tier_override(request, pk: int):
    user = request.user
    account = account_selectors.access_global_account(user, pk)
    if not account.can_change:
        _deny(_("Only the global account manager or a tenant admin may change the tier."))
    form = forms.TierOverrideForm(
        request.POST or None,
        initial={"tier": account.tier_id, "reason": account.tier_override_reason},
    )
    if request.method == "POST":
        if "clear" in request.POST:
            services.tier_override_clear(actor=user, account=account)
            messages.success(request, _("The tier follows the score again."))
            return redirect("accounts:global_account_detail", account.pk)
        if form.is_valid():
            try:
                services.tier_override_set(
                    actor=user,
                    account=account,
                    tier=form.cleaned_data["tier"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Tier set by hand."))
                return redirect("accounts:global_account_detail", account.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
    computed = scoring.tier_for_score(account.score, account_selectors.tiers())
    return render(
        request,
        "accounts/tier_override.html",
        {"account": account, "form": form, "computed_tier": computed},
    )


@login_required
def criterion_scores(request, pk: int):
    user = request.user
    account = account_selectors.access_global_account(user, pk)
    if not account.can_change:
        _deny(_("Only the global account manager or a tenant admin may assess this account."))
    values = {cid: s.value for cid, s in account_selectors.criterion_values(account).items()}
    form = forms.CriterionScoresForm(
        request.POST or None, criteria=account_selectors.selection_criteria(), values=values
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.criterion_scores_set(
                actor=user, account=account, values=form.values()
            )
            messages.success(
                request,
                _("Scores saved: %(score)s / 5, tier %(tier)s.")
                % {"score": account.score, "tier": account.tier or "—"},
            )
            return redirect("accounts:global_account_detail", account.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "accounts/criterion_scores.html", {"account": account, "form": form})


# --- subsidiaries: writes -------------------------------------------------------------------


def _duplicates(user, form, exclude_pk=None) -> list:
    """Existing customers that look like the one in the form (accounts.matching). Everyone
    may see every subsidiary and every global account's name and GAM (DESIGN.md), so the
    warning names them: the point is that the user talks to that GAM instead of entering the
    customer twice."""
    data = form.cleaned_data
    return find_matches(
        data["name"],
        data.get("registration_number") or "",
        data.get("website") or "",
        data["country"].code if data.get("country") else "",
        exclude_pk=exclude_pk,
        queryset=sharing.subsidiaries_visible_to(user),
    )


def _group_hints(user, form, instance, matches) -> list:
    """The global accounts the customer in the form probably belongs to (group discovery),
    unless the form already puts it under one of them or a likely duplicate there is shown
    already."""
    data = form.cleaned_data
    return group_hints(
        user,
        name=data["name"],
        country=data.get("country"),
        registration_number=data.get("registration_number") or "",
        website=data.get("website") or "",
        exclude_pk=instance.pk if instance else None,
        current_account_id=data["global_account"].pk if data.get("global_account") else None,
        exclude_account_ids={
            m.subsidiary.global_account_id for m in matches if m.subsidiary.global_account_id
        },
    )


def _check_local_manager_country(user, form, instance) -> None:
    """A local account manager places the account's subsidiaries only in their country: say
    so on the country field (accounts.services refuses it in any case)."""
    account, country = form.cleaned_data["global_account"], form.cleaned_data["country"]
    moved = instance is None or {"global_account", "country"} & set(form.changed_data)
    if account is None or not moved:
        return
    if account_selectors.may_place_subsidiary(user, account, country):
        return
    mine = sorted(
        TeamMembership.objects.filter(
            global_account=account, user=user, role=TeamRole.LOCAL_ACCOUNT_MANAGER
        ).values_list("country__code", flat=True)
    )
    if mine:
        form.add_error(
            "country",
            _(
                "As local account manager you place subsidiaries of “%(account)s” only in "
                "%(mine)s. For %(country)s ask its global account manager (%(gam)s)."
            )
            % {
                "account": account.name,
                "mine": ", ".join(mine),
                "country": country.code,
                "gam": account.manager.display_name if account.manager_id else "—",
            },
        )


@login_required
def subsidiary_edit(request, pk: int | None = None):
    user = request.user
    instance = None
    if pk is not None:
        instance = account_selectors.access_subsidiary(user, pk)
        if not instance.can_change:
            _deny(_("You may see this subsidiary but not change it."))
    initial = {}
    if instance is None:
        account_id = _digits(request.GET.get("global_account", ""))
        if account_id:
            initial["global_account"] = account_id
        if user.country_id:
            initial["country"] = user.country_id
    post = request.POST or None
    link_to = _digits(request.POST.get("link_account", "")) if post else ""
    if link_to:
        # "Save and link it": the one-click link a group hint offers (placement rules apply
        # in accounts.services as for any choice of the field).
        post = request.POST.copy()
        post["global_account"] = str(link_to)
    account_locked = instance is not None and not account_selectors.may_take_out_of_account(
        user, instance.global_account
    )
    form = forms.SubsidiaryForm(
        post, instance=instance, initial=initial, account_locked=account_locked
    )
    if request.method == "POST" and form.account_tampered(post):
        _deny(_("You may change this subsidiary but not move it to another account."))
    matches = []
    groups = []
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        _check_local_manager_country(user, form, instance)
    if request.method == "POST" and form.is_valid():
        if form.matching_input_changed():
            matches = _duplicates(user, form, exclude_pk=instance.pk if instance else None)
            if not link_to:
                groups = _group_hints(user, form, instance, matches)
        if (matches or groups) and not form.cleaned_data["confirm_duplicate"] and not link_to:
            form.add_error(
                "confirm_duplicate",
                _(
                    "Check the customers above: open the existing one, link it to its group, "
                    "or tick this box."
                ),
            )
        else:
            try:
                if instance is None:
                    subsidiary = services.subsidiary_create(actor=user, **data)
                    messages.success(request, _("Customer created."))
                else:
                    subsidiary = services.subsidiary_update(
                        actor=user,
                        subsidiary=instance,
                        expected_version=form.cleaned_data["version"],
                        **data,
                    )
                    messages.success(request, _("Customer saved."))
                return redirect("accounts:subsidiary_detail", subsidiary.pk)
            except StaleVersion as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
    return render(
        request,
        "accounts/subsidiary_form.html",
        {"form": form, "object": instance, "matches": matches, "groups": groups},
    )


@login_required
def subsidiary_delete(request, pk: int):
    user = request.user
    subsidiary = account_selectors.access_subsidiary(user, pk)
    if not subsidiary.can_change:
        _deny(_("You may see this subsidiary but not delete it."))
    back = (
        reverse("accounts:global_account_detail", args=[subsidiary.global_account_id])
        if subsidiary.global_account_id
        else reverse("accounts:subsidiary_list")
    )
    if request.method == "POST":
        try:
            services.subsidiary_delete(actor=user, subsidiary=subsidiary)
            messages.success(request, _("“%(name)s” deleted.") % {"name": subsidiary.name})
            return redirect(back)
        except ValidationError as exc:
            messages.error(request, _service_error_message(exc))
            return redirect("accounts:subsidiary_detail", subsidiary.pk)
    return _confirm_delete(
        request,
        title=subsidiary.name,
        question=_("Delete the customer “%(name)s” (%(country)s)?")
        % {"name": subsidiary.name, "country": subsidiary.country.code},
        consequences=_(
            "Its contacts, activities and campaigns are deleted with it. Refused while it has "
            "opportunities."
        ),
        cancel_url=reverse("accounts:subsidiary_detail", args=[subsidiary.pk]),
    )


# --- contacts and relationships -------------------------------------------------------------


def _reports_to_choices(user, subsidiary: Subsidiary):
    """Someone of the same customer group (or, for a local customer, the same company)."""
    contacts = account_selectors.contacts_visible_to(user)
    if subsidiary.global_account_id:
        return contacts.filter(subsidiary__global_account_id=subsidiary.global_account_id)
    return contacts.filter(subsidiary=subsidiary)


@login_required
def contact_create(request, subsidiary_id: int):
    user = request.user
    subsidiary = account_selectors.access_subsidiary(user, subsidiary_id)
    if not subsidiary.can_change:
        if not account_selectors.can_see_contacts_of(user, subsidiary):
            raise Http404
        _deny(_("Only those who may change this customer add its contacts."))
    form = forms.ContactForm(
        request.POST or None,
        subsidiary=subsidiary,
        reports_to_choices=_reports_to_choices(user, subsidiary),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(actor=user, subsidiary=subsidiary, **form.changes())
            messages.success(request, _("Contact added."))
            return redirect("accounts:subsidiary_detail", subsidiary.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/contact_form.html",
        {"form": form, "object": None, "subsidiary": subsidiary},
    )


@login_required
def contact_edit(request, pk: int):
    user = request.user
    contact = account_selectors.access_contact(user, pk)
    if not account_selectors.can_change_contact(user, contact):
        _deny(_("You may see this contact but not change it."))
    form = forms.ContactForm(
        request.POST or None,
        instance=contact,
        subsidiary=contact.subsidiary,
        reports_to_choices=_reports_to_choices(user, contact.subsidiary),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=user, contact=contact, **form.changes())
            messages.success(request, _("Contact saved."))
            return redirect("accounts:subsidiary_detail", contact.subsidiary_id)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/contact_form.html",
        {"form": form, "object": contact, "subsidiary": contact.subsidiary},
    )


@login_required
def contact_delete(request, pk: int):
    user = request.user
    contact = account_selectors.access_contact(user, pk)
    if not account_selectors.can_change_contact(user, contact):
        _deny(_("You may see this contact but not delete it."))
    if request.method == "POST":
        services.contact_delete(actor=user, contact=contact)
        messages.success(request, _("Contact deleted."))
        return redirect("accounts:subsidiary_detail", contact.subsidiary_id)
    return _confirm_delete(
        request,
        title=contact.name,
        question=_("Delete the contact “%(name)s”?") % {"name": contact.name},
        consequences=_("Their relationships to our people go with them."),
        cancel_url=reverse("accounts:subsidiary_detail", args=[contact.subsidiary_id]),
    )


@login_required
def relationship_create(request, contact_id: int):
    user = request.user
    contact = account_selectors.access_contact(user, contact_id)
    may_choose_user = account_selectors.can_change_contact(user, contact)
    form = forms.RelationshipForm(request.POST or None, may_choose_user=may_choose_user, actor=user)
    back = _contact_back_url(contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.relationship_set(actor=user, contact=contact, **form.cleaned_data)
            messages.success(request, _("Relationship recorded."))
            return redirect(back)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/relationship_form.html",
        {"form": form, "contact": contact, "back": back},
    )


def _contact_back_url(contact: Contact) -> str:
    account_id = contact.subsidiary.global_account_id
    if account_id:
        return reverse("accounts:global_account_detail", args=[account_id]) + "#map-title"
    return reverse("accounts:subsidiary_detail", args=[contact.subsidiary_id])


@login_required
def relationship_delete(request, pk: int):
    user = request.user
    relationship = account_selectors.access_relationship(user, pk)
    if not account_selectors.relationships_changeable_by(user).filter(pk=pk).exists():
        _deny(_("You may not remove this relationship."))
    back = _contact_back_url(relationship.contact)
    if request.method == "POST":
        services.relationship_delete(actor=user, relationship=relationship)
        messages.success(request, _("Relationship removed."))
        return redirect(back)
    return _confirm_delete(
        request,
        title=relationship.contact.name,
        question=_("Remove that %(user)s knows %(contact)s?")
        % {"user": relationship.user.display_name, "contact": relationship.contact.name},
        consequences=_("The line disappears from the relationship map."),
        cancel_url=back,
    )


# --- framework agreements -------------------------------------------------------------------


@login_required
def agreement_create(request, account_id: int):
    user = request.user
    account = account_selectors.access_global_account(user, account_id)
    if not account.details_visible:
        raise Http404
    if not account.can_change:
        _deny(_("Only the global account manager or a tenant admin make its agreements."))
    form = forms.FrameworkAgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.framework_agreement_create(
                actor=user, global_account=account, **form.changes()
            )
            messages.success(request, _("Framework agreement added."))
            return redirect("accounts:global_account_detail", account.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/agreement_form.html",
        {"form": form, "object": None, "account": account},
    )


@login_required
def agreement_edit(request, pk: int):
    user = request.user
    agreement = account_selectors.access_framework_agreement(user, pk)
    if not account_selectors.can_change_agreement(user, agreement):
        _deny(_("Only the global account manager or a tenant admin change this agreement."))
    form = forms.FrameworkAgreementForm(request.POST or None, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.framework_agreement_update(actor=user, agreement=agreement, **form.changes())
            messages.success(request, _("Framework agreement saved."))
            return redirect("accounts:global_account_detail", agreement.global_account_id)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/agreement_form.html",
        {"form": form, "object": agreement, "account": agreement.global_account},
    )


@login_required
def agreement_delete(request, pk: int):
    user = request.user
    agreement = account_selectors.access_framework_agreement(user, pk)
    if not account_selectors.can_change_agreement(user, agreement):
        _deny(_("Only the global account manager or a tenant admin delete this agreement."))
    back = reverse("accounts:global_account_detail", args=[agreement.global_account_id])
    if request.method == "POST":
        services.framework_agreement_delete(actor=user, agreement=agreement)
        messages.success(request, _("Framework agreement deleted."))
        return redirect(back)
    return _confirm_delete(
        request,
        title=agreement.name,
        question=_("Delete the framework agreement “%(name)s”?") % {"name": agreement.name},
        consequences=_(
            "Opportunities that reference it lose the link; entry warnings stop showing it."
        ),
        cancel_url=back,
    )


# --- tenant admin: tiers and selection criteria ---------------------------------------------

SETTINGS = {
    # kind: (title, queryset, form, create, update, delete, what goes with a delete)
    "tiers": (
        _("Tiers"),
        account_selectors.tiers,
        forms.TierForm,
        lambda actor, data: services.tier_create(actor=actor, **data),
        lambda actor, obj, data: services.tier_update(actor=actor, tier=obj, **data),
        lambda actor, obj: services.tier_delete(actor=actor, tier=obj),
        _("Accounts in this tier get the tier their score gives (a manual choice is undone)."),
    ),
    "criteria": (
        _("Selection criteria"),
        account_selectors.selection_criteria,
        forms.CriterionForm,
        lambda actor, data: services.criterion_create(actor=actor, **data),
        lambda actor, obj, data: services.criterion_update(actor=actor, criterion=obj, **data),
        lambda actor, obj: services.criterion_delete(actor=actor, criterion=obj),
        _("Every account's value on it is deleted and all scores are recomputed."),
    ),
}


def _setting(kind: str):
    if kind not in SETTINGS:
        raise Http404
    return SETTINGS[kind]


@tenant_admin_required
def setting_list(request, kind: str):
    title, queryset, *_rest = _setting(kind)
    return render(
        request,
        "accounts/setting_list.html",
        {"kind": kind, "title": title, "page": paginate(request, queryset(), per_page=100)},
    )


@tenant_admin_required
def setting_edit(request, kind: str, pk: int | None = None):
    title, queryset, form_class, create, update, _delete, _note = _setting(kind)
    instance = get_visible(queryset(), pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                create(request.user, form.changes())
            else:
                update(request.user, instance, form.changes())
            messages.success(request, _("Saved. Scores and tiers of all accounts are updated."))
            return redirect("accounts:setting_list", kind)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(
        request,
        "accounts/setting_form.html",
        {"kind": kind, "title": title, "form": form, "object": instance},
    )


@tenant_admin_required
def setting_delete(request, kind: str, pk: int):
    title, queryset, _form, _create, _update, delete, note = _setting(kind)
    obj = get_visible(queryset(), pk)
    if request.method == "POST":
        delete(request.user, obj)
        messages.success(request, _("“%(name)s” deleted.") % {"name": obj})
        return redirect("accounts:setting_list", kind)
    return _confirm_delete(
        request,
        title=str(obj),
        question=_("Delete “%(name)s”?") % {"name": obj},
        consequences=note,
        cancel_url=reverse("accounts:setting_list", args=[kind]),
    )
