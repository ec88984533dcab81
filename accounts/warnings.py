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

from accounts.discovery import find_group_candidates, find_matches
from accounts.models import GlobalAccount, Subsidiary
from accounts.selectors import may_place_subsidiary, may_take_out_of_account
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
    account_id: int | None = None  # its global account (not shown; to avoid a second hint)

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
                account_id=account.pk if account else None,
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


# --- the group a customer probably belongs to -----------------------------------------------


@dataclass(frozen=True)
class GroupHint:
    """A global account the customer being entered probably belongs to.

    Who sees the account in detail (its team, the tenant admin) learns its name, its GAM, the
    names of its companies that matched and the matcher's evidence. Anyone else gets what the
    duplicate warning gives them (the privacy rule of conflict hints): the countries of the
    account's companies that matched and the GAM to talk to — not the account's name, not
    its companies' names, not the evidence (which may quote names and domains). Only the
    team and the tenant admin may place customers in an account, so only they are offered
    the link."""

    account: GlobalAccount
    manager: User | None
    countries: tuple[str, ...]
    can_link: bool  # the user may place the customer in this account (in its country)
    member_names: tuple[str, ...] = ()  # only when detailed
    evidence: tuple[str, ...] = ()  # only when detailed
    score: float = 0.0
    detailed: bool = False


def group_hints(
    user: User,
    *,
    name: str,
    country: Country | None,
    registration_number: str = "",
    website: str = "",
    exclude_pk: int | None = None,
    current_account_id: int | None = None,
    exclude_account_ids: frozenset[int] | set[int] = frozenset(),
    limit: int = 3,
) -> list[GroupHint]:
    """The global accounts whose group the customer probably belongs to (group discovery's
    ``find_group_candidates``), best first, leaving out the account it is already under.
    A constant number of queries besides the matcher's: the accounts with their GAMs, the
    matching companies' countries, the user's team accounts, and one placement check per
    hint (at most ``limit``). ``exclude_account_ids``: accounts a duplicate warning names
    already (the same company is there: one warning is enough)."""
    candidates = [
        c
        for c in find_group_candidates(
            name=name,
            country_code=country.code if country else "",
            registration_number=registration_number,
            website=website,
            exclude_id=exclude_pk,
            limit=limit + 2,
        )
        if c.global_account_id
        and c.global_account_id != current_account_id
        and c.global_account_id not in exclude_account_ids
    ]
    if not candidates:
        return []
    account_ids = list(dict.fromkeys(c.global_account_id for c in candidates))[:limit]
    accounts = GlobalAccount.objects.select_related("manager").in_bulk(account_ids)
    member_ids = {m for c in candidates for m in c.subsidiary_ids}
    members = {
        row["pk"]: row
        for row in Subsidiary.objects.filter(pk__in=member_ids).values(
            "pk", "name", "country__code", "global_account_id"
        )
    }
    detailed = set(
        global_accounts_of_team(user).filter(pk__in=account_ids).values_list("pk", flat=True)
    )
    # Moving it out of the account it is under takes the right to change that account.
    may_leave = current_account_id is None or may_take_out_of_account(
        user, GlobalAccount(pk=current_account_id)
    )
    hints: list[GroupHint] = []
    for account_id in account_ids:
        account = accounts.get(account_id)
        if account is None:
            continue
        candidate = next(c for c in candidates if c.global_account_id == account_id)
        # The companies that matched and are under this account (the group's, as entered).
        matched = [
            members[m]
            for m in candidate.subsidiary_ids
            if m in members and members[m]["global_account_id"] == account_id
        ]
        sees = account_id in detailed
        hints.append(
            GroupHint(
                account=account,
                manager=account.manager,
                countries=tuple(sorted({m["country__code"] for m in matched})),
                can_link=may_leave
                and country is not None
                and may_place_subsidiary(user, account, country),
                member_names=tuple(f"{m['name']} ({m['country__code']})" for m in matched)
                if sees
                else (),
                evidence=tuple(candidate.evidence) if sees else (),
                score=candidate.score,
                detailed=sees,
            )
        )
    return hints


def group_hint_text(hint: GroupHint) -> str:
    manager = hint.manager.display_name if hint.manager else None
    whom = manager or _("a tenant admin")
    if not hint.detailed:
        text = _(
            "This looks like part of a global account with companies in %(countries)s; "
            "its global account manager is %(manager)s."
        ) % {
            "countries": ", ".join(hint.countries) or "?",
            "manager": manager or _("not yet named"),
        }
        return (
            text
            + " "
            + _("Linking it takes the right to place customers in that account: ask %(whom)s.")
            % {"whom": whom}
        )
    head = (
        _("This looks like part of %(account)s, GAM %(manager)s") % {
            "account": hint.account.name, "manager": manager}
        if manager
        else _("This looks like part of %(account)s (no GAM named yet)") % {
            "account": hint.account.name}
    )  # fmt: skip
    if hint.member_names:
        head += " " + _("(its companies %(names)s match") % {"names": ", ".join(hint.member_names)}
        head += (": " + "; ".join(hint.evidence) + ")") if hint.evidence else ")"
    if hint.can_link:
        return head + " " + _("— link it?")
    return (
        head
        + ". "
        + _("Linking it takes the right to place customers in that account: ask %(whom)s.")
        % {"whom": whom}
    )


def group_suggestion_data(hint: GroupHint) -> dict:
    """A hint for API answers: what to link to (for those who may see the account in
    detail), whether the user may, and whom to ask. Outside the account's team,
    ``global_account`` and ``name`` are null and ``members`` / ``evidence`` absent."""
    manager = hint.manager
    data = {
        "global_account": hint.account.pk if hint.detailed else None,
        "name": hint.account.name if hint.detailed else None,
        "manager": {"id": manager.pk, "name": manager.display_name, "email": manager.email}
        if manager
        else None,
        "countries": list(hint.countries),
        "can_link": hint.can_link,
        "score": hint.score,
        "text": group_hint_text(hint),
    }
    if hint.detailed:
        data["members"] = list(hint.member_names)
        data["evidence"] = list(hint.evidence)
    return data
