"""Writes of customers: global accounts, subsidiaries, contacts, relationships, framework
agreements, and the tenant's tiers and selection criteria.

Every service takes the acting user first and checks that they may do what they ask
(``django.core.exceptions.PermissionDenied`` otherwise; the sharing model is
``teams.selectors`` / ``accounts.selectors``). Errors a user can cause are Django
``ValidationError``s with field keys — also for a related choice the user may not use, such
as a global account they may not add subsidiaries to — which the API turns into 400s and
forms into field errors. Writes touching several rows are atomic. Changed subsidiaries and
agreements queue the incremental duplicate-work check once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import dependents, scoring
from accounts import selectors as account_selectors
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
from gam import search
from gam.audit import audit
from gam.concurrency import lock_current, save_if_current
from gam.models import Country, User
from gam.signals import record_changed
from teams.selectors import can_change_account, can_change_subsidiary

MAX_SCORE = Decimal(5)
# Largest magnitude a criterion value may have (DecimalField(max_digits=18, places=2)).
MAX_CRITERION_VALUE = Decimal("9999999999999999.99")


# --- helpers --------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_tenant_admin(actor: User) -> None:
    _require(bool(actor and actor.is_tenant_admin), _("Only tenant admins may do this."))


def _same_tenant(errors: dict, field: str, obj, tenant_id: int) -> None:
    """Objects handed in must be of the tenant in context (the API already scopes choices;
    this guards every other caller)."""
    if obj is not None and getattr(obj, "tenant_id", tenant_id) != tenant_id:
        errors[field] = _("Unknown choice.")


def _tenant_id(actor: User) -> int:
    from gam.tenancy import current_tenant_id

    return current_tenant_id()


def _check_text(errors: dict, field: str, value: str, *, required: bool = False, max_length=200):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("Enter text.")
    elif required and not value.strip():
        errors[field] = _("This field is required.")
    elif len(value) > max_length:
        errors[field] = _("At most %(n)d characters.") % {"n": max_length}


def _check_website(errors: dict, value: str) -> None:
    """A bare domain (``example.com/de``) or a URL (API.md); stored as entered."""
    _check_text(errors, "website", value, max_length=255)
    if "website" in errors or not value:
        return
    text = value.strip().lower()
    host = text.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    if " " in text or "." not in host or host.startswith(".") or host.endswith("."):
        errors["website"] = _("Enter a web address such as example.com or https://example.com.")


def _check_active_user(errors: dict, field: str, user: User | None, tenant_id: int) -> None:
    if user is None:
        return
    if user.tenant_id != tenant_id:
        errors[field] = _("Unknown user.")
    elif not user.is_active:
        errors[field] = _("%(user)s is deactivated.") % {"user": user.display_name}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _set_fields(obj, changes: Mapping, allowed: Iterable[str], kind: str) -> dict:
    """Apply ``changes``; returns {field: (old, new)} of what really changed."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not {kind} fields: {sorted(unknown)}")
    changed = {}
    for field, value in changes.items():
        old = getattr(obj, field)
        if old != value:
            changed[field] = (old, value)
        setattr(obj, field, value)
    return changed


# --- global accounts ------------------------------------------------------------------------

GLOBAL_ACCOUNT_FIELDS = (
    "name",
    "headquarters_country",
    "tier",
    "description",
    "industry",
    "website",
)


def _validate_global_account(account: GlobalAccount) -> None:
    errors: dict[str, str] = {}
    _check_text(errors, "name", account.name, required=True)
    _check_text(errors, "industry", account.industry, max_length=100)
    _check_text(errors, "description", account.description, max_length=20000)
    _check_website(errors, account.website)
    _same_tenant(errors, "headquarters_country", account.headquarters_country, account.tenant_id)
    _same_tenant(errors, "tier", account.tier, account.tenant_id)
    if "name" not in errors:
        account.name = account.name.strip()
        others = GlobalAccount.objects.filter(name__iexact=account.name)
        if account.pk:
            others = others.exclude(pk=account.pk)
        if others.exists():
            errors["name"] = _("A global account with this name already exists.")
    _raise(errors)


@transaction.atomic
def global_account_create(
    *,
    actor: User,
    name: str,
    headquarters_country: Country | None = None,
    tier: Tier | None = None,
    description: str = "",
    industry: str = "",
    website: str = "",
) -> GlobalAccount:
    """A new global account (tenant admins only). Its tier follows the score unless one is
    chosen here, which counts as a manual override."""
    _require_tenant_admin(actor)
    account = GlobalAccount(
        tenant_id=_tenant_id(actor),
        name=name or "",
        headquarters_country=headquarters_country,
        description=description or "",
        industry=industry or "",
        website=website or "",
    )
    scoring.rescore_account(account)
    if tier is not None:
        account.tier = tier
        account.tier_override = True
        account.tier_override_by = actor
        account.tier_override_reason = _("Chosen when the account was created.")
    _validate_global_account(account)
    account._history_user = actor
    account.save()
    audit(actor, "global_account.create", account, name=account.name)
    return account


@transaction.atomic
def global_account_update(
    *,
    actor: User,
    account: GlobalAccount,
    expected_version: int | None = None,
    tier_override_reason: str = "",
    **fields,
) -> GlobalAccount:
    """Change fields of a global account (its GAM or a tenant admin). A tier set by hand
    becomes a manual override by ``actor`` (``tier_override_reason`` says why). A stale
    ``expected_version`` raises ``gam.concurrency.StaleVersion`` and nothing is saved."""
    lock_current(account)
    _require(
        can_change_account(actor, account),
        _("Only the global account manager or a tenant admin may change this account."),
    )
    old_tier = account.tier
    changed = _set_fields(account, fields, GLOBAL_ACCOUNT_FIELDS, "global account")
    _validate_global_account(account)
    if "tier" in changed:
        account.tier_override = True
        account.tier_override_by = actor
        account.tier_override_reason = (tier_override_reason or "").strip()
    account._history_user = actor
    save_if_current(account, expected_version)
    if "tier" in changed:
        audit(
            actor,
            "global_account.tier_override",
            account,
            old_tier=old_tier or "—",
            tier=account.tier or "—",
            reason=account.tier_override_reason,
        )
    if changed:
        audit(actor, "global_account.update", account, fields=",".join(sorted(changed)))
    return account


@transaction.atomic
def global_account_delete(*, actor: User, account: GlobalAccount) -> None:
    """Delete a global account (tenant admins only) with its team, agreements and plan. Its
    subsidiaries stay, as local customers. Refused while it has opportunities."""
    _require_tenant_admin(actor)
    count = dependents.protecting_count(global_account=account)
    if count:
        raise ValidationError(
            {
                "detail": _(
                    "“%(name)s” still has %(count)d opportunities; close the account's work "
                    "or move it before deleting the account."
                )
                % {"name": account.name, "count": count}
            }
        )
    subsidiaries = account.subsidiaries.count()
    audit(actor, "global_account.delete", account, name=account.name, subsidiaries=subsidiaries)
    account._history_user = actor
    search.forget(search.Kind.GLOBAL_ACCOUNT, [account.pk])
    account.delete()


def _check_tier_choice(account: GlobalAccount, tier: Tier | None) -> None:
    errors: dict[str, str] = {}
    _same_tenant(errors, "tier", tier, account.tenant_id)
    _raise(errors)


@transaction.atomic
def tier_override_set(
    *, actor: User, account: GlobalAccount, tier: Tier | None, reason: str
) -> GlobalAccount:
    """Put the account in ``tier`` by hand (None: no tier), whatever its score, recording
    who and why. Stays until ``tier_override_clear``."""
    lock_current(account)
    _require(
        can_change_account(actor, account),
        _("Only the global account manager or a tenant admin may change the tier."),
    )
    errors: dict[str, str] = {}
    _check_text(errors, "reason", reason, required=True, max_length=2000)
    _raise(errors)
    _check_tier_choice(account, tier)
    old_tier = account.tier
    account.tier = tier
    account.tier_override = True
    account.tier_override_by = actor
    account.tier_override_reason = reason.strip()
    account._history_user = actor
    save_if_current(account, None)
    audit(
        actor,
        "global_account.tier_override",
        account,
        old_tier=old_tier or "—",
        tier=tier or "—",
        reason=account.tier_override_reason,
    )
    return account


@transaction.atomic
def tier_override_clear(*, actor: User, account: GlobalAccount) -> GlobalAccount:
    """Back to the tier the score gives."""
    _require(
        can_change_account(actor, account),
        _("Only the global account manager or a tenant admin may change the tier."),
    )
    old_tier = account.tier
    account.tier_override = False
    account.tier_override_by = None
    account.tier_override_reason = ""
    scoring.rescore_account(account)
    account._history_user = actor
    save_if_current(account, None)
    audit(
        actor,
        "global_account.tier_override_clear",
        account,
        old_tier=old_tier or "—",
        tier=account.tier or "—",
    )
    return account


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValueError from exc
    if not number.is_finite():
        raise ValueError
    return number


@transaction.atomic
def criterion_scores_set(
    *, actor: User, account: GlobalAccount, values: Mapping[int, Decimal | None]
) -> GlobalAccount:
    """Set the account's values on selection criteria (criterion id -> value; None removes
    a value), then recompute its score and, unless overridden, its tier. Manual criteria
    take 1..5; numeric ones any number (scaled against the criterion's ``scale_max``)."""
    lock_current(account)
    _require(
        can_change_account(actor, account),
        _("Only the global account manager or a tenant admin may assess this account."),
    )
    criteria = {c.pk: c for c in SelectionCriterion.objects.all()}
    errors: dict[str, str] = {}
    cleaned: dict[int, Decimal | None] = {}
    for key, raw in values.items():
        try:
            criterion_id = int(key)
        except (TypeError, ValueError):
            criterion_id = None
        criterion = criteria.get(criterion_id)
        label = str(key)
        if criterion is None:
            errors[label] = _("Unknown selection criterion.")
            continue
        try:
            value = _as_decimal(raw)
        except ValueError:
            errors[label] = _("%(criterion)s: enter a number.") % {"criterion": criterion.name}
            continue
        if value is not None:
            if criterion.kind == SelectionCriterion.Kind.MANUAL and not 1 <= value <= MAX_SCORE:
                errors[label] = _("%(criterion)s is scored from 1 to 5.") % {
                    "criterion": criterion.name
                }
                continue
            if abs(value) > MAX_CRITERION_VALUE:
                errors[label] = _("%(criterion)s: the number is too large.") % {
                    "criterion": criterion.name
                }
                continue
            value = value.quantize(Decimal("0.01"))
        cleaned[criterion_id] = value
    if errors:
        raise ValidationError({"values": [f"{v}" for v in errors.values()]})
    existing = {s.criterion_id: s for s in CriterionScore.objects.filter(global_account=account)}
    to_create, to_update, to_delete = [], [], []
    for criterion_id, value in cleaned.items():
        row = existing.get(criterion_id)
        if value is None:
            if row is not None:
                to_delete.append(row.pk)
        elif row is None:
            to_create.append(
                CriterionScore(
                    tenant_id=account.tenant_id,
                    global_account=account,
                    criterion_id=criterion_id,
                    value=value,
                )
            )
        elif row.value != value:
            row.value = value
            to_update.append(row)
    CriterionScore.objects.bulk_create(to_create)
    CriterionScore.objects.bulk_update(to_update, ["value"])
    CriterionScore.objects.filter(pk__in=to_delete).delete()
    old_score, old_tier_id = account.score, account.tier_id
    scoring.rescore_account(account)
    if (account.score, account.tier_id) != (old_score, old_tier_id):
        account._history_user = actor
        save_if_current(account, None)
    audit(actor, "global_account.criterion_scores", account, score=account.score)
    return account


# --- subsidiaries ---------------------------------------------------------------------------

SUBSIDIARY_FIELDS = (
    "name",
    "country",
    "global_account",
    "registration_number",
    "website",
    "address",
    "owner",
)


def _placement_message(account: GlobalAccount, country: Country) -> str:
    manager = account.manager.display_name if account.manager_id else _("not yet named")
    return _(
        "You may not add subsidiaries in %(country)s to “%(account)s”: that takes its global "
        "account manager (%(manager)s), its local account manager for %(country)s or a "
        "tenant admin."
    ) % {"country": country.code, "account": account.name, "manager": manager}


def _validate_subsidiary(actor: User, subsidiary: Subsidiary, *, placement_changed: bool) -> None:
    errors: dict[str, str] = {}
    tenant_id = subsidiary.tenant_id
    _check_text(errors, "name", subsidiary.name, required=True)
    _check_text(errors, "registration_number", subsidiary.registration_number, max_length=64)
    _check_text(errors, "address", subsidiary.address, max_length=2000)
    _check_website(errors, subsidiary.website)
    if subsidiary.country_id is None:
        errors["country"] = _("This field is required.")
    else:
        _same_tenant(errors, "country", subsidiary.country, tenant_id)
    _same_tenant(errors, "global_account", subsidiary.global_account, tenant_id)
    _check_active_user(errors, "owner", subsidiary.owner, tenant_id)
    if (
        placement_changed
        and not errors
        and subsidiary.global_account is not None
        and not account_selectors.may_place_subsidiary(
            actor, subsidiary.global_account, subsidiary.country
        )
    ):
        errors["global_account"] = _placement_message(subsidiary.global_account, subsidiary.country)
    _raise(errors)
    subsidiary.name = subsidiary.name.strip()
    subsidiary.registration_number = subsidiary.registration_number.strip()
    subsidiary.website = subsidiary.website.strip()


@transaction.atomic
def subsidiary_create(
    *,
    actor: User,
    name: str,
    country: Country,
    global_account: GlobalAccount | None = None,
    registration_number: str = "",
    website: str = "",
    address: str = "",
    owner: User | None = None,
) -> Subsidiary:
    """A new customer entity. Without a global account it is a local customer, which
    anyone may enter; under one it takes the GAM, the local account manager of that country
    or a tenant admin. A record that looks like an existing one is saved all the same (the
    caller shows ``accounts.warnings.duplicate_warnings``) and the conflict engine flags it."""
    subsidiary = Subsidiary(
        tenant_id=_tenant_id(actor),
        name=name or "",
        country=country,
        global_account=global_account,
        registration_number=registration_number or "",
        website=website or "",
        address=address or "",
        owner=owner if owner is not None else actor,
    )
    _validate_subsidiary(actor, subsidiary, placement_changed=True)
    subsidiary._history_user = actor
    subsidiary.save()
    audit(
        actor,
        "subsidiary.create",
        subsidiary,
        name=subsidiary.name,
        global_account=subsidiary.global_account_id or "",
        owner=subsidiary.owner_id or "",
    )
    record_changed.send(
        sender=type(subsidiary),
        tenant_id=subsidiary.tenant_id,
        record_type="subsidiary",
        record_id=subsidiary.pk,
    )
    return subsidiary


@transaction.atomic
def subsidiary_update(
    *,
    actor: User,
    subsidiary: Subsidiary,
    expected_version: int | None = None,
    **fields,
) -> Subsidiary:
    """Change a subsidiary (whoever may change it: see the sharing model). Moving it to
    another global account or country needs the right to place it there as well."""
    lock_current(subsidiary)
    _require(
        can_change_subsidiary(actor, subsidiary),
        _("You may see this subsidiary but not change it."),
    )
    changed = _set_fields(subsidiary, fields, SUBSIDIARY_FIELDS, "subsidiary")
    if "global_account" in changed:
        _require_move(actor, subsidiary, *changed["global_account"])
    placement_changed = bool({"global_account", "country"} & set(changed))
    _validate_subsidiary(actor, subsidiary, placement_changed=placement_changed)
    subsidiary._history_user = actor
    save_if_current(subsidiary, expected_version)
    if {"global_account", "owner", "country"} & set(changed):
        # Who may see and change the subsidiary's work follows these.
        audit(
            actor,
            "subsidiary.move",
            subsidiary,
            **{
                field: f"{old.pk if hasattr(old, 'pk') else old} -> "
                f"{new.pk if hasattr(new, 'pk') else new}"
                for field, (old, new) in changed.items()
                if field in ("global_account", "owner", "country")
            },
        )
    if placement_changed:
        _sync_records_of(subsidiary)
    if changed:
        record_changed.send(
            sender=type(subsidiary),
            tenant_id=subsidiary.tenant_id,
            record_type="subsidiary",
            record_id=subsidiary.pk,
        )
    return subsidiary


def _require_move(
    actor: User,
    subsidiary: Subsidiary,
    leaves: GlobalAccount | None,
    joins: GlobalAccount | None,
) -> None:
    """A move between accounts is decided on both ends: the right to change the account it
    leaves and the right to place it in the one it joins (403: the subsidiary is visible)."""
    if leaves is not None:
        _require(
            account_selectors.may_take_out_of_account(actor, leaves),
            _(
                "Only the global account manager of “%(account)s” (%(manager)s) or a tenant "
                "admin may move its subsidiaries to another account."
            )
            % {
                "account": leaves.name,
                "manager": leaves.manager.display_name if leaves.manager_id else _("not yet named"),
            },
        )
    if joins is not None and getattr(joins, "tenant_id", None) == subsidiary.tenant_id:
        _require(
            account_selectors.may_place_subsidiary(actor, joins, subsidiary.country),
            _placement_message(joins, subsidiary.country),
        )


def _sync_records_of(subsidiary: Subsidiary) -> None:
    """Opportunities, activities and campaigns carry their subsidiary's account and country
    (denormalized for the sharing model and reports): move them along, in bulk."""
    for entry in dependents.records_at_customer():
        entry.model.objects.filter(subsidiary=subsidiary).update(
            global_account_id=subsidiary.global_account_id, country_id=subsidiary.country_id
        )


@transaction.atomic
def subsidiary_delete(*, actor: User, subsidiary: Subsidiary) -> None:
    """Delete a subsidiary with its contacts, activities and campaigns; refused while it
    has opportunities (they are the sales history)."""
    _require(
        can_change_subsidiary(actor, subsidiary),
        _("You may see this subsidiary but not delete it."),
    )
    count = dependents.protecting_count(subsidiary=subsidiary)
    if count:
        raise ValidationError(
            {
                "detail": _(
                    "“%(name)s” still has %(count)d opportunities; delete them or move them to "
                    "another subsidiary first."
                )
                % {"name": subsidiary.name, "count": count}
            }
        )
    audit(actor, "subsidiary.delete", subsidiary, name=subsidiary.name)
    subsidiary._history_user = actor
    # Its activities and campaigns go with it (cascade).
    search.forget_records(Subsidiary, [subsidiary.pk])
    for entry in dependents.records_at_customer():
        if entry.search_kind is not None:
            search.forget(
                entry.search_kind, entry.model.objects.filter(subsidiary=subsidiary).values("pk")
            )
    subsidiary.delete()


# --- contacts -------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "subsidiary",
    "name",
    "title",
    "email",
    "phone",
    "buying_role",
    "attitude",
    "reports_to",
)
# How far up a reports-to chain is followed when looking for a loop.
MAX_REPORTING_DEPTH = 50


def _validate_contact(actor: User, contact: Contact, *, subsidiary_changed: bool) -> None:
    errors: dict[str, str] = {}
    tenant_id = contact.tenant_id
    _check_text(errors, "name", contact.name, required=True)
    _check_text(errors, "title", contact.title)
    _check_text(errors, "phone", contact.phone, max_length=50)
    _check_text(errors, "email", contact.email, max_length=254)
    if contact.email and "email" not in errors:
        try:
            validate_email(contact.email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if contact.buying_role not in ("", *Contact.BuyingRole.values):
        errors["buying_role"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Contact.BuyingRole.values)
        }
    if contact.attitude not in Contact.Attitude.values:
        errors["attitude"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Contact.Attitude.values)
        }
    subsidiary = contact.subsidiary
    if subsidiary is None:
        errors["subsidiary"] = _("This field is required.")
    else:
        _same_tenant(errors, "subsidiary", subsidiary, tenant_id)
        if (
            subsidiary_changed
            and "subsidiary" not in errors
            and not can_change_subsidiary(actor, subsidiary)
        ):
            errors["subsidiary"] = _(
                "You may not add contacts at “%(name)s”: that takes someone who may "
                "change this subsidiary."
            ) % {"name": subsidiary.name}
    boss = contact.reports_to
    if boss is not None and subsidiary is not None and "subsidiary" not in errors:
        _same_tenant(errors, "reports_to", boss, tenant_id)
        if "reports_to" not in errors:
            same_company = (
                boss.subsidiary_id == subsidiary.pk
                if subsidiary.global_account_id is None
                else boss.subsidiary.global_account_id == subsidiary.global_account_id
            )
            if not same_company:
                errors["reports_to"] = _(
                    "A contact can only report to someone of the same customer group."
                )
            elif contact.pk and _reports_to_chain_contains(boss, contact.pk):
                errors["reports_to"] = _("This would make a reporting loop.")
    _raise(errors)
    contact.name = contact.name.strip()


def _reports_to_chain_contains(boss: Contact, contact_id: int) -> bool:
    seen = set()
    current = boss
    for _depth in range(MAX_REPORTING_DEPTH):
        if current is None:
            return False
        if current.pk == contact_id or current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.reports_to
    return True


@transaction.atomic
def contact_create(*, actor: User, subsidiary: Subsidiary, **fields) -> Contact:
    """A contact at a subsidiary (whoever may change the subsidiary)."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    fields = {k: ("" if v is None and k not in ("reports_to",) else v) for k, v in fields.items()}
    fields.setdefault("attitude", Contact.Attitude.UNKNOWN)
    contact = Contact(tenant_id=_tenant_id(actor), subsidiary=subsidiary, **fields)
    _validate_contact(actor, contact, subsidiary_changed=True)
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, **fields) -> Contact:
    lock_current(contact)
    _require(
        account_selectors.can_change_contact(actor, contact),
        _("You may see this contact but not change it."),
    )
    changed = _set_fields(contact, fields, CONTACT_FIELDS, "contact")
    _validate_contact(actor, contact, subsidiary_changed="subsidiary" in changed)
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    _require(
        account_selectors.can_change_contact(actor, contact),
        _("You may see this contact but not delete it."),
    )
    contact._history_user = actor
    contact.delete()


# --- relationships --------------------------------------------------------------------------


@transaction.atomic
def relationship_set(
    *,
    actor: User,
    user: User,
    contact: Contact,
    strength: int,
    last_contact: date | None = None,
) -> Relationship:
    """Record (or update) how well ``user`` knows ``contact``. Anyone who sees the contact
    may record their own relationship; recording someone else's takes the right to change
    the contact."""
    errors: dict[str, str] = {}
    tenant_id = _tenant_id(actor)
    _same_tenant(errors, "contact", contact, tenant_id)
    _check_active_user(errors, "user", user, tenant_id)
    if (
        not errors
        and not account_selectors.contacts_visible_to(actor).filter(pk=contact.pk).exists()
    ):
        errors["contact"] = _("Unknown contact.")
    if (
        not errors
        and user.pk != actor.pk
        and not account_selectors.can_change_contact(actor, contact)
    ):
        errors["user"] = _(
            "You may record your own relationships; someone else's takes the right to change "
            "this contact."
        )
    if strength not in Relationship.Strength.values:
        errors["strength"] = _("Strength is 1 (weak), 2 (medium) or 3 (strong).")
    if last_contact is not None and last_contact > timezone.localdate():
        errors["last_contact"] = _("The last contact cannot be in the future.")
    _raise(errors)
    relationship, _created = Relationship.objects.update_or_create(
        user=user,
        contact=contact,
        defaults={"strength": strength, "last_contact": last_contact},
    )
    return relationship


@transaction.atomic
def relationship_delete(*, actor: User, relationship: Relationship) -> None:
    _require(
        account_selectors.relationships_changeable_by(actor).filter(pk=relationship.pk).exists(),
        _("You may not remove this relationship."),
    )
    relationship.delete()


# --- framework agreements -------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "global_account",
    "name",
    "countries",
    "discount_percent",
    "shipping_terms",
    "terms",
    "valid_from",
    "valid_until",
)


def _validate_agreement(
    actor: User,
    agreement: FrameworkAgreement,
    countries: list[Country] | None,
    *,
    account_changed: bool,
) -> None:
    errors: dict[str, str] = {}
    tenant_id = agreement.tenant_id
    _check_text(errors, "name", agreement.name, required=True)
    _check_text(errors, "shipping_terms", agreement.shipping_terms)
    _check_text(errors, "terms", agreement.terms, max_length=20000)
    account = agreement.global_account
    if account is None:
        errors["global_account"] = _("This field is required.")
    else:
        _same_tenant(errors, "global_account", account, tenant_id)
        if (
            account_changed
            and "global_account" not in errors
            and not can_change_account(actor, account)
        ):
            errors["global_account"] = _(
                "Only the global account manager of “%(name)s” or a tenant admin may "
                "make its framework agreements."
            ) % {"name": account.name}
    if countries is not None:
        if not countries:
            errors["countries"] = _("Name at least one country the agreement covers.")
        elif any(c.tenant_id != tenant_id for c in countries):
            errors["countries"] = _("Unknown country.")
    discount = agreement.discount_percent
    try:
        discount = Decimal(str(discount))
        if not discount.is_finite() or not 0 <= discount <= 100:
            raise ValueError
        agreement.discount_percent = discount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        errors["discount_percent"] = _("The discount is a percentage from 0 to 100.")
    if agreement.valid_from is None:
        errors["valid_from"] = _("This field is required.")
    elif agreement.valid_until is not None and agreement.valid_until < agreement.valid_from:
        errors["valid_until"] = _("An agreement cannot end before it starts.")
    _raise(errors)
    agreement.name = agreement.name.strip()


@transaction.atomic
def framework_agreement_create(
    *,
    actor: User,
    global_account: GlobalAccount,
    name: str,
    countries: list[Country],
    discount_percent: Decimal = Decimal("0"),
    shipping_terms: str = "",
    terms: str = "",
    valid_from: date,
    valid_until: date | None = None,
) -> FrameworkAgreement:
    """A framework agreement of a global account (its GAM or a tenant admin)."""
    countries = list(countries or [])
    agreement = FrameworkAgreement(
        tenant_id=_tenant_id(actor),
        global_account=global_account,
        name=name or "",
        discount_percent=discount_percent,
        shipping_terms=shipping_terms or "",
        terms=terms or "",
        valid_from=valid_from,
        valid_until=valid_until,
    )
    _validate_agreement(actor, agreement, countries, account_changed=True)
    agreement._history_user = actor
    agreement.save()
    agreement.countries.set(countries)
    audit(
        actor,
        "framework_agreement.create",
        agreement,
        name=agreement.name,
        global_account=global_account.pk,
        countries=",".join(sorted(c.code for c in countries)),
    )
    record_changed.send(
        sender=type(agreement),
        tenant_id=agreement.tenant_id,
        record_type="framework_agreement",
        record_id=agreement.pk,
    )
    return agreement


@transaction.atomic
def framework_agreement_update(
    *, actor: User, agreement: FrameworkAgreement, **fields
) -> FrameworkAgreement:
    lock_current(agreement)
    _require(
        account_selectors.can_change_agreement(actor, agreement),
        _("Only the global account manager or a tenant admin may change this agreement."),
    )
    countries = fields.pop("countries", None)
    if countries is not None:
        countries = list(countries)
    changed = _set_fields(agreement, fields, AGREEMENT_FIELDS, "framework agreement")
    _validate_agreement(actor, agreement, countries, account_changed="global_account" in changed)
    agreement._history_user = actor
    agreement.save()
    if countries is not None:
        old = set(agreement.countries.values_list("pk", flat=True))
        if old != {c.pk for c in countries}:
            agreement.countries.set(countries)
            changed["countries"] = (old, countries)
    if changed:
        audit(actor, "framework_agreement.update", agreement, fields=",".join(sorted(changed)))
        record_changed.send(
            sender=type(agreement),
            tenant_id=agreement.tenant_id,
            record_type="framework_agreement",
            record_id=agreement.pk,
        )
    return agreement


@transaction.atomic
def framework_agreement_delete(*, actor: User, agreement: FrameworkAgreement) -> None:
    """Delete an agreement; opportunities that referenced it keep their terms but lose the
    link."""
    _require(
        account_selectors.can_change_agreement(actor, agreement),
        _("Only the global account manager or a tenant admin may delete this agreement."),
    )
    audit(actor, "framework_agreement.delete", agreement, name=agreement.name)
    agreement._history_user = actor
    agreement.delete()


# --- tiers and selection criteria (tenant admin configuration) -----------------------------

TIER_FIELDS = ("name", "rank", "min_score", "review_interval_days")
CRITERION_FIELDS = ("name", "kind", "weight", "scale_max", "order")


def _check_number(
    errors: dict, field: str, value, *, low=None, high=None, required=True, integer=False
):
    if value is None or value == "":
        if required:
            errors[field] = _("This field is required.")
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = _("Enter a number.")
        return None
    if integer and number != number.to_integral_value():
        errors[field] = _("Enter a whole number.")
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors[field] = _("Enter a number from %(low)s to %(high)s.") % {
            "low": low if low is not None else "…",
            "high": high if high is not None else "…",
        }
        return None
    return int(number) if integer else number


def _validate_tier(tier: Tier) -> None:
    errors: dict[str, str] = {}
    _check_text(errors, "name", tier.name, required=True, max_length=60)
    rank = _check_number(errors, "rank", tier.rank, low=1, high=100, integer=True)
    min_score = _check_number(errors, "min_score", tier.min_score, low=0, high=MAX_SCORE)
    interval = _check_number(
        errors, "review_interval_days", tier.review_interval_days, low=1, high=3650, integer=True
    )
    if not errors:
        tier.name = tier.name.strip()
        tier.rank, tier.min_score, tier.review_interval_days = (
            rank,
            min_score.quantize(Decimal("0.01")),
            interval,
        )
        others = Tier.objects.exclude(pk=tier.pk) if tier.pk else Tier.objects.all()
        if others.filter(name__iexact=tier.name).exists():
            errors["name"] = _("A tier with this name already exists.")
        clash = others.filter(rank=tier.rank).first()
        if clash:
            errors["rank"] = _("“%(name)s” already has rank %(rank)d.") % {
                "name": clash.name,
                "rank": tier.rank,
            }
    _raise(errors)


@transaction.atomic
def tier_create(
    *,
    actor: User,
    name: str,
    rank: int,
    min_score: Decimal = Decimal(0),
    review_interval_days: int = 90,
) -> Tier:
    """A tier (tenant admins). Every account's tier is recomputed in bulk."""
    _require_tenant_admin(actor)
    tier = Tier(
        tenant_id=_tenant_id(actor),
        name=name or "",
        rank=rank,
        min_score=min_score,
        review_interval_days=review_interval_days,
    )
    _validate_tier(tier)
    tier.save()
    scoring.rescore_all_accounts()
    audit(actor, "tier.create", tier, name=tier.name, min_score=tier.min_score)
    return tier


@transaction.atomic
def tier_update(*, actor: User, tier: Tier, **fields) -> Tier:
    _require_tenant_admin(actor)
    lock_current(tier)
    changed = _set_fields(tier, fields, TIER_FIELDS, "tier")
    _validate_tier(tier)
    tier.save()
    if {"rank", "min_score"} & set(changed):
        scoring.rescore_all_accounts()
    if changed:
        audit(actor, "tier.update", tier, fields=",".join(sorted(changed)))
    return tier


@transaction.atomic
def tier_delete(*, actor: User, tier: Tier) -> None:
    """Delete a tier. Accounts put in it by hand go back to the tier their score gives."""
    _require_tenant_admin(actor)
    GlobalAccount.objects.filter(tier=tier, tier_override=True).update(
        tier_override=False, tier_override_by=None, tier_override_reason=""
    )
    audit(actor, "tier.delete", tier, name=tier.name)
    tier.delete()
    scoring.rescore_all_accounts()


def _validate_criterion(criterion: SelectionCriterion) -> None:
    errors: dict[str, str] = {}
    _check_text(errors, "name", criterion.name, required=True, max_length=100)
    if criterion.kind not in SelectionCriterion.Kind.values:
        errors["kind"] = _("Choose numeric or manual.")
    weight = _check_number(errors, "weight", criterion.weight, low=0, high=999)
    order = _check_number(errors, "order", criterion.order, low=0, high=32767, integer=True)
    scale_max = None
    if criterion.kind == SelectionCriterion.Kind.NUMERIC:
        scale_max = _check_number(
            errors, "scale_max", criterion.scale_max, low=Decimal("0.01"), high=MAX_CRITERION_VALUE
        )
        if criterion.scale_max in (None, "") and "scale_max" in errors:
            errors["scale_max"] = _(
                "A numeric criterion needs the value that scores full marks (5)."
            )
    if not errors:
        criterion.name = criterion.name.strip()
        criterion.weight = weight.quantize(Decimal("0.01"))
        criterion.order = order
        # Manual criteria are scored 1..5 directly; a scale would mean nothing.
        criterion.scale_max = scale_max.quantize(Decimal("0.01")) if scale_max else None
        others = SelectionCriterion.objects.filter(name__iexact=criterion.name)
        if criterion.pk:
            others = others.exclude(pk=criterion.pk)
        if others.exists():
            errors["name"] = _("A criterion with this name already exists.")
    _raise(errors)


@transaction.atomic
def criterion_create(
    *,
    actor: User,
    name: str,
    kind: str = SelectionCriterion.Kind.MANUAL,
    weight: Decimal = Decimal(1),
    scale_max: Decimal | None = None,
    order: int = 0,
) -> SelectionCriterion:
    """A selection criterion (tenant admins). Every account is rescored in bulk."""
    _require_tenant_admin(actor)
    criterion = SelectionCriterion(
        tenant_id=_tenant_id(actor),
        name=name or "",
        kind=kind,
        weight=weight,
        scale_max=scale_max,
        order=order,
    )
    _validate_criterion(criterion)
    criterion.save()
    scoring.rescore_all_accounts()
    audit(actor, "criterion.create", criterion, name=criterion.name, weight=criterion.weight)
    return criterion


@transaction.atomic
def criterion_update(*, actor: User, criterion: SelectionCriterion, **fields) -> SelectionCriterion:
    _require_tenant_admin(actor)
    lock_current(criterion)
    changed = _set_fields(criterion, fields, CRITERION_FIELDS, "criterion")
    if "kind" in changed and criterion.kind != changed["kind"][0]:
        # Values entered for the old kind mean something else now (revenue vs. 1..5).
        CriterionScore.objects.filter(criterion=criterion).delete()
    _validate_criterion(criterion)
    criterion.save()
    if {"kind", "weight", "scale_max"} & set(changed):
        scoring.rescore_all_accounts()
    if changed:
        audit(actor, "criterion.update", criterion, fields=",".join(sorted(changed)))
    return criterion


@transaction.atomic
def criterion_delete(*, actor: User, criterion: SelectionCriterion) -> None:
    _require_tenant_admin(actor)
    audit(actor, "criterion.delete", criterion, name=criterion.name)
    criterion.delete()
    scoring.rescore_all_accounts()
