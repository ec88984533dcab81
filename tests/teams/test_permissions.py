"""django-guardian object permissions follow team membership: add, change, remove, and the
deletion of the account, through teams.services (the only writer of memberships)."""

from __future__ import annotations

from accounts import services as account_services
from gam.models import AuditLogEntry
from opportunities.models import Opportunity
from teams import selectors, services
from teams.models import GlobalAccountUserObjectPermission, TeamMembership, TeamRole
from teams.selectors import mark_seen_whole, records_at_account, visible_records
from tests import factories as f


def _perms(user, account):
    return set(
        GlobalAccountUserObjectPermission.objects.filter(
            user=user, content_object=account
        ).values_list("permission__codename", flat=True)
    )


def test_permissions_follow_add_change_remove(world, in_tenant):
    w = world
    with in_tenant(w.acme):
        account = f.GlobalAccountFactory(tenant=w.acme, name="Kestrel Group")
        membership = services.team_member_add(
            account=account, user=w.rep, role=TeamRole.MEMBER, actor=w.admin
        )
        assert _perms(w.rep, account) == {"view_globalaccount"}
        assert w.rep.has_perm("accounts.view_globalaccount", account)
        assert not w.rep.has_perm("accounts.change_globalaccount", account)
        assert selectors.can_see_account_details(w.rep, account)
        assert not selectors.can_change_account(w.rep, account)

        services.team_member_change(
            membership=membership, role=TeamRole.GLOBAL_ACCOUNT_MANAGER, actor=w.admin
        )
        assert _perms(w.rep, account) == {
            "view_globalaccount",
            "change_globalaccount",
            "manage_team",
        }
        account.refresh_from_db()
        assert account.manager == w.rep
        assert selectors.can_manage_team(w.rep, account)

        services.team_member_change(membership=membership, role=TeamRole.SPONSOR, actor=w.admin)
        assert _perms(w.rep, account) == {"view_globalaccount"}
        account.refresh_from_db()
        assert account.manager is None

        services.team_member_remove(membership=membership, actor=w.admin)
        assert _perms(w.rep, account) == set()
        assert not selectors.can_see_account_details(w.rep, account)
        # the rep's rights elsewhere are untouched
        assert _perms(w.gam, w.account) == {
            "view_globalaccount",
            "change_globalaccount",
            "manage_team",
        }


def test_deleting_the_account_deletes_its_permissions_and_team(world, in_tenant):
    w = world
    with in_tenant(w.acme):
        account = account_services.global_account_create(actor=w.admin, name="Short-lived AB")
        services.team_member_add(account=account, user=w.rep, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        pk = account.pk
        account_services.global_account_delete(actor=w.admin, account=account)
        assert not GlobalAccountUserObjectPermission.objects.filter(content_object_id=pk).exists()
        assert not TeamMembership.objects.filter(global_account_id=pk).exists()
        assert _perms(w.gam, w.account)  # other accounts keep theirs


def test_local_account_manager_changes_only_their_country(world, in_tenant):
    w = world
    with in_tenant(w.acme):
        assert selectors.can_change_subsidiary(w.lam_de, w.sub_de)
        assert not selectors.can_change_subsidiary(w.lam_de, w.sub_se)
        membership = TeamMembership.objects.get(global_account=w.account, user=w.lam_de)
        services.team_member_change(
            membership=membership, role=TeamRole.LOCAL_ACCOUNT_MANAGER, country=w.se
        )
        assert selectors.can_change_subsidiary(w.lam_de, w.sub_se)
        assert not selectors.can_change_subsidiary(w.lam_de, w.sub_de)


def test_membership_changes_are_audited(world, in_tenant):
    w = world
    with in_tenant(w.acme):
        membership = services.team_member_add(
            account=w.account, user=w.rep, role=TeamRole.MEMBER, actor=w.gam
        )
        services.team_member_remove(membership=membership, actor=w.gam)
        actions = list(AuditLogEntry.objects.filter(actor=w.gam).values_list("action", flat=True))
    assert "team_member.add" in actions and "team_member.remove" in actions


def test_records_at_account_follow_the_sharing_model(world, in_tenant, django_assert_num_queries):
    """records_at_account drops the per-row filter only for who sees the account whole."""
    own = f.OpportunityFactory(tenant=world.acme, subsidiary=world.sub_se, owner=world.rep)
    others = f.OpportunityFactory(tenant=world.acme, subsidiary=world.sub_de, owner=world.lam_de)
    f.OpportunityFactory(tenant=world.acme, subsidiary=world.local_customer, owner=world.owner)
    with in_tenant(world.acme):
        for role in ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]:
            user = getattr(world, role)
            expected = set(
                visible_records(user, Opportunity.objects.filter(global_account=world.account))
            )
            assert set(records_at_account(user, Opportunity.objects.all(), world.account)) == (
                expected
            ), role
        assert set(records_at_account(world.rep, Opportunity.objects.all(), world.account)) == {own}
        assert {own, others} <= set(
            records_at_account(world.sponsor, Opportunity.objects.all(), world.account)
        )
        marked = mark_seen_whole(world.gam, world.account)
        with django_assert_num_queries(1):  # no check: the account was read as seen whole
            assert len(records_at_account(world.gam, Opportunity.objects.all(), marked)) == 2
