"""Reads of customers: global accounts, subsidiaries, contacts, relationships and framework
agreements. Who may see or change a global account or subsidiary is answered by
``teams.selectors`` (the sharing model of DESIGN.md); this module builds on it for the
records that hang off them, and adds what to fetch so that lists stay at a constant number
of queries.

Sharing decisions for the records DESIGN.md's table does not name:

- **Contacts** hang off a subsidiary. They are the customer's people, buying roles and
  attitudes — account intelligence, not "does this customer exist" — so they are visible to
  those who see the account's details (its team, the tenant admin) plus the subsidiary's
  owner; a local customer's contacts to its owner and the tenant admin. Changing a contact
  needs the right to change its subsidiary (the GAM for all, a local account manager in
  their country, the owner for their own).
- **Relationships** (who of ours knows whom) are visible where their contact is. A user
  who sees a contact may record or remove their own relationship to it; whoever may change
  the contact may record anyone's.
- **Framework agreements** are read by the account's team and the tenant admin and written
  by the tenant admin and the GAM (``change_globalaccount``). Users outside the team do not
  list them; they learn an agreement's discount and terms exactly when it matters, from the
  entry warning of an opportunity in a covered country (opportunities/warnings.py).
- **Global accounts**: everyone in the tenant sees that one exists with its name, tier,
  headquarters and GAM; the rest (score, description, criterion values) only those who see
  its details (``details_visible`` below).
"""

from __future__ import annotations

from django.db.models import BooleanField as BooleanFieldType
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import (
    Contact,
    CriterionScore,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from gam.models import Country, User
from gam.search import Kind as SearchKind
from gam.search import search as word_search
from teams.models import TeamMembership, TeamRole
from teams.selectors import (
    CHANGE,
    VIEW,
    account_perm_exists,
    global_accounts_changeable_by,
    global_accounts_of_team,
    global_accounts_visible_to,
    local_manager_in_country_exists,
    subsidiaries_visible_to,
)

# --- configuration --------------------------------------------------------------------------


def tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def selection_criteria() -> QuerySet[SelectionCriterion]:
    return SelectionCriterion.objects.order_by("order", "name")


# --- global accounts ------------------------------------------------------------------------


def _details_visible(user: User):
    if user.is_tenant_admin:
        return Value(True, output_field=BooleanFieldType())
    return account_perm_exists(user, VIEW, "pk")


def _can_change(user: User):
    if user.is_tenant_admin:
        return Value(True, output_field=BooleanFieldType())
    return account_perm_exists(user, CHANGE, "pk")


def _count_of_subsidiaries(column: str) -> Subquery:
    """Distinct ``column`` values among an account's subsidiaries. A correlated subquery, so
    a page computes it for its own rows only (a join + GROUP BY would count every account of
    the tenant before the page is cut)."""
    return Coalesce(
        Subquery(
            Subsidiary.objects.filter(global_account=OuterRef("pk"))
            .order_by()
            .values("global_account")
            .annotate(n=Count(column, distinct=True))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def global_accounts_for_list(user: User) -> QuerySet[GlobalAccount]:
    """Every global account of the tenant with what a list shows: tier, GAM, headquarters,
    number of subsidiaries and countries, and per row whether the user sees its details
    (``details_visible``) and may change it (``can_change``). One query."""
    return (
        global_accounts_visible_to(user)
        .select_related("tier", "manager", "headquarters_country")
        .annotate(
            subsidiary_count=_count_of_subsidiaries("id"),
            country_count=_count_of_subsidiaries("country_id"),
            details_visible=_details_visible(user),
            can_change=_can_change(user),
        )
    )


def global_account_for(user: User, pk) -> GlobalAccount:
    """The account (annotated as in ``global_accounts_for_list``) or 404: missing and
    another tenant's look the same."""
    try:
        return global_accounts_for_list(user).get(pk=int(pk))
    except (GlobalAccount.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def global_accounts_filter(
    qs: QuerySet[GlobalAccount],
    *,
    search: str = "",
    tier: int | str | None = None,
    country: str = "",
    manager: int | str | None = None,
) -> QuerySet[GlobalAccount]:
    """The list filters of pages and API: name search, tier (id, or ``none``), country
    (headquarters there or a subsidiary there, ISO code), GAM (user id, or ``none``)."""
    if search:
        qs = word_search(qs, search, {"id": SearchKind.GLOBAL_ACCOUNT})
    if tier not in (None, ""):
        qs = qs.filter(tier__isnull=True) if str(tier) == "none" else qs.filter(tier_id=tier)
    if country:
        code = country.upper()
        qs = qs.filter(
            Q(headquarters_country__code=code)
            | Exists(Subsidiary.objects.filter(global_account=OuterRef("pk"), country__code=code))
        )
    if manager not in (None, ""):
        qs = (
            qs.filter(manager__isnull=True)
            if str(manager) == "none"
            else qs.filter(manager_id=manager)
        )
    return qs


def criterion_values(account: GlobalAccount) -> dict[int, CriterionScore]:
    return {
        s.criterion_id: s
        for s in CriterionScore.objects.filter(global_account=account).select_related("criterion")
    }


# --- subsidiaries ---------------------------------------------------------------------------


def subsidiaries_for_list(user: User) -> QuerySet[Subsidiary]:
    """Every subsidiary of the tenant (the sharing model lets everyone see they exist),
    with its country, account, GAM and owner, and ``can_change`` per row. One query."""
    qs = subsidiaries_visible_to(user).select_related(
        "country", "global_account", "global_account__manager", "owner"
    )
    if user.is_tenant_admin:
        return qs.annotate(can_change=Value(True, output_field=BooleanFieldType()))
    # The same rule as teams.selectors.subsidiaries_changeable_by, on the row itself: a
    # nested "pk in (changeable subsidiaries)" makes PostgreSQL compute that set for the
    # whole tenant before it cuts the page.
    return qs.annotate(
        can_change=Case(
            When(
                Q(owner=user)
                | Q(account_perm_exists(user, CHANGE))
                | Q(local_manager_in_country_exists(user, "global_account", "country")),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanFieldType(),
        )
    )


def subsidiary_for(user: User, pk) -> Subsidiary:
    try:
        return subsidiaries_for_list(user).get(pk=int(pk))
    except (Subsidiary.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def may_place_subsidiary(user: User, account: GlobalAccount | None, country: Country) -> bool:
    """Whether ``user`` may put a subsidiary in ``country`` under ``account``: anyone may
    enter a local customer (no account); under a global account it takes the tenant admin,
    its GAM, or its local account manager for that country."""
    if account is None or user.is_tenant_admin:
        return True
    if global_accounts_changeable_by(user).filter(pk=account.pk).exists():
        return True
    return TeamMembership.objects.filter(
        global_account=account,
        user=user,
        role=TeamRole.LOCAL_ACCOUNT_MANAGER,
        country=country,
    ).exists()


def subsidiaries_by_country(user: User, account: GlobalAccount) -> list[tuple[Country, list]]:
    """The account's subsidiaries grouped by country (by country name), each with
    ``can_change``. One query."""
    groups: dict[int, tuple[Country, list]] = {}
    rows = (
        subsidiaries_for_list(user).filter(global_account=account).order_by("country__name", "name")
    )
    for sub in rows:
        groups.setdefault(sub.country_id, (sub.country, []))[1].append(sub)
    return list(groups.values())


def opportunity_count(subsidiary: Subsidiary) -> int:
    from opportunities.models import Opportunity

    return Opportunity.objects.filter(subsidiary=subsidiary).count()


# --- contacts and relationships -------------------------------------------------------------


def _contact_visible_q(user: User) -> Q:
    return Q(account_perm_exists(user, VIEW, "subsidiary__global_account")) | Q(
        subsidiary__owner=user
    )


def _contact_changeable_q(user: User) -> Q:
    return (
        Q(subsidiary__owner=user)
        | Q(account_perm_exists(user, CHANGE, "subsidiary__global_account"))
        | Q(
            local_manager_in_country_exists(
                user, "subsidiary__global_account", "subsidiary__country"
            )
        )
    )


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    qs = Contact.objects.select_related("subsidiary", "subsidiary__country", "reports_to")
    return qs if user.is_tenant_admin else qs.filter(_contact_visible_q(user))


def contacts_changeable_by(user: User) -> QuerySet[Contact]:
    qs = Contact.objects.all()
    return qs if user.is_tenant_admin else qs.filter(_contact_changeable_q(user))


def can_see_contacts_of(user: User, subsidiary: Subsidiary) -> bool:
    if user.is_tenant_admin or subsidiary.owner_id == user.pk:
        return True
    if subsidiary.global_account_id is None:
        return False
    return global_accounts_of_team(user).filter(pk=subsidiary.global_account_id).exists()


def can_change_contact(user: User, contact: Contact) -> bool:
    return contacts_changeable_by(user).filter(pk=contact.pk).exists()


def contacts_of_account(user: User, account: GlobalAccount) -> QuerySet[Contact]:
    """The account's contacts the user may see, by country and name, with their people."""
    return (
        contacts_visible_to(user)
        .filter(subsidiary__global_account=account)
        .prefetch_related(
            Prefetch("relationships", queryset=Relationship.objects.select_related("user"))
        )
        .order_by("subsidiary__country__name", "name")
    )


def relationships_visible_to(user: User) -> QuerySet[Relationship]:
    qs = Relationship.objects.select_related("user", "contact", "contact__subsidiary")
    return qs if user.is_tenant_admin else qs.filter(contact__in=contacts_visible_to(user))


def relationships_changeable_by(user: User) -> QuerySet[Relationship]:
    """Own relationships to contacts the user sees, and any at contacts they may change."""
    qs = Relationship.objects.all()
    if user.is_tenant_admin:
        return qs
    return qs.filter(
        Q(user=user, contact__in=contacts_visible_to(user))
        | Q(contact__in=contacts_changeable_by(user))
    )


def relationship_map(user: User, account: GlobalAccount) -> dict:
    """Who knows whom at the account, for the diagram on the account page: ``contacts``
    (with ``reports_to_id``, buying role, attitude), ``people`` (our users with at least one
    relationship) and ``links`` (user id, contact id, strength, last contact). Two queries."""
    contacts = list(
        contacts_visible_to(user).filter(subsidiary__global_account=account).order_by("name")
    )
    ids = {c.pk for c in contacts}
    links = list(
        Relationship.objects.filter(contact_id__in=ids)
        .select_related("user")
        .order_by("user__name", "contact_id")
    )
    people = {r.user_id: r.user for r in links}
    return {
        "contacts": contacts,
        "people": sorted(people.values(), key=lambda u: u.display_name),
        "links": links,
    }


# --- framework agreements -------------------------------------------------------------------


def framework_agreements_visible_to(user: User) -> QuerySet[FrameworkAgreement]:
    qs = FrameworkAgreement.objects.select_related("global_account").prefetch_related(
        Prefetch("countries", queryset=Country.objects.order_by("code"))
    )
    return qs if user.is_tenant_admin else qs.filter(account_perm_exists(user, VIEW))


def framework_agreements_changeable_by(user: User) -> QuerySet[FrameworkAgreement]:
    qs = FrameworkAgreement.objects.all()
    return qs if user.is_tenant_admin else qs.filter(account_perm_exists(user, CHANGE))


def can_change_agreement(user: User, agreement: FrameworkAgreement) -> bool:
    return framework_agreements_changeable_by(user).filter(pk=agreement.pk).exists()


def framework_agreements_of_account(
    user: User, account: GlobalAccount
) -> QuerySet[FrameworkAgreement]:
    return framework_agreements_visible_to(user).filter(global_account=account)
