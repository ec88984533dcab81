"""The team page of a global account: who works it, in which role and country. Everyone in
the tenant sees the team (knowing whom to talk to is the point); its GAM and the tenant admin
add, change and remove members (others get 403, other tenants 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gam.pages import apply_service_errors
from teams import selectors, services
from teams.forms import TeamMemberAddForm, TeamMemberChangeForm
from teams.models import TeamMembership, TeamRole


def _require_manage(user, account) -> None:
    if not account.can_manage:
        raise PermissionDenied(
            _("Only the global account manager and the tenant admin manage the team.")
        )


@login_required
def team(request, account_id: int):
    user = request.user
    account = selectors.access_account_team(user, account_id)
    can_manage = account.can_manage
    form = None
    if request.method == "POST":
        _require_manage(user, account)
        form = TeamMemberAddForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    membership = services.team_member_add(
                        account=account,
                        user=data["user"],
                        role=data["role"],
                        country=data["country"],
                        actor=user,
                    )
                messages.success(
                    request,
                    _("%(name)s joined the team as %(role)s.")
                    % {"name": membership.user, "role": membership.get_role_display()},
                )
                return redirect("teams:team", account.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except IntegrityError:
                form.add_error(None, _("Someone changed the team at the same time; try again."))
    elif can_manage:
        form = TeamMemberAddForm(initial={"role": TeamRole.MEMBER})
    members = (
        TeamMembership.objects.filter(global_account=account)
        .select_related("user", "country")
        .order_by("role", "country__code", "user__name")
    )
    return render(
        request,
        "teams/team.html",
        {"account": account, "members": members, "can_manage": can_manage, "form": form},
    )


@login_required
def member_edit(request, account_id: int, pk: int):
    user = request.user
    account = selectors.access_account_team(user, account_id)
    membership = selectors.access_team_membership(account, pk)
    _require_manage(user, account)
    form = TeamMemberChangeForm(
        request.POST or None,
        initial={"role": membership.role, "country": membership.country_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.team_member_change(
                    membership=membership,
                    role=form.cleaned_data["role"],
                    country=form.cleaned_data["country"],
                    actor=user,
                )
            messages.success(request, _("Role of %(name)s changed.") % {"name": membership.user})
            return redirect("teams:team", account.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except IntegrityError:
            form.add_error(None, _("Someone changed the team at the same time; try again."))
    return render(
        request,
        "teams/member_form.html",
        {"account": account, "membership": membership, "form": form},
    )


@login_required
def member_remove(request, account_id: int, pk: int):
    """A confirmation page (GET) and the removal (POST)."""
    user = request.user
    account = selectors.access_account_team(user, account_id)
    membership = selectors.access_team_membership(account, pk)
    _require_manage(user, account)
    if request.method == "POST":
        services.team_member_remove(membership=membership, actor=user)
        messages.success(
            request, _("%(name)s was removed from the team.") % {"name": membership.user}
        )
        return redirect("teams:team", account.pk)
    return render(
        request, "teams/member_remove.html", {"account": account, "membership": membership}
    )
