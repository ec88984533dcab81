"""Authentication that loads the user's tenant with the user: every tenant page and endpoint
reads it (currency, name), and a lazy load was one more query per request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class TenantModelBackend(ModelBackend):
    """Django's ModelBackend; the session's user comes with their tenant."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("tenant")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class TenantTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (same checks and messages); the token's user comes with
    their tenant."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__tenant").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
