"""Authentication that loads the user's tenant with the user: every tenant page and endpoint
reads it (currency, name), and a lazy load was one more query per request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth import models as auth_models
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from gam import tokens
from gam.context import identity_lookup


class TenantModelBackend(ModelBackend):
    """Django's ModelBackend; the session's user comes with their tenant. Both look the user
    up before any tenant is known: inside ``identity_lookup`` (row-level security, gam.rls)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        with identity_lookup():
            return super().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("tenant")
        try:
            with identity_lookup():
                user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def update_last_login(sender, user, **kwargs) -> None:
    """Django's receiver of ``user_logged_in`` (connected instead of it in gam.apps): the
    login has no tenant in context yet."""
    with identity_lookup():
        auth_models.update_last_login(sender, user, **kwargs)


class TenantTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <secret>`` or ``Authorization: Bearer <secret>`` (what most
    generated clients send), checked against the stored digests of gam.models.ApiToken.
    DRF's messages; the token's user comes with their tenant."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(auth) == 1:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. No credentials provided.")
            )
        if len(auth) > 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Token string should not contain spaces.")
            )
        try:
            secret = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Token string should not contain invalid characters.")
            ) from None
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, key):
        token = tokens.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
