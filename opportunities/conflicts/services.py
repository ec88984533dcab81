"""Writes of the conflict inbox: the lifecycle (open → acknowledged → resolved | dismissed),
linking duplicate customers to one global account, merging a customer entered twice, and
marking notifications read.

Every action writes a ``ConflictEvent`` (the conflict's history) in the same transaction.
Who may act is checked here as well as in the views (the GAM of an account the conflict is
about, or the tenant admin): a service called from a task, a command or a test is no
backdoor. Errors a user can cause are ``ValidationError`` (400 / form error) or
``PermissionDenied`` (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts import services as account_services
from accounts.matching.names import COUNTRY_WORDS, LEGAL_FORMS, NOISE_WORDS
from accounts.models import GlobalAccount, Subsidiary
from gam.audit import audit
from gam.models import User
from gam.text import fold_words
from opportunities.conflicts import selectors as cs
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    Conflict,
    ConflictEvent,
    ConflictKind,
    ConflictStatus,
    Notification,
)
from opportunities.conflicts.queue import queue_conflict_check
from opportunities.models import Activity, Campaign, Opportunity
from teams import services as team_services
from teams.models import TeamRole
from teams.selectors import global_accounts_managed_by, subsidiaries_changeable_by

# status -> the statuses a user may move a conflict to from there
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ConflictStatus.OPEN: (
        ConflictStatus.ACKNOWLEDGED,
        ConflictStatus.RESOLVED,
        ConflictStatus.DISMISSED,
    ),
    ConflictStatus.ACKNOWLEDGED: (ConflictStatus.RESOLVED, ConflictStatus.DISMISSED),
    ConflictStatus.RESOLVED: (),
    ConflictStatus.DISMISSED: (),
}


def _require_handler(actor: User, conflict: Conflict) -> None:
    if not cs.can_handle(actor, conflict):
        raise PermissionDenied(
            _("Only the global account manager of this account or a tenant admin may do this.")
        )


def _locked(conflict: Conflict) -> Conflict:
    """The conflict row, locked until the transaction ends: two people acting at once are
    served one after the other, and the second sees the first one's status."""
    return Conflict.objects.select_for_update().get(pk=conflict.pk)


def _event(conflict: Conflict, actor: User | None, action: str, note: str = "") -> ConflictEvent:
    return ConflictEvent.objects.create(conflict=conflict, actor=actor, action=action, note=note)


def _set_status(
    *, conflict: Conflict, actor: User, status: str, note: str, action: str | None = None
) -> Conflict:
    _require_handler(actor, conflict)
    locked = _locked(conflict)
    if status not in TRANSITIONS.get(locked.status, ()):
        raise ValidationError(
            {
                "status": _(
                    "A conflict that is %(current)s cannot be set to %(wanted)s. "
                    "Open conflicts can be acknowledged, resolved or dismissed; acknowledged "
                    "ones resolved or dismissed; resolved and dismissed ones are closed."
                )
                % {"current": locked.get_status_display().lower(), "wanted": status}
            }
        )
    note = (note or "").strip()
    now = timezone.now()
    locked.status = status
    locked.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if status in (ConflictStatus.RESOLVED, ConflictStatus.DISMISSED):
        locked.resolution_note = note
        fields.append("resolution_note")
    locked.save(update_fields=fields)
    _event(locked, actor, action or status, note)
    audit(actor, f"conflict.{action or status}", locked, kind=locked.kind)
    # The caller's instance shows the new state too.
    for name in fields:
        setattr(conflict, name, getattr(locked, name))
    return conflict


@transaction.atomic
def conflict_acknowledge(*, conflict: Conflict, actor: User, note: str = "") -> Conflict:
    return _set_status(
        conflict=conflict, actor=actor, status=ConflictStatus.ACKNOWLEDGED, note=note
    )


@transaction.atomic
def conflict_resolve(*, conflict: Conflict, actor: User, note: str = "") -> Conflict:
    return _set_status(conflict=conflict, actor=actor, status=ConflictStatus.RESOLVED, note=note)


@transaction.atomic
def conflict_dismiss(*, conflict: Conflict, actor: User, note: str = "") -> Conflict:
    """Not a real conflict: it stays dismissed on rescans unless its records change."""
    return _set_status(conflict=conflict, actor=actor, status=ConflictStatus.DISMISSED, note=note)


STATUS_ACTIONS = {
    ConflictStatus.ACKNOWLEDGED: conflict_acknowledge,
    ConflictStatus.RESOLVED: conflict_resolve,
    ConflictStatus.DISMISSED: conflict_dismiss,
}


def conflict_set_status(
    *, conflict: Conflict, actor: User, status: str, note: str = ""
) -> Conflict:
    """The API's PATCH: one of acknowledged, resolved, dismissed."""
    action = STATUS_ACTIONS.get(status)
    if action is None:
        raise ValidationError(
            {"status": _("Set the status to acknowledged, resolved or dismissed.")}
        )
    return action(conflict=conflict, actor=actor, note=note)


# --- duplicate customers: link or merge ----------------------------------------------------


def _may_move(actor: User, subsidiary: Subsidiary) -> bool:
    """Those who may change the subsidiary may move it; a local customer (no global
    account) may also be taken into the account by the GAM who handles the conflict."""
    if subsidiary.global_account_id is None:
        return True
    return subsidiaries_changeable_by(actor).filter(pk=subsidiary.pk).exists()


def _subsidiaries_of(conflict: Conflict, kinds: tuple[str, ...]) -> list[Subsidiary]:
    """The existing subsidiaries of a customer finding (two at least)."""
    if conflict.kind not in kinds:
        raise ValidationError(
            {"detail": _("Only duplicate-customer and unlinked-group conflicts can be linked; "
                         "only duplicate customers can be merged.")}
        )  # fmt: skip
    ids = [
        int(r["id"])
        for r in conflict.records or []
        if r.get("type") == "subsidiary" and str(r.get("id")).isdigit()
    ]
    subsidiaries = list(
        Subsidiary.objects.filter(pk__in=ids)
        .select_related("country", "global_account", "owner")
        .order_by("country__code", "name", "pk")
    )
    if len(subsidiaries) < 2 and not (conflict.global_account_id and subsidiaries):
        raise ValidationError(
            {"detail": _("One of the customers of this conflict no longer exists.")}
        )
    return subsidiaries


def _duplicate_pair(conflict: Conflict) -> list[Subsidiary]:
    return _subsidiaries_of(conflict, (ConflictKind.DUPLICATE_CUSTOMER,))


LINKABLE_KINDS = (ConflictKind.DUPLICATE_CUSTOMER, ConflictKind.UNLINKED_GROUP)


def _require_active(conflict: Conflict) -> None:
    if conflict.status not in ACTIVE_STATUSES:
        raise ValidationError(
            {"detail": _("This conflict is already %(status)s.")
             % {"status": conflict.get_status_display().lower()}}
        )  # fmt: skip


def _follow_account(subsidiary: Subsidiary) -> None:
    """Records at a subsidiary carry its global account (denormalized for the sharing
    filters): they follow it to the new account."""
    for model in (Opportunity, Activity, Campaign):
        model.objects.filter(subsidiary=subsidiary).update(
            global_account_id=subsidiary.global_account_id
        )


@transaction.atomic
def conflict_link_to_account(
    *, conflict: Conflict, actor: User, account: GlobalAccount, note: str = ""
) -> Conflict:
    """The same group, different legal entities: put the subsidiaries of a duplicate-customer
    or unlinked-group finding under one global account (for a group with an account, that
    one: "link these N to Volvia Group"), and resolve the conflict. Placing into the account
    takes the right to manage it (its GAM or a tenant admin); a member under another account
    moves only for whoever may change that one."""
    _require_handler(actor, conflict)
    conflict = _locked(conflict)
    _require_active(conflict)
    subsidiaries = _subsidiaries_of(conflict, LINKABLE_KINDS)
    if not global_accounts_managed_by(actor).filter(pk=account.pk).exists():
        raise PermissionDenied(_("You may only link customers to an account you manage."))
    moving = [s for s in subsidiaries if s.global_account_id != account.pk]
    if not moving:
        raise ValidationError(
            {"global_account": _("These customers already belong to %(account)s.")
             % {"account": account.name}}
        )  # fmt: skip
    for subsidiary in moving:
        if not _may_move(actor, subsidiary):
            raise PermissionDenied(
                _(
                    "“%(name)s” belongs to %(account)s: its global account manager or a tenant "
                    "admin must move it."
                )
                % {"name": subsidiary.name, "account": subsidiary.global_account.name}
            )
    for subsidiary in moving:
        subsidiary.global_account = account
        subsidiary._history_user = actor
        subsidiary._change_reason = f"conflict {conflict.pk}: linked to {account.name}"
        subsidiary.save(update_fields=["global_account"])
        _follow_account(subsidiary)
        queue_conflict_check(
            tenant_id=subsidiary.tenant_id, record_type="subsidiary", record_id=subsidiary.pk
        )
    names = ", ".join(s.name for s in moving)
    text = _("Linked %(names)s to %(account)s.") % {"names": names, "account": account.name}
    _event(conflict, actor, "linked", f"{text} {note}".strip())
    audit(actor, "conflict.link", conflict, account=account.pk, subsidiaries=names)
    return _set_status(
        conflict=conflict,
        actor=actor,
        status=ConflictStatus.RESOLVED,
        note=f"{text} {note}".strip(),
    )


@dataclass
class MergeItem:
    """One kind of record that moves from the duplicate onto the survivor."""

    label: str
    count: int
    names: list[str] = field(default_factory=list)


@dataclass
class MergePlan:
    survivor: Subsidiary
    duplicate: Subsidiary
    items: list[MergeItem]
    copied_fields: list[tuple[str, str]]  # (field label, value) filled in on the survivor
    other_conflicts: int  # other open conflicts of the duplicate, closed by the merge


SHOWN_NAMES = 50
COPY_WHEN_BLANK = ("registration_number", "website", "address", "owner", "global_account")


def _references() -> list[models.ForeignObjectRel]:
    """Every relation that points at a subsidiary (opportunities, contacts, activities,
    campaigns, and whatever other apps add), so that a merge moves all of them. Historical
    tables are left alone: the history of the duplicate is kept as it was."""
    return [
        rel
        for rel in Subsidiary._meta.related_objects
        if not rel.related_model.__name__.startswith("Historical")
    ]


def _conflicts_of(subsidiary: Subsidiary):
    return cs.conflicts_involving(
        "subsidiary", Subsidiary.objects.filter(pk=subsidiary.pk).values("pk")
    )


def _copied_fields(survivor: Subsidiary, duplicate: Subsidiary) -> list[tuple[str, object]]:
    copied = []
    for name in COPY_WHEN_BLANK:
        field_ = Subsidiary._meta.get_field(name)
        if not getattr(survivor, field_.attname) and getattr(duplicate, field_.attname):
            copied.append((name, getattr(duplicate, name)))
    return copied


def subsidiaries_merge_plan(
    *, survivor: Subsidiary, duplicate: Subsidiary, conflict: Conflict | None = None
) -> MergePlan:
    """Exactly what a merge would move, for the confirmation page: two queries per kind of
    related record (count and names)."""
    items = []
    for rel in _references():
        model = rel.related_model
        qs = model._default_manager.filter(**{rel.field.name: duplicate})
        count = qs.count()
        if count:
            items.append(
                MergeItem(
                    label=str(model._meta.verbose_name_plural),
                    count=count,
                    names=[str(obj) for obj in qs[:SHOWN_NAMES]],
                )
            )
    copied = [
        (str(Subsidiary._meta.get_field(name).verbose_name), str(value))
        for name, value in _copied_fields(survivor, duplicate)
    ]
    others = (
        _conflicts_of(duplicate)
        .filter(status__in=ACTIVE_STATUSES)
        .exclude(pk=conflict.pk if conflict else None)
        .count()
    )
    return MergePlan(survivor, duplicate, items, copied, others)


def _move_references(survivor: Subsidiary, duplicate: Subsidiary, actor: User) -> dict[str, int]:
    moved: dict[str, int] = {}
    for rel in _references():
        model = rel.related_model
        if rel.many_to_many:
            moved[str(model._meta.verbose_name_plural)] = _move_m2m(rel, survivor, duplicate)
            continue
        fk = rel.field
        rows = list(model._default_manager.filter(**{fk.name: duplicate}))
        if not rows:
            continue
        fields = [fk.name]
        for obj in rows:
            setattr(obj, fk.name, survivor)
        # Denormalized copies of the subsidiary's place (opportunities, activities,
        # campaigns) follow it.
        for name, value in (("global_account", survivor.global_account_id),
                            ("country", survivor.country_id)):  # fmt: skip
            try:
                f = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - the model has no such field
                continue
            if not f.editable and f.is_relation:
                fields.append(name)
                for obj in rows:
                    setattr(obj, f.attname, value)
        if _has_history(model):
            bulk_update_with_history(
                rows,
                model,
                fields,
                batch_size=500,
                default_user=actor,
                default_change_reason=f"merged into subsidiary {survivor.pk}",
            )
        else:
            model._default_manager.bulk_update(rows, fields, batch_size=500)
        moved[str(model._meta.verbose_name_plural)] = len(rows)
    return moved


def _move_m2m(rel, survivor: Subsidiary, duplicate: Subsidiary) -> int:
    through = rel.through
    own = next(f for f in through._meta.fields if f.related_model is Subsidiary)
    other = next(
        f for f in through._meta.fields if f.is_relation and f is not own and f.related_model
    )
    links = through._default_manager.filter(**{own.attname: duplicate.pk})
    already = set(
        through._default_manager.filter(**{own.attname: survivor.pk}).values_list(
            other.attname, flat=True
        )
    )
    links.filter(**{f"{other.attname}__in": already}).delete()
    return links.update(**{own.attname: survivor.pk})


def _has_history(model) -> bool:
    """Whether django-simple-history tracks the model (its rows then get history rows)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def merge_doubts(survivor: Subsidiary, duplicate: Subsidiary) -> list[str]:
    """Why a merge of these two is probably wrong (two legal entities, not one entered
    twice): different countries, or two different registration numbers. Empty when nothing
    speaks against it."""
    doubts = []
    if survivor.country_id != duplicate.country_id:
        doubts.append(
            _(
                "The two customers are in different countries (%(a)s and %(b)s): they are "
                "probably two companies of one group, to be linked to one global account, not "
                "merged."
            )
            % {"a": survivor.country.code, "b": duplicate.country.code}
        )
    if (
        survivor.registration_key
        and duplicate.registration_key
        and survivor.registration_key != duplicate.registration_key
    ):
        doubts.append(
            _(
                "The two customers have different registration numbers (%(a)s and %(b)s): "
                "they are two legal entities; a merge would fuse two companies."
            )
            % {"a": survivor.registration_number, "b": duplicate.registration_number}
        )
    return doubts


class MergeNeedsConfirmation(ValidationError):
    """A merge that is probably wrong (``merge_doubts``), asked without an explicit
    confirmation (the API answers 409)."""


@transaction.atomic
def subsidiaries_merge(
    *,
    survivor: Subsidiary,
    duplicate: Subsidiary,
    actor: User,
    conflict: Conflict | None = None,
    note: str = "",
    confirm_doubts: bool = False,
) -> dict[str, int]:
    """The same legal entity entered twice: everything at ``duplicate`` (opportunities,
    contacts, activities, campaigns and any other reference) moves onto ``survivor``, blank
    fields of the survivor are filled from the duplicate, the duplicate is deleted, and the
    conflict is resolved. All or nothing. Returns how many records of each kind moved."""
    if survivor.pk == duplicate.pk:
        raise ValidationError({"survivor": _("A customer cannot be merged into itself.")})
    if conflict is not None:
        _require_handler(actor, conflict)
        conflict = _locked(conflict)
        _require_active(conflict)
        pair = {s.pk for s in _duplicate_pair(conflict)}
        if {survivor.pk, duplicate.pk} - pair:
            raise ValidationError(
                {"survivor": _("Choose one of the customers of this conflict to keep.")}
            )
    elif not actor.is_tenant_admin:
        raise PermissionDenied(_("Merging customers outside a conflict is for tenant admins."))
    for subsidiary in (survivor, duplicate):
        if not _may_move(actor, subsidiary):
            raise PermissionDenied(
                _(
                    "You may not change “%(name)s”; its global account manager or a tenant "
                    "admin can."
                )
                % {"name": subsidiary.name}
            )
    # Lock both rows so that nobody adds a record to the duplicate while it moves.
    survivor, duplicate = (
        Subsidiary.objects.select_for_update().select_related("country").get(pk=survivor.pk),
        Subsidiary.objects.select_for_update().select_related("country").get(pk=duplicate.pk),
    )
    doubts = merge_doubts(survivor, duplicate)
    if doubts and not confirm_doubts:
        raise MergeNeedsConfirmation(
            {"confirm": [*doubts, _("Confirm explicitly to merge them all the same.")]},
            code="confirm_required",
        )
    copied = _copied_fields(survivor, duplicate)
    others = list(
        _conflicts_of(duplicate)
        .filter(status__in=ACTIVE_STATUSES)
        .exclude(pk=conflict.pk if conflict else None)
    )
    if copied:
        for name, value in copied:
            setattr(survivor, name, value)
        survivor._history_user = actor
        survivor._change_reason = f"merged with subsidiary {duplicate.pk}"
        survivor.save()
        if any(name == "global_account" for name, _value in copied):
            _follow_account(survivor)  # its own records join the account it gained
    try:
        with transaction.atomic():
            moved = _move_references(survivor, duplicate, actor)
    except IntegrityError as exc:
        raise ValidationError(
            {"detail": _("The records of the two customers clash (%(error)s); nothing was merged.")
             % {"error": exc}}
        ) from exc  # fmt: skip
    duplicate._history_user = actor
    duplicate._change_reason = f"merged into subsidiary {survivor.pk}"
    duplicate_name = duplicate.name
    duplicate.delete()
    summary = ", ".join(f"{n} {label}" for label, n in moved.items() if n) or _("no records")
    text = _("Merged “%(duplicate)s” into “%(survivor)s”: moved %(summary)s.") % {
        "duplicate": duplicate_name,
        "survivor": survivor.name,
        "summary": summary,
    }
    if doubts:
        text = f"{text} {_('Merged despite:')} {' '.join(doubts)}"
    for other in others:
        # The duplicate is gone; the next check of the survivor finds what is still real.
        other.status = ConflictStatus.RESOLVED
        other.status_changed_at = timezone.now()
        other.resolution_note = text
        other.save(update_fields=["status", "status_changed_at", "resolution_note"])
        _event(other, actor, "merged", text)
    audit(
        actor,
        "subsidiary.merge",
        survivor,
        duplicate=duplicate_name,
        moved=summary,
        confirmed_doubts=" ".join(doubts),
    )
    queue_conflict_check(
        tenant_id=survivor.tenant_id, record_type="subsidiary", record_id=survivor.pk
    )
    if conflict is not None:
        _event(conflict, actor, "merged", f"{text} {note}".strip())
        _set_status(
            conflict=conflict,
            actor=actor,
            status=ConflictStatus.RESOLVED,
            note=f"{text} {note}".strip(),
        )
    return moved


# --- group discovery: a new global account made from a group ------------------------------


@dataclass
class GroupPlanMember:
    subsidiary: Subsidiary
    leaves: GlobalAccount | None  # the account it is under now (moving out of it), if any


@dataclass
class GroupAccountPlan:
    """What "make a global account from this group" will do, for the confirmation page."""

    conflict: Conflict
    name: str
    headquarters_country: object | None  # gam.models.Country
    manager: User | None
    members: list[GroupPlanMember]
    local_managers: list[tuple[User, object]]  # (owner, country) proposed as LAMs
    name_taken: bool


def _plain_word(word: str) -> str:
    """The folded word, or '' for a legal form, a country word or a noise word: what a
    group's name leaves out ("SAS", "France", "Holding")."""
    folded = "".join(fold_words(word))
    if not folded or (folded,) in LEGAL_FORMS or folded in COUNTRY_WORDS or folded in NOISE_WORDS:
        return ""
    return folded


def suggested_account_name(member_names: list[str]) -> str:
    """The words every member's name shares, legal forms and country words left out
    ("Robert Bosch France SAS", "Robert Bosch GmbH", "Bosch Ltd" -> "Bosch"), as written in
    the shortest name; else the shortest name. The admin edits it on the confirmation page."""
    names = sorted(member_names, key=lambda n: (len(n), n))
    if not names:
        return ""
    common = None
    for name in names:
        words = {_plain_word(w) for w in name.split()} - {""}
        common = words if common is None else common & words
    shared = [w for w in names[0].split() if _plain_word(w) in (common or set())]
    return " ".join(shared) or names[0]


def _headquarters(subsidiaries: list[Subsidiary]):
    """The country with most members (ties: the first by code)."""
    counts: dict[int, int] = {}
    for s in subsidiaries:
        counts[s.country_id] = counts.get(s.country_id, 0) + 1
    if not counts:
        return None
    best = max(sorted(counts), key=lambda pk: counts[pk])
    return next(s.country for s in subsidiaries if s.country_id == best)


def _proposed_local_managers(
    subsidiaries: list[Subsidiary], manager: User | None
) -> list[tuple[User, object]]:
    """The members' owners as local account managers, each in the country of their first
    member (one role per user and account); the GAM and inactive users are left out."""
    seen: set[int] = {manager.pk} if manager else set()
    out = []
    for s in subsidiaries:
        owner = s.owner
        if owner is None or not owner.is_active or owner.pk in seen:
            continue
        seen.add(owner.pk)
        out.append((owner, s.country))
    return out


def _require_group_finding(conflict: Conflict) -> None:
    if conflict.kind != ConflictKind.UNLINKED_GROUP:
        raise ValidationError(
            {"detail": _("Only an unlinked-group finding can become a global account.")}
        )
    if conflict.global_account_id:
        raise ValidationError(
            {"detail": _("This group already has a global account (%(account)s): link its "
                         "companies to it instead.") % {"account": conflict.global_account.name}}
        )  # fmt: skip


def group_account_plan(
    *,
    conflict: Conflict,
    name: str | None = None,
    headquarters_country=None,
    manager: User | None = None,
) -> GroupAccountPlan:
    """The preview of ``group_create_account``: the account's name (suggested from the
    members unless given), its headquarters country, the members that will be linked (and
    the accounts they leave), and the owners proposed as local account managers."""
    _require_group_finding(conflict)
    subsidiaries = _subsidiaries_of(conflict, (ConflictKind.UNLINKED_GROUP,))
    name = (name or "").strip() or suggested_account_name([s.name for s in subsidiaries])
    return GroupAccountPlan(
        conflict=conflict,
        name=name,
        headquarters_country=headquarters_country or _headquarters(subsidiaries),
        manager=manager,
        members=[GroupPlanMember(s, s.global_account) for s in subsidiaries],
        local_managers=_proposed_local_managers(subsidiaries, manager),
        name_taken=GlobalAccount.objects.filter(name__iexact=name).exists(),
    )


@transaction.atomic
def group_create_account(
    *,
    conflict: Conflict,
    actor: User,
    name: str,
    headquarters_country=None,
    manager: User | None = None,
    add_local_managers: bool = True,
    note: str = "",
) -> GlobalAccount:
    """Make a global account from an unlinked group (tenant admins: creating a global
    account is theirs): the account, every member linked to it (their opportunities,
    activities and campaigns follow), the GAM if one is chosen, the members' owners as its
    local account managers; the finding gets the account and is resolved. All or nothing,
    with a ``ConflictEvent`` and audit entries. Undone by unlinking the members (and
    deleting the account) on the account's page."""
    if not actor.is_tenant_admin:
        raise PermissionDenied(_("Only a tenant admin may create a global account."))
    conflict = _locked(conflict)
    _require_active(conflict)
    _require_group_finding(conflict)
    subsidiaries = _subsidiaries_of(conflict, (ConflictKind.UNLINKED_GROUP,))
    if manager is not None and (manager.tenant_id != actor.tenant_id or not manager.is_active):
        raise ValidationError({"manager": _("Choose an active user of your company.")})
    account = account_services.global_account_create(
        actor=actor,
        name=name,
        headquarters_country=headquarters_country or _headquarters(subsidiaries),
    )
    if manager is not None:
        team_services.team_member_add(
            account=account, user=manager, role=TeamRole.GLOBAL_ACCOUNT_MANAGER, actor=actor
        )
    local_managers = _proposed_local_managers(subsidiaries, manager) if add_local_managers else []
    for owner, country in local_managers:
        team_services.team_member_add(
            account=account,
            user=owner,
            role=TeamRole.LOCAL_ACCOUNT_MANAGER,
            country=country,
            actor=actor,
        )
    for subsidiary in subsidiaries:
        subsidiary.global_account = account
        subsidiary._history_user = actor
        subsidiary._change_reason = f"conflict {conflict.pk}: linked to new account {account.name}"
        subsidiary.save(update_fields=["global_account"])
        _follow_account(subsidiary)
        queue_conflict_check(
            tenant_id=subsidiary.tenant_id, record_type="subsidiary", record_id=subsidiary.pk
        )
    conflict.global_account = account
    conflict.save(update_fields=["global_account"])
    names = ", ".join(f"{s.name} ({s.country.code})" for s in subsidiaries)
    text = _("Created the global account %(account)s from the group and linked %(names)s.") % {
        "account": account.name,
        "names": names,
    }
    if local_managers:
        text += " " + _("Local account managers: %(people)s.") % {
            "people": ", ".join(f"{u.display_name} ({c.code})" for u, c in local_managers)
        }
    _event(conflict, actor, "account_created", f"{text} {note}".strip())
    audit(
        actor,
        "conflict.create_account",
        conflict,
        account=account.pk,
        subsidiaries=", ".join(str(s.pk) for s in subsidiaries),
    )
    _set_status(conflict=conflict, actor=actor, status=ConflictStatus.RESOLVED, note=text)
    return account


# --- notifications --------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied(_("This notification is someone else's."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
