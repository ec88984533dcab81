"""The sharing model of DESIGN.md, in one place.

Every list, detail, filter, form choice, export and dashboard number asks these functions
what a user may see or change. All of them start from tenant-scoped querysets, so tenancy
is already enforced; they only answer "what inside the tenant".

Account-level rights come from django-guardian object permissions on the global account,
kept in step with team membership by ``teams.services``:

- ``view_globalaccount``: on the team (any role) — sees the account's opportunities, plans,
  activities, campaigns;
- ``change_globalaccount`` and ``manage_team``: the global account manager.

The one country-specific right (a local account manager changes what is in their country)
comes from the membership row itself.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from accounts.models import GlobalAccount, Subsidiary
from gam.access import get_visible
from gam.lookups import in_subquery
from gam.models import User
from teams.models import GlobalAccountUserObjectPermission, TeamMembership, TeamRole

VIEW = "view_globalaccount"
CHANGE = "change_globalaccount"
MANAGE_TEAM = "manage_team"


def _has_account_perm(user: User, codename: str, account_ref: str = "global_account") -> Exists:
    return Exists(
        GlobalAccountUserObjectPermission.objects.filter(
            user=user, permission__codename=codename, content_object=OuterRef(account_ref)
        )
    )


def _is_local_manager_in_country(user: User, account_ref: str, country_ref: str) -> Exists:
    return Exists(
        TeamMembership.objects.filter(
            user=user,
            role=TeamRole.LOCAL_ACCOUNT_MANAGER,
            global_account=OuterRef(account_ref),
            country=OuterRef(country_ref),
        )
    )


def _own_subsidiary_ids(user: User) -> QuerySet:
    return Subsidiary.objects.filter(owner=user).values("pk")


def _account_ids_with_perm(user: User, codename: str) -> QuerySet:
    return GlobalAccountUserObjectPermission.objects.filter(
        user=user, permission__codename=codename
    ).values("content_object_id")


def _local_manager_account_ids(user: User) -> QuerySet:
    return TeamMembership.objects.filter(user=user, role=TeamRole.LOCAL_ACCOUNT_MANAGER).values(
        "global_account_id"
    )


def account_perm_exists(user: User, codename: str, account_ref: str = "global_account") -> Exists:
    """For a queryset of rows that point to a global account through ``account_ref`` (a
    lookup path, ``"pk"`` for global accounts themselves): whether the user holds the object
    permission ``codename`` on that account. For other modules' selectors."""
    return _has_account_perm(user, codename, account_ref)


def local_manager_in_country_exists(user: User, account_ref: str, country_ref: str) -> Exists:
    """Whether the user is the local account manager of the row's account in its country."""
    return _is_local_manager_in_country(user, account_ref, country_ref)


# --- global accounts ------------------------------------------------------------------------


def global_accounts_visible_to(user: User) -> QuerySet[GlobalAccount]:
    """Everyone in the tenant may see that a global account exists (name, tier, GAM)."""
    return GlobalAccount.objects.all()


def global_accounts_of_team(user: User) -> QuerySet[GlobalAccount]:
    """Accounts whose whole picture (opportunities, plans, activities) the user may see."""
    if user.is_tenant_admin:
        return GlobalAccount.objects.all()
    return GlobalAccount.objects.filter(_has_account_perm(user, VIEW, "pk"))


def global_accounts_changeable_by(user: User) -> QuerySet[GlobalAccount]:
    if user.is_tenant_admin:
        return GlobalAccount.objects.all()
    return GlobalAccount.objects.filter(_has_account_perm(user, CHANGE, "pk"))


def global_accounts_managed_by(user: User) -> QuerySet[GlobalAccount]:
    """Accounts whose team (and agreements, conflicts) the user manages."""
    if user.is_tenant_admin:
        return GlobalAccount.objects.all()
    return GlobalAccount.objects.filter(_has_account_perm(user, MANAGE_TEAM, "pk"))


def can_see_account_details(user: User, account: GlobalAccount) -> bool:
    return global_accounts_of_team(user).filter(pk=account.pk).exists()


def can_change_account(user: User, account: GlobalAccount) -> bool:
    return global_accounts_changeable_by(user).filter(pk=account.pk).exists()


def can_manage_team(user: User, account: GlobalAccount) -> bool:
    return global_accounts_managed_by(user).filter(pk=account.pk).exists()


# --- subsidiaries ---------------------------------------------------------------------------


def subsidiaries_visible_to(user: User) -> QuerySet[Subsidiary]:
    """Everyone in the tenant may see every subsidiary, so nobody enters a customer twice."""
    return Subsidiary.objects.all()


def subsidiaries_changeable_by(user: User) -> QuerySet[Subsidiary]:
    if user.is_tenant_admin:
        return Subsidiary.objects.all()
    return Subsidiary.objects.filter(
        Q(owner=user)
        | Q(_has_account_perm(user, CHANGE))
        | Q(_is_local_manager_in_country(user, "global_account", "country"))
    )


def can_change_subsidiary(user: User, subsidiary: Subsidiary) -> bool:
    return subsidiaries_changeable_by(user).filter(pk=subsidiary.pk).exists()


# --- records that hang off a subsidiary (opportunities, activities, campaigns) ---------------


def account_records_visible_filter(user: User) -> Q:
    """For a model with ``global_account``, ``subsidiary`` and ``owner`` fields: what the user
    may see. Team members see the account's records; owners see their own; owners of a
    subsidiary see what is at it."""
    # Each branch is a condition on a column of the record itself (one of a small id list,
    # see gam.lookups), not an OR across a join: PostgreSQL reads each branch from an index
    # and ORs the bitmaps instead of scanning every record of the tenant.
    return (
        Q(owner=user)
        | Q(in_subquery("subsidiary_id", _own_subsidiary_ids(user)))
        | Q(in_subquery("global_account_id", _account_ids_with_perm(user, VIEW)))
    )


def account_records_changeable_filter(user: User) -> Q:
    """What the user may change: own records, everything at an account they manage, records
    in their country of an account where they are the local account manager, and records at
    their own local customers."""
    # Same shape as the visible filter; the local-manager branch first narrows to the
    # accounts where the user is a local manager, then checks the country per row.
    return (
        Q(owner=user)
        | Q(in_subquery("subsidiary_id", _own_subsidiary_ids(user)), global_account__isnull=True)
        | Q(in_subquery("global_account_id", _account_ids_with_perm(user, CHANGE)))
        | Q(
            Q(in_subquery("global_account_id", _local_manager_account_ids(user)))
            & Q(_is_local_manager_in_country(user, "global_account", "country"))
        )
    )


def visible_records(user: User, queryset: QuerySet) -> QuerySet:
    if user.is_tenant_admin:
        return queryset
    return queryset.filter(account_records_visible_filter(user))


def records_at_account(user: User, queryset: QuerySet, account: GlobalAccount) -> QuerySet:
    """``visible_records`` of the records at one global account. Whoever sees the account
    whole (``global_accounts_of_team``: its team, the tenant admin) sees every record at it,
    so for them the filter is the account alone and PostgreSQL reads the newest rows from the
    (tenant, account, order) index instead of every visible row of the account, sorted.
    An account read by ``mark_seen_whole`` saves the check's query."""
    queryset = queryset.filter(global_account=account)
    if getattr(account, "_seen_whole_by", None) == user.pk or user.is_tenant_admin:
        return queryset
    if can_see_account_details(user, account):
        return queryset
    return queryset.filter(account_records_visible_filter(user))


def records_at_accounts_of_team(user: User, queryset: QuerySet) -> QuerySet:
    """The records at the accounts the user sees whole (all of each such account's records):
    one index condition instead of the three-branch sharing filter. The tenant admin sees
    everything."""
    if user.is_tenant_admin:
        return queryset
    return queryset.filter(in_subquery("global_account_id", _account_ids_with_perm(user, VIEW)))


def mark_seen_whole(user: User, account: GlobalAccount) -> GlobalAccount:
    """For an account just read from ``global_accounts_of_team(user)``."""
    account._seen_whole_by = user.pk
    return account


def changeable_records(user: User, queryset: QuerySet) -> QuerySet:
    if user.is_tenant_admin:
        return queryset
    return queryset.filter(account_records_changeable_filter(user))


# --- team -----------------------------------------------------------------------------------


def team_memberships_visible_to(user: User) -> QuerySet[TeamMembership]:
    """Teams are public inside the tenant: knowing who to talk to is the point."""
    return TeamMembership.objects.all()


def team_memberships_changeable_by(user: User) -> QuerySet[TeamMembership]:
    if user.is_tenant_admin:
        return TeamMembership.objects.all()
    return TeamMembership.objects.filter(_has_account_perm(user, MANAGE_TEAM))


def access_account_team(user: User, account_id) -> GlobalAccount:
    """The account of a team page, with ``can_manage`` (the rule of ``can_manage_team``), so
    the right is computed once, in the account's own query; 404 when not visible."""
    can_manage = (
        Value(True, output_field=BooleanField())
        if user.is_tenant_admin
        else account_perm_exists(user, MANAGE_TEAM, "pk")
    )
    return get_visible(
        global_accounts_visible_to(user)
        .select_related("manager", "tier")
        .annotate(can_manage=can_manage),
        account_id,
    )


def access_team_membership(account: GlobalAccount, pk) -> TeamMembership:
    """A membership of an account the user sees (``access_account_team``), or 404."""
    return get_visible(
        TeamMembership.objects.filter(global_account=account).select_related(
            "user", "country", "global_account"
        ),
        pk,
    )
