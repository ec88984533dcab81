"""Global account teams, and the django-guardian permission rows that follow them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from gam.tenancy import TenantOwnedModel


class TeamRole(models.TextChoices):
    GLOBAL_ACCOUNT_MANAGER = "global_account_manager", _("Global account manager")
    LOCAL_ACCOUNT_MANAGER = "local_account_manager", _("Local account manager")
    SPONSOR = "sponsor", _("Sponsor / mentor")
    MEMBER = "member", _("Team member")


class TeamMembership(TenantOwnedModel):
    global_account = models.ForeignKey(
        "accounts.GlobalAccount", on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=TeamRole.choices)
    # Only for local account managers: the country they manage the account in.
    country = models.ForeignKey(
        "gam.Country", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["global_account", "user"], name="one_role_per_user_per_account"
            ),
            models.UniqueConstraint(
                fields=["global_account"],
                condition=Q(role="global_account_manager"),
                name="one_gam_per_account",
            ),
            models.CheckConstraint(
                condition=Q(role="local_account_manager", country__isnull=False)
                | (~Q(role="local_account_manager") & Q(country__isnull=True)),
                name="country_only_for_local_account_managers",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


# Direct foreign-key object permission tables (guardian docs, "performance"): a join on an
# integer key instead of the generic content-type + text object_pk lookup.
class GlobalAccountUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("accounts.GlobalAccount", on_delete=models.CASCADE)


class GlobalAccountGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("accounts.GlobalAccount", on_delete=models.CASCADE)
