"""Input and output of the account-team API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import GlobalAccount
from accounts.serializers import CountryCodeField, active_tenant_users
from gam.drf import TenantPrimaryKeyRelatedField
from teams.models import TeamMembership, TeamRole


class TeamMemberSerializer(serializers.ModelSerializer):
    """``global_account`` and ``user`` are fixed once someone is on the team: to move them,
    remove the membership and add a new one. ``country`` only for local account managers."""

    global_account = TenantPrimaryKeyRelatedField(model=GlobalAccount)
    user = TenantPrimaryKeyRelatedField(queryset=active_tenant_users())
    role = serializers.ChoiceField(choices=TeamRole.choices)
    country = CountryCodeField(allow_null=True, required=False)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = TeamMembership
        fields = ["id", "global_account", "user", "user_name", "role", "country", "created_at"]
        read_only_fields = ["created_at"]
        # One role per user and account, one GAM per account: teams.services says so in words.
        validators: list = []

    def get_user_name(self, membership) -> str:
        return membership.user.display_name

    def validate(self, attrs):
        if self.instance is not None:
            errors = {}
            for field in ("global_account", "user"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    errors[field] = ["To move someone, remove this membership and add a new one."]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs
