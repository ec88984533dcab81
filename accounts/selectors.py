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

from collections.abc import Callable

from django.db.models import BooleanField as BooleanFieldType
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

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
from gam.access import get_visible
from gam.models import Country, User
from gam.search import Kind as SearchKind
from gam.search import search as word_search
from teams.models import TeamMembership, TeamRole
from teams.selectors import (
    CHANGE,
    MANAGE_TEAM,
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


def _count_of_subsidiaries(column: str | None = None) -> Subquery:
    """Distinct ``column`` values among an account's subsidiaries (without ``column``: the
    subsidiaries, counted from the index alone). A correlated subquery, so a page computes it
    for its own rows only (a join + GROUP BY would count every account of the tenant before
    the page is cut)."""
    return Coalesce(
        Subquery(
            Subsidiary.objects.filter(global_account=OuterRef("pk"))
            .order_by()
            .values("global_account")
            .annotate(n=Count(column, distinct=True) if column else Count("*"))
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
            subsidiary_count=_count_of_subsidiaries(),
            country_count=_count_of_subsidiaries("country_id"),
            details_visible=_details_visible(user),
            can_change=_can_change(user),
        )
    )


def access_global_account(user: User, pk) -> GlobalAccount:
    """The account (annotated as in ``global_accounts_for_list``) or 404: missing and
    another tenant's look the same."""
    return get_visible(global_accounts_for_list(user), pk)


# Figures about an account that the layers above add to its page, by name: a function that
# returns an expression over the GlobalAccount row. The conflict engine registers
# ``open_conflicts`` in its AppConfig.ready, so that this module never imports it.
ACCOUNT_PAGE_FIGURES: dict[str, Callable[[], Expression]] = {}


def access_global_account_for_page(user: User, pk) -> GlobalAccount:
    """The account for its own page, in one query: as ``access_global_account``, plus
    ``can_manage`` (the user manages its team) and the figures of ``ACCOUNT_PAGE_FIGURES``
    (``open_conflicts``: open and acknowledged conflicts at it, a count that hides which
    records)."""
    manage = (
        Value(True, output_field=BooleanFieldType())
        if user.is_tenant_admin
        else account_perm_exists(user, MANAGE_TEAM, "pk")
    )
    figures = {name: figure() for name, figure in ACCOUNT_PAGE_FIGURES.items()}
    qs = global_accounts_for_list(user).select_related("tier_override_by")
    return get_visible(qs.annotate(can_manage=manage, **figures), pk)


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


def criteria_with_values(account: GlobalAccount) -> list[SelectionCriterion]:
    """The tenant's selection criteria in order, each with ``account_value``: the account's
    value on it (None when not assessed). One query, for ``scoring.breakdown_rows``."""
    value = CriterionScore.objects.filter(global_account=account, criterion=OuterRef("pk"))
    return list(selection_criteria().annotate(account_value=Subquery(value.values("value")[:1])))


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


def subsidiaries_for_api(user: User) -> QuerySet[Subsidiary]:
    """``subsidiaries_for_list`` joined only with what the API reads (the country's code, the
    account's GAM id), not the owner's and GAM's rows the pages show: each joined row is a
    model instance to build."""
    return (
        subsidiaries_for_list(user).select_related(None).select_related("country", "global_account")
    )


def access_subsidiary(user: User, pk) -> Subsidiary:
    return get_visible(subsidiaries_for_list(user), pk)


def access_subsidiary_for_page(user: User, pk) -> Subsidiary:
    """The subsidiary for its own page, in one query: as ``access_subsidiary``, with its
    account's tier, plus ``sees_details`` (the rule of ``can_see_contacts_of``)."""
    if user.is_tenant_admin:
        sees = Value(True, output_field=BooleanFieldType())
    else:
        sees = Case(
            When(Q(owner=user) | Q(account_perm_exists(user, VIEW)), then=Value(True)),
            default=Value(False),
            output_field=BooleanFieldType(),
        )
    qs = subsidiaries_for_list(user).select_related("global_account__tier")
    return get_visible(qs.annotate(sees_details=sees), pk)


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


def may_take_out_of_account(user: User, account: GlobalAccount | None) -> bool:
    """Whether ``user`` may move a subsidiary out of ``account`` (to no account or another
    one): that takes the right to change the account (its GAM, a tenant admin). A local
    account manager or the subsidiary's owner changes the subsidiary, not where it belongs:
    the account's GAM would lose sight of its opportunities, contacts and activities."""
    if account is None or user.is_tenant_admin:
        return True
    return global_accounts_changeable_by(user).filter(pk=account.pk).exists()


def subsidiaries_by_country(
    user: User,
    account: GlobalAccount,
    *,
    team: list[TeamMembership],
    per_country: int | None = None,
) -> list[tuple[Country, list]]:
    """The account's subsidiaries grouped by country (by country name), each with
    ``can_change``; each country carries ``subsidiary_count``, the number of the account's
    subsidiaries there. ``account`` comes from ``access_global_account`` (with ``can_change``),
    ``team`` is its memberships. With ``per_country``, only the first that many (by name) of
    each country are fetched: an account with a thousand subsidiaries in fifty countries
    renders in constant time, and the count still says how many there are. One query."""
    rows = Subsidiary.objects.filter(global_account=account).select_related("country", "owner")
    if per_country is not None:
        # Rank the bare rows, so that the joins are made for the rows shown only.
        ranked = (
            Subsidiary.objects.filter(global_account=account)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("country_id")],
                    order_by=[F("name").asc(), F("pk").asc()],
                )
            )
            .filter(rank__lte=per_country)
        )
        rows = rows.filter(pk__in=ranked.values("pk"))
    in_country = (
        Subsidiary.objects.filter(global_account=account, country=OuterRef("country"))
        .order_by()
        .values("country")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    rows = rows.annotate(in_country=Subquery(in_country, output_field=IntegerField()))
    # The rule of teams.selectors.subsidiaries_changeable_by, for subsidiaries of one account
    # whose rights are known already: its GAM (or the tenant admin), the owner, and the
    # account's local account manager in their country.
    managed_countries = {
        m.country_id
        for m in team
        if m.user_id == user.pk and m.role == TeamRole.LOCAL_ACCOUNT_MANAGER
    }
    groups: dict[int, tuple[Country, list]] = {}
    for sub in rows.order_by("country__name", "name", "pk"):
        sub.global_account = account
        sub.can_change = bool(
            account.can_change or sub.owner_id == user.pk or sub.country_id in managed_countries
        )
        if sub.country_id not in groups:
            sub.country.subsidiary_count = sub.in_country
            groups[sub.country_id] = (sub.country, [])
        groups[sub.country_id][1].append(sub)
    return list(groups.values())


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


def _contact_can_change(user: User):
    if user.is_tenant_admin:
        return Value(True, output_field=BooleanFieldType())
    return Case(
        When(_contact_changeable_q(user), then=Value(True)),
        default=Value(False),
        output_field=BooleanFieldType(),
    )


def contacts_of_account(user: User, account: GlobalAccount) -> QuerySet[Contact]:
    """The account's contacts the user may see, by country and name, with their people;
    ``can_change`` per contact (the rule of ``contacts_changeable_by``) and per relationship
    (see ``mark_changeable_relationships``). Two queries."""
    return (
        contacts_visible_to(user)
        .filter(subsidiary__global_account=account)
        .annotate(can_change=_contact_can_change(user))
        .prefetch_related(
            Prefetch("relationships", queryset=Relationship.objects.select_related("user"))
        )
        .order_by("subsidiary__country__name", "name")
    )


def contacts_of_subsidiary(user: User, subsidiary: Subsidiary) -> QuerySet[Contact]:
    """The subsidiary's contacts the user may see, by name, with ``can_change``. One query."""
    return (
        contacts_visible_to(user)
        .filter(subsidiary=subsidiary)
        .annotate(can_change=_contact_can_change(user))
        .order_by("name")
    )


def mark_changeable_relationships(user: User, contacts: list[Contact]) -> list[Relationship]:
    """The relationships of ``contacts`` (visible to the user, annotated with ``can_change``
    as by ``contacts_of_account``), each with ``can_change``. For a visible contact the rule
    of ``relationships_changeable_by`` comes down to: the user's own relationship, or any at
    a contact they may change. No query."""
    relationships = []
    for contact in contacts:
        for relationship in contact.relationships.all():
            relationship.can_change = (
                user.is_tenant_admin or contact.can_change or relationship.user_id == user.pk
            )
            relationships.append(relationship)
    return relationships


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


def access_contact(user: User, pk) -> Contact:
    """The contact (with its subsidiary and account) or 404."""
    return get_visible(contacts_visible_to(user).select_related("subsidiary__global_account"), pk)


def access_framework_agreement(user: User, pk) -> FrameworkAgreement:
    return get_visible(framework_agreements_visible_to(user), pk)


def access_relationship(user: User, pk) -> Relationship:
    return get_visible(
        relationships_visible_to(user).select_related("contact__subsidiary", "user"), pk
    )
