"""The home page, dashboard pages and their CSV exports. Thin: figures from
reporting/figures.py (which counts only what the user may see), charts from reporting/charts.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gam.exports import csv_response
from reporting import charts, figures
from reporting.selectors import home_summary


def _currency(request) -> str:
    return request.user.tenant.currency


def _account_header(request, account_id: int) -> figures.AccountHeader:
    header = figures.account_for_dashboard(request.user, account_id)
    if header is None:
        raise Http404
    return header


@login_required
def home(request):
    """The start page: what needs the user today. Platform operators (no tenant) go to the
    admin."""
    if request.user.tenant_id is None:
        return redirect("admin:index")
    return render(request, "reporting/home.html", {"summary": home_summary(request.user)})


@login_required
def tenant_dashboard(request):
    data = figures.tenant_dashboard(request.user)
    kpis = data["kpis"]
    data.update(
        currency=_currency(request),
        charts={
            "country_pipeline": charts.country_pipeline(kpis["countries"]),
            "win_rate": charts.country_win_rate(kpis["countries"]),
            "funnel": charts.funnel(kpis["total"]["funnel"]),
            "tiers": charts.tiers(data["tiers"]),
            "split": charts.global_vs_local(data["split"]),
        },
    )
    return render(request, "reporting/tenant_dashboard.html", data)


@login_required
def my_accounts(request):
    return render(
        request,
        "reporting/my_accounts.html",
        {"rows": figures.my_accounts(request.user), "currency": _currency(request)},
    )


@login_required
def account_dashboard(request, account_id: int):
    header = _account_header(request, account_id)
    data = figures.account_dashboard(request.user, header, currency=_currency(request))
    data["charts"] = {
        "pipeline": charts.pipeline_by_country_phase(data["pipeline"]),
        "won_lost": charts.won_lost_by_country(data["won"], data["lost"]),
    }
    return render(request, "reporting/account_dashboard.html", data)


# --- CSV ------------------------------------------------------------------------------------


def _cells_columns(currency: str):
    return [
        (_("Country"), lambda c: c["country"]),
        (_("Phase"), lambda c: c["phase"]),
        (_("Count"), lambda c: c["count"]),
        (_("Amount (%(currency)s)") % {"currency": currency}, lambda c: c["amount"]),
        (
            _("Weighted amount (%(currency)s)") % {"currency": currency},
            lambda c: c["weighted_amount"],
        ),
    ]


@login_required
def account_dashboard_csv(request, account_id: int, report: str):
    header = _account_header(request, account_id)
    user, account, currency = request.user, header.account, _currency(request)
    name = f"{account.name}-{report}.csv".replace(" ", "-").replace('"', "")
    if report == "pipeline":
        return csv_response(
            name, _cells_columns(currency), figures.pipeline_by_country_phase(user, account)
        )
    if report in ("won", "lost"):
        rows = figures.closed_by_country(user, account, status=report)
        return csv_response(name, _cells_columns(currency), rows)
    if report == "white-space":
        return csv_response(
            name, [(_("Country"), lambda code: code)], figures.white_space(user, account)
        )
    if report == "objectives":
        columns = [
            (_("Objective"), lambda r: r["title"]),
            (_("Country"), lambda r: r["country"]),
            (_("Target date"), lambda r: r["target_date"]),
            (_("Target (%(currency)s)") % {"currency": currency}, lambda r: r["target_amount"]),
            (_("Won (%(currency)s)") % {"currency": currency}, lambda r: r["achieved"]),
            (_("Progress %"), lambda r: r["percent"]),
        ]
        return csv_response(name, columns, figures.objective_progress(user, account))
    if report == "activity":
        columns = [
            (_("When"), lambda a: a.occurred_at.isoformat()),
            (_("Country"), lambda a: a.country.code),
            (_("Customer"), lambda a: a.subsidiary.name),
            (_("Type"), lambda a: a.get_kind_display()),
            (_("Subject"), lambda a: a.subject),
            (_("Owner"), lambda a: a.owner.display_name if a.owner else ""),
        ]
        return csv_response(name, columns, figures.recent_activity(user, account))
    raise Http404


@login_required
def my_accounts_csv(request):
    currency = _currency(request)
    columns = [
        (_("Account"), lambda r: r["account"].name),
        (_("Tier"), lambda r: r["account"].tier.name if r["account"].tier else ""),
        (_("My role"), lambda r: r["role"]),
        (_("Country"), lambda r: r["country"]),
        (_("Open opportunities"), lambda r: r["open_count"]),
        (_("Open pipeline (%(currency)s)") % {"currency": currency}, lambda r: r["open_amount"]),
        (_("Weighted (%(currency)s)") % {"currency": currency}, lambda r: r["weighted_amount"]),
        (_("Won this year (%(currency)s)") % {"currency": currency}, lambda r: r["won_amount"]),
        (_("Open conflicts"), lambda r: r["open_conflicts"]),
        (_("Overdue actions"), lambda r: r["overdue_actions"]),
        (_("Next review"), lambda r: r["next_review"]),
    ]
    return csv_response("my-accounts.csv", columns, figures.my_accounts(request.user))


@login_required
def tenant_dashboard_csv(request, report: str):
    user, currency = request.user, _currency(request)
    if report == "countries":
        kpis = figures.country_kpis(user)
        columns = [
            (_("Country"), lambda r: r["country"] or _("Total")),
            (_("Open opportunities"), lambda r: r["open_count"]),
            (
                _("Open pipeline (%(currency)s)") % {"currency": currency},
                lambda r: r["open_amount"],
            ),
            (_("Weighted (%(currency)s)") % {"currency": currency}, lambda r: r["weighted_amount"]),
            (_("Won"), lambda r: r["won_count"]),
            (_("Lost"), lambda r: r["lost_count"]),
            (_("Win rate %"), lambda r: r["win_rate"]),
            (
                _("Average deal (%(currency)s)") % {"currency": currency},
                lambda r: r["average_deal"],
            ),
            (_("Cycle length (days)"), lambda r: r["cycle_days"]),
        ]
        return csv_response("countries.csv", columns, [*kpis["countries"], kpis["total"]])
    if report == "funnel":
        columns = [
            (_("Phase"), lambda s: s["phase"]),
            (_("Reached"), lambda s: s["reached"]),
            (_("Conversion to next %"), lambda s: s["conversion"]),
        ]
        return csv_response("funnel.csv", columns, figures.country_kpis(user)["total"]["funnel"])
    if report == "tiers":
        columns = [
            (_("Tier"), lambda r: r["tier"] or _("No tier")),
            (_("Global accounts"), lambda r: r["accounts"]),
            (_("Open opportunities"), lambda r: r["count"]),
            (_("Open pipeline (%(currency)s)") % {"currency": currency}, lambda r: r["amount"]),
            (_("Weighted (%(currency)s)") % {"currency": currency}, lambda r: r["weighted_amount"]),
        ]
        return csv_response("tiers.csv", columns, figures.tier_distribution(user))
    if report == "deviations":
        columns = [
            (_("Account"), lambda a: a.name),
            (_("Tier"), lambda a: a.tier.name if a.tier else ""),
            (_("Global account manager"), lambda a: a.manager.display_name if a.manager else ""),
            (_("Next review"), lambda a: a.next_review),
            (_("Stalled opportunities"), lambda a: a.stalled),
            (_("Open conflicts"), lambda a: a.open_conflicts),
        ]
        # Evaluated here: a streamed response is consumed after the tenant context of the
        # request has ended. One row per account, so the list stays small.
        rows = list(figures.accounts_with_deviations(user))
        return csv_response("accounts-with-deviations.csv", columns, rows)
    raise Http404
