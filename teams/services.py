"""Writes to account teams. Guardian object permissions and the account's denormalized
``manager`` follow every change here, in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import GlobalAccount
from gam.audit import audit
from gam.models import Country, User
from teams.models import GlobalAccountUserObjectPermission, TeamMembership, TeamRole
from teams.selectors import CHANGE, MANAGE_TEAM, VIEW

PERMS_BY_ROLE: dict[str, tuple[str, ...]] = {
    TeamRole.GLOBAL_ACCOUNT_MANAGER: (VIEW, CHANGE, MANAGE_TEAM),
    TeamRole.LOCAL_ACCOUNT_MANAGER: (VIEW,),
    TeamRole.SPONSOR: (VIEW,),
    TeamRole.MEMBER: (VIEW,),
}
ALL_PERMS = (VIEW, CHANGE, MANAGE_TEAM)


def _sync_permissions(*, user: User, account: GlobalAccount, role: str | None) -> None:
    wanted = set(PERMS_BY_ROLE.get(role, ())) if role else set()
    have = set(
        GlobalAccountUserObjectPermission.objects.filter(
            user=user, content_object=account
        ).values_list("permission__codename", flat=True)
    )
    for codename in wanted - have:
        assign_perm(f"accounts.{codename}", user, account)
    for codename in have - wanted:
        remove_perm(f"accounts.{codename}", user, account)


def _sync_manager(account: GlobalAccount) -> None:
    gam = (
        TeamMembership.objects.filter(global_account=account, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        .values_list("user_id", flat=True)
        .first()
    )
    if account.manager_id != gam:
        GlobalAccount.objects.filter(pk=account.pk).update(manager_id=gam)
        account.manager_id = gam


def _validate(
    *,
    account: GlobalAccount,
    user: User,
    role: str,
    country: Country | None,
    exclude_pk: int | None = None,
) -> None:
    errors: dict[str, str] = {}
    if role not in TeamRole.values:
        errors["role"] = f"Unknown role {role!r}."
    if user.tenant_id != account.tenant_id:
        errors["user"] = "Unknown user."
    if role == TeamRole.LOCAL_ACCOUNT_MANAGER and country is None:
        errors["country"] = "A local account manager needs a country."
    if role != TeamRole.LOCAL_ACCOUNT_MANAGER and country is not None:
        errors["country"] = "Only local account managers have a country."
    others = TeamMembership.objects.filter(global_account=account)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.filter(user=user).exists():
        errors["user"] = "This user is already on the team."
    if role == TeamRole.GLOBAL_ACCOUNT_MANAGER:
        current = others.filter(role=TeamRole.GLOBAL_ACCOUNT_MANAGER).select_related("user").first()
        if current:
            errors["role"] = (
                f"{current.user} is already the global account manager; "
                "change their role first (one GAM per account)."
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def team_member_add(
    *,
    account: GlobalAccount,
    user: User,
    role: str,
    country: Country | None = None,
    actor: User | None = None,
) -> TeamMembership:
    _validate(account=account, user=user, role=role, country=country)
    membership = TeamMembership.objects.create(
        global_account=account, user=user, role=role, country=country
    )
    _sync_permissions(user=user, account=account, role=role)
    _sync_manager(account)
    audit(actor, "team_member.add", membership, role=role, user=user.email)
    return membership


@transaction.atomic
def team_member_change(
    *,
    membership: TeamMembership,
    role: str,
    country: Country | None = None,
    actor: User | None = None,
) -> TeamMembership:
    _validate(
        account=membership.global_account,
        user=membership.user,
        role=role,
        country=country,
        exclude_pk=membership.pk,
    )
    old_role = membership.role
    membership.role = role
    membership.country = country
    membership.save(update_fields=["role", "country"])
    _sync_permissions(user=membership.user, account=membership.global_account, role=role)
    _sync_manager(membership.global_account)
    audit(actor, "team_member.change", membership, old_role=old_role, role=role)
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMembership, actor: User | None = None) -> None:
    account, user = membership.global_account, membership.user
    audit(actor, "team_member.remove", membership, role=membership.role, user=user.email)
    membership.delete()
    _sync_permissions(user=user, account=account, role=None)
    _sync_manager(account)
