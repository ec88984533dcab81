"""API tokens: issue (the secret is returned once), look up by the secret's digest, rotate,
revoke. Several named tokens per user, each with an optional expiry; a password change ends
them all (gam.models.User.save)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gam.context import identity_lookup
from gam.models import ApiToken, User

# New secrets start with this, so secret scanners and people recognize a GAM token.
SECRET_PREFIX = "gam_"
# last_used_at is written at most this often per token (not one UPDATE per request).
LAST_USED_GRANULARITY = timedelta(minutes=1)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def default_expiry(days: int | None = None) -> datetime | None:
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    return timezone.now() + timedelta(days=days) if days else None


@transaction.atomic
def issue(user: User, *, name: str, expires_at: datetime | None) -> tuple[ApiToken, str]:
    """A new token for ``user``: (the stored row, the secret to show once). The user's
    expired tokens are dropped on the way."""
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(SECRET_PREFIX) + 4],
        digest=digest_of(secret),
        expires_at=expires_at,
    )
    return token, secret


@transaction.atomic
def rotate(token: ApiToken) -> tuple[ApiToken, str]:
    """A new secret under the same name and lifetime; the old secret stops working now."""
    lifetime = token.expires_at - token.created_at if token.expires_at else None
    token.delete()
    return issue(
        token.user,
        name=token.name,
        expires_at=timezone.now() + lifetime if lifetime is not None else None,
    )


def authenticate(secret: str) -> ApiToken | None:
    """The live token of this secret (its user and tenant loaded), or None. An expired token
    is refused; the user's next new token drops it (a refusal here rolls back any write)."""
    with identity_lookup():  # before any tenant is known (gam.rls)
        tokens = ApiToken.objects.select_related("user__tenant")
        token = tokens.filter(digest=digest_of(secret)).first()
        if token is None:
            return None
        now = timezone.now()
        if token.is_expired(now):
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def tokens_visible_to(user: User):
    """The tokens a user may list and revoke: their own; a tenant admin's, every token of
    their tenant's users."""
    if user.tenant_id is None:
        return ApiToken.objects.none()
    if user.is_tenant_admin:
        return ApiToken.objects.filter(user__tenant_id=user.tenant_id)
    return ApiToken.objects.filter(user=user)
