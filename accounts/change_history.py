"""Change history (django-simple-history) of customers for the detail pages: who changed
what, when, with field diffs.

A page shows the recent changes of several records (an account, its subsidiaries, contacts
and agreements). Diffing each history row against its predecessor with ``prev_record`` would
cost a query per row; here each model costs one query (the recent rows and their
predecessors together), plus one per many-to-many field and one per kind of related record
named in the diffs that the page has not loaded already, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db.models import BooleanField, Case, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from simple_history import utils

# Fields whose values are ids of other rows: shown by name, not by number.
_RELATED_LABELS = {
    "country": ("gam", "Country"),
    "headquarters_country": ("gam", "Country"),
    "owner": ("gam", "User"),
    "tier_override_by": ("gam", "User"),
    "tier": ("accounts", "Tier"),
    "global_account": ("accounts", "GlobalAccount"),
    "subsidiary": ("accounts", "Subsidiary"),
    "reports_to": ("accounts", "Contact"),
    "countries": ("gam", "Country"),
}
# Fields nobody edits by hand: their changes follow others and are noise in a history.
_IGNORED = {"manager", "created_at", "score", "tier_override_by"}

KIND_LABELS = {
    "globalaccount": _("Global account"),
    "subsidiary": _("Subsidiary"),
    "contact": _("Contact"),
    "frameworkagreement": _("Framework agreement"),
}
ACTION_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class FieldChange:
    field: str
    label: str
    old: object
    new: object
    many: bool = False  # a many-to-many field (its history rows follow the record's save)


@dataclass
class ChangeEntry:
    when: datetime
    who: object  # User or None
    kind: str
    kind_label: str
    object_id: int
    object_name: str
    action: str  # "+", "~", "-"
    action_label: str
    changes: list[FieldChange] = field(default_factory=list)


def _recent_and_predecessors(history: QuerySet, limit: int) -> tuple[list, dict]:
    """The newest ``limit`` rows of ``history`` (annotated with ``prev_history_id``) and
    {history id: row} of their predecessors, in one query: the rows whose id is among the
    recent ones or their predecessors'."""
    model = history.model
    prev = Subquery(
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    newest = history.annotate(prev_history_id=prev).order_by("-history_date", "-history_id")
    recent_ids = newest.values("history_id")[:limit]
    prev_ids = newest.values("prev_history_id")[:limit]
    rows = (
        model.objects.filter(Q(history_id__in=recent_ids) | Q(history_id__in=prev_ids))
        .select_related("history_user")
        .annotate(
            prev_history_id=prev,
            is_recent=Case(
                When(history_id__in=recent_ids, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )
    recent, prevs = [], {}
    for row in rows:
        prevs[row.history_id] = row
        if row.is_recent:
            recent.append(row)
    recent.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    return recent, prevs


def _m2m_members(rows: list, prevs: dict) -> dict[tuple[str, int], set]:
    """{(m2m field, history id): ids of the related rows} for the rows and their
    predecessors, one query per many-to-many field (agreement countries)."""
    members: dict[tuple[str, int], set] = {}
    if not rows:
        return members
    ids = [r.history_id for r in rows] + list(prevs)
    for m2m in getattr(rows[0], "_history_m2m_fields", []):
        through = getattr(rows[0], m2m.name).model
        target = utils.get_m2m_reverse_field_name(m2m)
        for history_id, related_id in through.objects.filter(history_id__in=ids).values_list(
            "history_id", f"{target}_id"
        ):
            members.setdefault((m2m.name, history_id), set()).add(related_id)
        for history_id in ids:
            members.setdefault((m2m.name, history_id), set())
    return members


def changes_of(
    histories: list[QuerySet], *, limit: int = 25, known: dict | None = None
) -> list[ChangeEntry]:
    """The newest ``limit`` changes across the given historical querysets, newest first.
    ``known``: {(app label, model name): {pk: object}} of related records the page has
    loaded already (countries, users, contacts): their names cost no query."""
    entries: list[tuple[object, object | None]] = []
    members: dict[tuple[str, int], set] = {}
    for history in histories:
        rows, fetched = _recent_and_predecessors(history, limit)
        prevs = {
            r.prev_history_id: fetched[r.prev_history_id]
            for r in rows
            if r.prev_history_id in fetched
        }
        members.update(_m2m_members(rows, prevs))
        entries.extend((row, prevs.get(row.prev_history_id)) for row in rows)
    entries.sort(key=lambda pair: (pair[0].history_date, pair[0].history_id), reverse=True)
    entries = entries[:limit]

    result: list[ChangeEntry] = []
    wanted: dict[tuple[str, str], set] = {}
    for row, prev in entries:
        kind = row.instance_type._meta.model_name
        changes: list[FieldChange] = []
        if prev is not None and row.history_type == "~":
            delta = row.diff_against(prev, excluded_fields=_m2m_names(row))
            for change in delta.changes:
                if change.field in _IGNORED:
                    continue
                model_field = row.instance_type._meta.get_field(change.field)
                changes.append(
                    FieldChange(
                        change.field,
                        str(getattr(model_field, "verbose_name", change.field)),
                        change.old,
                        change.new,
                    )
                )
                if change.field in _RELATED_LABELS:
                    ids = wanted.setdefault(_RELATED_LABELS[change.field], set())
                    ids.update(v for v in (change.old, change.new) if v is not None)
            for m2m in _m2m_fields(row):
                old_ids = members.get((m2m.name, prev.history_id), set())
                new_ids = members.get((m2m.name, row.history_id), set())
                if old_ids != new_ids:
                    changes.append(
                        FieldChange(m2m.name, str(m2m.verbose_name), old_ids, new_ids, many=True)
                    )
                    if m2m.name in _RELATED_LABELS:
                        key = _RELATED_LABELS[m2m.name]
                        wanted.setdefault(key, set()).update(old_ids | new_ids)
            if not changes:
                continue  # only ignored fields changed (e.g. the score was recomputed)
        result.append(
            ChangeEntry(
                when=row.history_date,
                who=row.history_user,
                kind=kind,
                kind_label=str(KIND_LABELS.get(kind, kind)),
                object_id=row.id,
                object_name=str(getattr(row, "name", "") or row.id),
                action=row.history_type,
                action_label=str(ACTION_LABELS.get(row.history_type, row.history_type)),
                changes=changes,
            )
        )
    result = _coalesce(result)
    _label_related(result, wanted, known or {})
    return result


# One save of a record with a many-to-many field writes several history rows (the record,
# then one per step of setting the many-to-many: remove, add). Those follow-up rows, by the
# same person within seconds, are folded into the save they belong to.
_SAME_CHANGE_SECONDS = 5


def _coalesce(entries: list[ChangeEntry]) -> list[ChangeEntry]:
    kept: list[ChangeEntry] = []
    for entry in entries:  # newest first
        newer = kept[-1] if kept else None
        if (
            newer is not None
            and (newer.kind, newer.object_id, newer.who) == (entry.kind, entry.object_id, entry.who)
            and (newer.when - entry.when).total_seconds() <= _SAME_CHANGE_SECONDS
            and "-" not in (newer.action, entry.action)
            and newer.changes
            and all(c.many for c in newer.changes)
        ):
            if entry.action == "+":
                newer.action, newer.action_label, newer.changes = "+", entry.action_label, []
            elif newer.action != "+":
                by_field = {c.field: c for c in newer.changes}
                for change in entry.changes:
                    if change.field in by_field:
                        by_field[change.field].old = change.old  # the older value wins
                    else:
                        newer.changes.append(change)
                newer.changes = [c for c in newer.changes if c.old != c.new]
                if not newer.changes:
                    kept.pop()  # changed and changed back: nothing to show
            newer.when = entry.when
            continue
        kept.append(entry)
    return kept


def _m2m_fields(row) -> list:
    return list(getattr(row, "_history_m2m_fields", []))


def _m2m_names(row) -> list[str]:
    # simple_history diffs many-to-many fields with two queries per row: done above instead.
    return [f.name for f in _m2m_fields(row)]


def _label_related(
    entries: list[ChangeEntry], wanted: dict[tuple[str, str], set], known: dict
) -> None:
    names: dict[tuple[str, str], dict] = {}
    for (app, model_name), ids in wanted.items():
        loaded = known.get((app, model_name), {})
        labels = {pk: str(loaded[pk]) for pk in ids if pk in loaded}
        missing = ids - labels.keys()
        if missing:
            model: type[Model] = apps.get_model(app, model_name)
            manager = model.in_tenant if model_name == "User" else model.objects
            labels.update((obj.pk, str(obj)) for obj in manager.filter(pk__in=missing))
        names[(app, model_name)] = labels
    for entry in entries:
        for change in entry.changes:
            key = _RELATED_LABELS.get(change.field)
            if key:
                labels = names.get(key, {})
                change.old, change.new = _label(change.old, labels), _label(change.new, labels)


def _label(value, labels: dict):
    if isinstance(value, set):
        return ", ".join(sorted(str(labels.get(v, v)) for v in value)) or None
    return labels.get(value, value)
