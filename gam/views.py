"""Pages of the platform core: the tenant-admin settings for users, countries and
exchange rates."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gam import selectors, services
from gam.access import get_visible
from gam.audit import audit
from gam.exports import csv_response, rows_in_tenant
from gam.forms import CountryForm, ExchangeRateForm, UserForm
from gam.models import AuditLogEntry, Country, ExchangeRate
from gam.pages import paginate, tenant_admin_required


@tenant_admin_required
def settings_home(request):
    return render(
        request,
        "gam/settings_home.html",
        {"audit_entries": AuditLogEntry.objects.select_related("actor")[:15]},
    )


USER_COLUMNS = [
    (gettext_lazy("Name"), lambda u: u.name),
    (gettext_lazy("Email"), lambda u: u.email),
    (gettext_lazy("Country"), lambda u: u.country.code if u.country else ""),
    (gettext_lazy("Tenant admin"), lambda u: "yes" if u.is_tenant_admin else "no"),
    (gettext_lazy("Active"), lambda u: "yes" if u.is_active else "no"),
    (gettext_lazy("Language"), lambda u: u.language),
    (gettext_lazy("Time zone"), lambda u: u.time_zone),
]
COUNTRY_COLUMNS = [
    (gettext_lazy("Code"), lambda c: c.code),
    (gettext_lazy("Name"), lambda c: c.name),
    (gettext_lazy("Currency"), lambda c: c.currency),
    (gettext_lazy("Local sales unit"), lambda c: c.sales_unit),
]
EXCHANGE_RATE_COLUMNS = [
    (gettext_lazy("Currency"), lambda r: r.currency),
    (gettext_lazy("Rate"), lambda r: r.rate),
    (gettext_lazy("Valid from"), lambda r: r.valid_from),
]


@tenant_admin_required
def user_list(request):
    users = selectors.users_of_tenant()
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(name__icontains=query) | Q(email__icontains=query))
    if request.GET.get("format") == "csv":
        return csv_response("users.csv", USER_COLUMNS, rows_in_tenant(users.order_by("name", "id")))
    return render(request, "gam/user_list.html", {"page": paginate(request, users), "q": query})


@tenant_admin_required
def user_edit(request, user_id: int | None = None):
    instance = get_visible(selectors.users_of_tenant(), user_id) if user_id else None
    form = UserForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password", None)
        if instance is None:
            services.user_create(
                password=password, tenant_id=request.user.tenant_id, actor=request.user, **data
            )
            messages.success(request, _("User created."))
        else:
            services.user_update(user=instance, actor=request.user, password=password, **data)
            messages.success(request, _("User saved."))
        return redirect("user_list")
    return render(request, "gam/user_form.html", {"form": form, "object": instance})


@tenant_admin_required
@require_POST
def user_deactivate(request, user_id: int):
    user = get_visible(selectors.users_of_tenant(), user_id)
    if user == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        services.user_update(user=user, actor=request.user, is_active=not user.is_active)
        messages.success(
            request, _("User activated.") if user.is_active else _("User deactivated.")
        )
    return redirect("user_list")


@tenant_admin_required
def country_list(request):
    if request.GET.get("format") == "csv":
        return csv_response(
            "countries.csv", COUNTRY_COLUMNS, rows_in_tenant(selectors.countries().order_by("code"))
        )
    return render(
        request,
        "gam/country_list.html",
        {"page": paginate(request, selectors.countries(), per_page=100)},
    )


@tenant_admin_required
def country_edit(request, code: str | None = None):
    instance = get_visible(selectors.countries(), code=code.upper()) if code else None
    form = CountryForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        country = form.save()
        audit(
            request.user,
            "country.update" if instance else "country.create",
            country,
            code=country.code,
        )
        messages.success(request, _("Country saved."))
        return redirect("country_list")
    return render(request, "gam/country_form.html", {"form": form, "object": instance})


@tenant_admin_required
@require_POST
def country_delete(request, code: str):
    country = get_visible(Country.objects.all(), code=code.upper())
    try:
        country.delete()
    except ProtectedError:
        messages.error(
            request,
            _("%(code)s is still used by customers or opportunities.") % {"code": country.code},
        )
        return redirect("country_list")
    audit(request.user, "country.delete", None, code=code.upper())
    messages.success(request, _("Country deleted."))
    return redirect("country_list")


@tenant_admin_required
def exchange_rate_list(request):
    if request.GET.get("format") == "csv":
        return csv_response(
            "exchange-rates.csv", EXCHANGE_RATE_COLUMNS, rows_in_tenant(ExchangeRate.objects.all())
        )
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rate = form.save()
        audit(request.user, "exchange_rate.create", rate, currency=rate.currency)
        messages.success(request, _("Exchange rate added."))
        return redirect("exchange_rate_list")
    return render(
        request,
        "gam/exchange_rate_list.html",
        {
            "page": paginate(request, ExchangeRate.objects.all(), per_page=50),
            "form": form,
            "currency": request.user.tenant.currency,
        },
    )


@tenant_admin_required
@require_POST
def exchange_rate_delete(request, rate_id: int):
    rate = get_visible(ExchangeRate.objects.all(), rate_id)
    audit(request.user, "exchange_rate.delete", rate, currency=rate.currency)
    rate.delete()
    messages.success(request, _("Exchange rate deleted."))
    return redirect("exchange_rate_list")
