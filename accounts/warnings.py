"""The warning when a customer is entered that probably exists already (DESIGN.md: the same
company entered twice, often by two countries).

Matching is ``accounts.discovery.find_matches`` (registration / VAT number, web domain, name
once legal forms are normalized). What the warning says follows the sharing model: a user
who may see the other record's details (its global account's team, the tenant admin, the
owner of a local customer) learns its name and account; anyone else only its country and
the global account manager to talk to — for a local customer, that a customer of this kind
exists in that country and who owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.discovery import find_matches
from accounts.models import Subsidiary
from gam.models import Country, User
from teams.selectors import global_accounts_of_team

REASON_LABELS = {
    "registration_number": "registration number",
    "website": "web domain",
    "name": "name",
}


@dataclass(frozen=True)
class DuplicateHint:
    country: Country
    reasons: tuple[str, ...]
    in_global_account: bool
    manager: User | None  # the GAM to talk to (None for a local customer)
    owner: User | None  # for a local customer: whom to talk to
    subsidiary: Subsidiary | None = None  # only when the user may see its details

    @property
    def is_detailed(self) -> bool:
        return self.subsidiary is not None


def duplicate_hints(
    user: User,
    *,
    name: str,
    country_code: str = "",
    registration_number: str = "",
    website: str = "",
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[DuplicateHint]:
    """Existing subsidiaries that look like the one being entered, best first. Two queries
    (the candidates, and which of their accounts the user sees in detail)."""
    matches = find_matches(
        name,
        registration_number,
        website,
        country_code,
        limit=limit,
        exclude_pk=exclude_pk,
    )
    if not matches:
        return []
    account_ids = {m.subsidiary.global_account_id for m in matches} - {None}
    detailed_accounts = (
        set(global_accounts_of_team(user).filter(pk__in=account_ids).values_list("pk", flat=True))
        if account_ids
        else set()
    )
    hints = []
    for match in matches:
        sub = match.subsidiary
        account = sub.global_account
        if account is None:
            sees = user.is_tenant_admin or sub.owner_id == user.pk
        else:
            sees = account.pk in detailed_accounts
        hints.append(
            DuplicateHint(
                country=sub.country,
                reasons=match.reasons,
                in_global_account=account is not None,
                manager=account.manager if account else None,
                owner=sub.owner if account is None else None,
                subsidiary=sub if sees else None,
            )
        )
    return hints


def duplicate_hint_text(hint: DuplicateHint) -> str:
    reasons = ", ".join(_(REASON_LABELS.get(r, r)) for r in hint.reasons)
    if hint.subsidiary is not None:
        sub = hint.subsidiary
        if sub.global_account is not None:
            return _(
                "This looks like “%(name)s” (%(country)s) of the global account “%(account)s”, "
                "managed by %(manager)s (same %(reasons)s)."
            ) % {
                "name": sub.name,
                "country": hint.country.code,
                "account": sub.global_account.name,
                "manager": hint.manager.display_name if hint.manager else _("nobody yet"),
                "reasons": reasons,
            }
        return _(
            "This looks like the local customer “%(name)s” (%(country)s) (same %(reasons)s)."
        ) % {
            "name": sub.name,
            "country": hint.country.code,
            "reasons": reasons,
        }
    if not hint.in_global_account:
        contact = hint.owner.display_name if hint.owner else _("a tenant admin")
        return _(
            "A customer with the same %(reasons)s already exists in %(country)s. "
            "Talk to %(contact)s before entering it again."
        ) % {"reasons": reasons, "country": hint.country.code, "contact": contact}
    return _(
        "A customer with the same %(reasons)s already exists in %(country)s, as part of a "
        "global account. Talk to its global account manager, %(manager)s."
    ) % {
        "reasons": reasons,
        "country": hint.country.code,
        "manager": hint.manager.display_name if hint.manager else _("not yet named"),
    }


def duplicate_warnings(user: User, **kwargs) -> list[str]:
    """``duplicate_hints`` as sentences (for API responses and form messages)."""
    return [duplicate_hint_text(h) for h in duplicate_hints(user, **kwargs)]
