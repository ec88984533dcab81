"""API of account teams. Teams are public inside the tenant (knowing whom to talk to is the
point); the tenant admin and the account's GAM add, change and remove members, and
django-guardian permissions follow (teams.services)."""

from __future__ import annotations

import django_filters
from rest_framework import exceptions, permissions, viewsets

from accounts.filters import CountryCodeFilter
from accounts.models import GlobalAccount
from gam.drf import TenantScopedAPIMixin
from gam.filters import TenantIdFilter
from gam.models import User
from teams import selectors, services
from teams.models import TeamMembership, TeamRole
from teams.serializers import TeamMemberSerializer


class TeamMemberFilter(django_filters.FilterSet):
    global_account = TenantIdFilter(choices=GlobalAccount.objects.all)
    user = TenantIdFilter(choices=User.in_tenant.all)
    role = django_filters.ChoiceFilter(choices=TeamRole.choices)
    country = CountryCodeFilter()

    class Meta:
        model = TeamMembership
        fields: list[str] = []


class TeamMemberViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    serializer_class = TeamMemberSerializer
    filterset_class = TeamMemberFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TeamMembership.objects.none()
        return (
            selectors.team_memberships_visible_to(self.request.user)
            .select_related("user", "country")
            .order_by("global_account_id", "role", "id")
        )

    def get_object(self):
        membership = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            selectors.can_manage_team(self.request.user, membership.global_account)
        ):
            raise exceptions.PermissionDenied(
                "Only the global account manager or a tenant admin may change this team."
            )
        return membership

    def perform_create(self, serializer):
        data = serializer.validated_data
        account = data["global_account"]
        # Every account of the tenant is visible (its name, tier and GAM): adding to a team
        # one may see but not manage is a refused action (403), not bad input.
        if not selectors.can_manage_team(self.request.user, account):
            raise exceptions.PermissionDenied(
                f"You may not manage the team of “{account.name}”: that takes its "
                "global account manager or a tenant admin."
            )
        serializer.instance = services.team_member_add(
            account=account,
            user=data["user"],
            role=data["role"],
            country=data.get("country"),
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        membership = serializer.instance
        data = serializer.validated_data
        role = data.get("role", membership.role)
        country = data.get("country", membership.country)
        if "role" in data and "country" not in data and role != TeamRole.LOCAL_ACCOUNT_MANAGER:
            country = None  # leaving the local role leaves its country
        serializer.instance = services.team_member_change(
            membership=membership, role=role, country=country, actor=self.request.user
        )

    def perform_destroy(self, instance):
        services.team_member_remove(membership=instance, actor=self.request.user)
