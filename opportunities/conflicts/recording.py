"""Recording what the detectors find, and telling the people concerned.

- Upsert by the conflict key (kind + sorted records): a rerun updates ``last_seen_at`` (one
  UPDATE per chunk) and never adds a row; new conflicts are inserted in chunks with ``ON
  CONFLICT DO NOTHING`` so a concurrent check of the same records cannot duplicate one
  either. Each chunk costs a constant number of queries, whatever its size.
- The fingerprint digests the records' material fields. A dismissed (or resolved) conflict
  stays so while its fingerprint is unchanged; a material change reopens it, with an event.
- A full scan resolves the open / acknowledged conflicts of a kind it did not see again
  ("auto-resolved"); an incremental check does the same for the conflicts of the records it
  re-evaluated. Auto-resolution clears the fingerprint, so if the condition comes back the
  conflict reopens.
- New and reopened conflicts notify the assignee (the account's GAM, else a tenant admin)
  and the records' owners, in the app and by one email per person per check or scan
  (``alerts``). Whoever may not see a record (DESIGN.md, sharing model) only gets a hint:
  the country, the product line and which GAM to talk to, never the record's name, amount or
  stage.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import GlobalAccount
from gam.counts import bump_data_version
from gam.models import User
from gam.tenancy import current_tenant_id
from opportunities.conflicts import detectors as detect
from opportunities.conflicts.alerts import Alerts, full_text, hint_text, url_or_empty
from opportunities.conflicts.detectors.findings import Finding, RecordInfo, record_token
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    Conflict,
    ConflictEvent,
    ConflictStatus,
    Notification,
    ScanRun,
)
from teams.models import GlobalAccountUserObjectPermission

logger = logging.getLogger(__name__)

WRITE_CHUNK = 2000  # findings per transaction of a scan
URL_PLACEHOLDER = 987654321


def stale_scan_after() -> timedelta:
    """A "running" scan this old died with its worker: the broker has redelivered its task
    by then (visibility timeout), so another scan may take over (settings)."""
    return timedelta(minutes=settings.CONFLICT_SCAN_STALE_MINUTES)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class Stats:
    found: int = 0
    new: int = 0
    reopened: int = 0
    resolved: int = 0

    def as_dict(self) -> dict:
        return {
            "found": self.found,
            "new": self.new,
            "reopened": self.reopened,
            "resolved": self.resolved,
        }


# --- upsert ---------------------------------------------------------------------------------


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Inserts plain tuples (values in the database's types) in one statement. On
    PostgreSQL a multi-row ``INSERT ... VALUES``: building model instances and preparing
    each field, as ``bulk_create`` does, cost more than the database's work for the
    conflicts, events and notifications of a scan. Elsewhere ``bulk_create``."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
        return
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
        f"VALUES {', '.join([marks] * len(rows))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
    bump_data_version()  # raw SQL: cached counts (unread notifications) changed


CONFLICT_COLUMNS = [
    "tenant_id",
    "kind",
    "key",
    "fingerprint",
    "status",
    "global_account_id",
    "countries",
    "records",
    "reason",
    "assignee_id",
    "resolution_note",
    "detected_at",
    "last_seen_at",
    "score",
    "evidence",
]


def _insert_new(rows: list[tuple]) -> list[tuple[str, int, int | None]]:
    """Inserts conflicts (tuples of ``CONFLICT_COLUMNS``, the JSON fields as lists),
    skipping keys a concurrent check inserted first (theirs wins); returns (key, id,
    assignee) of the rows this call inserted. On PostgreSQL one ``INSERT ... ON CONFLICT
    DO NOTHING RETURNING``; elsewhere a bulk insert and a read of the rows carrying this
    run's timestamp."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        Conflict.objects.bulk_create(
            [Conflict(**dict(zip(CONFLICT_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
        )
        return list(
            Conflict.objects.filter(
                key__in=[r[2] for r in rows], detected_at=rows[0][11]
            ).values_list("key", "id", "assignee_id")
        )
    json_columns = [CONFLICT_COLUMNS.index(c) for c in ("countries", "records", "evidence")]
    params = []
    for row in rows:
        row = list(row)
        for column in json_columns:
            row[column] = json.dumps(row[column])
        params.extend(row)
    marks = "(" + ", ".join(["%s"] * len(CONFLICT_COLUMNS)) + ")"
    columns = ", ".join(connection.ops.quote_name(c) for c in CONFLICT_COLUMNS)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Conflict._meta.db_table)} ({columns}) "
        f"VALUES {', '.join([marks] * len(rows))} "
        "ON CONFLICT (tenant_id, key) DO NOTHING RETURNING key, id, assignee_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = [tuple(r) for r in cursor.fetchall()]
    bump_data_version()  # raw SQL: the conflict lists' counts changed
    return inserted


class Recorder:
    """Writes findings for one check or scan. Holds per-run caches (tenant admins, the
    detail URL) so that each chunk costs a constant number of queries: one to read the
    chunk's known conflicts, one UPDATE of ``last_seen_at`` for those unchanged (the steady
    state of a rescan writes nothing else), and only for new or reopened conflicts the
    inserts, their accounts and their notifications, each in one statement."""

    def __init__(self, *, now=None, source: str = "scan") -> None:
        self.now = now or timezone.now()
        self.source = source
        self.alerts = Alerts()
        self._admin_ids: list[int] | None = None
        self._detail_url: str | None = None
        self._translations: dict[str, str] = {}

    # assignee and account details
    def admin_ids(self) -> list[int]:
        if self._admin_ids is None:
            self._admin_ids = list(
                User.objects.filter(
                    tenant_id=current_tenant_id(), is_tenant_admin=True, is_active=True
                )
                .order_by("id")
                .values_list("id", flat=True)
            )
        return self._admin_ids

    def gettext(self, message: str) -> str:
        """``gettext``, remembered for the run: the same few texts go into thousands of
        notifications."""
        try:
            return self._translations[message]
        except KeyError:
            translated = self._translations[message] = _(message)
            return translated

    def detail_url(self, pk: int) -> str:
        if self._detail_url is None:  # reversed once per run, not once per conflict
            self._detail_url = url_or_empty("conflicts:conflict_detail", URL_PLACEHOLDER)
        return self._detail_url.replace(str(URL_PLACEHOLDER), str(pk))

    def record(self, findings: Iterable[Finding], stats: Stats | dict[str, Stats]) -> set[str]:
        """Upserts the findings in chunks; returns the keys seen. ``stats`` is one kind's,
        or a dict of them by kind."""
        seen: set[str] = set()
        for chunk in _chunks(findings, WRITE_CHUNK):
            unique = {}
            for finding in chunk:
                unique.setdefault(finding.key, finding)
            seen.update(unique)
            # One transaction per chunk of a scan; inside a check's own transaction no
            # savepoint (two round trips) is needed, the check is all or nothing.
            with transaction.atomic(savepoint=False):
                self._record_chunk(unique, stats)
        return seen

    def _record_chunk(
        self, findings: dict[str, Finding], stats: Stats | dict[str, Stats], existing=None
    ) -> None:
        def stats_of(finding: Finding) -> Stats:
            return stats[finding.kind] if isinstance(stats, dict) else stats

        for finding in findings.values():
            stats_of(finding).found += 1
        if existing is None:
            existing = {
                row[0]: row
                for row in Conflict.objects.filter(key__in=list(findings)).values_list(
                    "key", "id", "status", "fingerprint", "assignee_id"
                )
            }
        new = [f for key, f in findings.items() if key not in existing]
        touched, changed, reopened = [], [], []
        assignees: dict[int, int | None] = {}
        for key, (_key, pk, status, fingerprint, assignee_id) in existing.items():
            finding = findings[key]
            if finding.fingerprint == fingerprint:
                touched.append(pk)
            elif status in ACTIVE_STATUSES:
                changed.append((pk, finding))
            else:
                reopened.append((pk, finding))
                assignees[pk] = assignee_id

        if touched:
            Conflict.objects.filter(pk__in=touched).update(last_seen_at=self.now)
        if changed or reopened:
            rows = []
            for pk, finding in changed + reopened:
                row = Conflict(
                    pk=pk,
                    fingerprint=finding.fingerprint,
                    countries=list(finding.countries),
                    records=finding.refs,
                    reason=finding.reason,
                    global_account_id=finding.global_account_id,
                    last_seen_at=self.now,
                    score=finding.score,
                    evidence=finding.evidence,
                )
                rows.append(row)
            Conflict.objects.bulk_update(
                rows,
                [
                    "fingerprint",
                    "countries",
                    "records",
                    "reason",
                    "global_account",
                    "last_seen_at",
                    "score",
                    "evidence",
                ],
            )
        if reopened:
            # The assignee stays: whoever handled it before knows the story.
            Conflict.objects.filter(pk__in=[pk for pk, _f in reopened]).update(
                status=ConflictStatus.OPEN, status_changed_at=self.now
            )
        if not (new or reopened):
            return  # nothing to assign or announce: the steady state ends here

        alerted_findings = new + [f for _pk, f in reopened]
        accounts = {
            a["id"]: a
            for a in GlobalAccount.objects.filter(
                pk__in={f.global_account_id for f in alerted_findings if f.global_account_id}
            ).values("id", "name", "manager_id", "manager__name")
        }

        def assignee(finding: Finding) -> int | None:
            for info in finding.records:
                account = accounts.get(info.global_account_id)
                if account and account["manager_id"]:
                    return account["manager_id"]
            admins = self.admin_ids()
            return admins[0] if admins else None

        tenant_id = current_tenant_id()
        created: list[tuple[int, Finding]] = []
        if new:
            rows = [
                (
                    tenant_id,
                    f.kind,
                    f.key,
                    f.fingerprint,
                    ConflictStatus.OPEN.value,
                    f.global_account_id,
                    list(f.countries),
                    f.refs,
                    f.reason,
                    assignee(f),
                    "",
                    self.now,
                    self.now,
                    f.score,
                    list(f.evidence),
                )
                for f in new
            ]
            for key, pk, assignee_id in _insert_new(rows):
                created.append((pk, findings[key]))
                assignees[pk] = assignee_id

        for _pk, finding in created:
            stats_of(finding).new += 1
        for _pk, finding in reopened:
            stats_of(finding).reopened += 1
        reopened_note = _("The records changed materially (%(source)s).") % {"source": self.source}
        events = [
            (tenant_id, pk, "detected", f"{finding.reason} ({self.source})", self.now)
            for pk, finding in created
        ] + [(tenant_id, pk, "reopened", reopened_note, self.now) for pk, _f in reopened]
        _insert_rows(ConflictEvent, EVENT_COLUMNS, events)
        alerted = created + reopened
        if alerted:
            self._notify(alerted, assignees, accounts, reopened={pk for pk, _f in reopened})

    # --- alerts -----------------------------------------------------------------------------

    def _notify(self, alerted, assignees, accounts, *, reopened: set[int]) -> None:
        recipients: dict[int, set[int]] = {}
        for pk, finding in alerted:
            users = {assignees.get(pk)}
            for info in finding.records:
                users.update({info.owner_id, info.subsidiary_owner_id})
            users.discard(None)
            recipients[pk] = users
        everyone = set().union(*recipients.values()) if recipients else set()
        if not everyone:
            return
        admins = set(self.admin_ids())
        account_ids = {i.global_account_id for _pk, f in alerted for i in f.records} - {None}
        team_view = set(
            GlobalAccountUserObjectPermission.objects.filter(
                content_object__in=GlobalAccount.objects.filter(pk__in=account_ids),
                permission__codename="view_globalaccount",
                user_id__in=everyone,
            ).values_list("user_id", "content_object_id")
        )

        def may_see(user_id: int, info: RecordInfo) -> bool:
            # DESIGN.md: subsidiaries are visible to the whole tenant; the records that hang
            # off an account to its team, their owners and the subsidiary's owner.
            if info.type == "subsidiary" or user_id in admins:
                return True
            if user_id in (info.owner_id, info.subsidiary_owner_id):
                return True
            return (user_id, info.global_account_id) in team_view

        tenant_id = current_tenant_id()
        gettext = self.gettext
        notifications = []
        for pk, finding in alerted:
            account = accounts.get(finding.global_account_id) or {}
            url = self.detail_url(pk)
            full = None  # the same text for everyone who may see it all
            for user_id in sorted(recipients[pk]):
                hidden = [i for i in finding.records if not may_see(user_id, i)]
                if hidden:
                    text = hint_text(finding, account, hidden, user_id, gettext=gettext)[:300]
                else:
                    if full is None:
                        full = full_text(
                            finding, account, reopened=pk in reopened, gettext=gettext
                        )[:300]
                    text = full
                notifications.append(
                    (tenant_id, user_id, pk, text, url if not hidden else "", self.now)
                )
                self.alerts.add(user_id, text)
        _insert_rows(Notification, NOTIFICATION_COLUMNS, notifications)


EVENT_COLUMNS = ["tenant_id", "conflict_id", "action", "note", "at"]
NOTIFICATION_COLUMNS = ["tenant_id", "user_id", "conflict_id", "text", "url", "created_at"]


# --- resolution of what disappeared ---------------------------------------------------------


def _auto_resolve(queryset, *, now, note: str) -> Counter:
    """Resolves the open / acknowledged conflicts of ``queryset``; returns counts per kind."""
    resolved: Counter = Counter()
    rows = list(queryset.filter(status__in=ACTIVE_STATUSES).values_list("id", "kind"))
    for chunk in _chunks(rows, WRITE_CHUNK):
        ids = [pk for pk, _kind in chunk]
        with transaction.atomic():
            # Re-check the status under the update: a user may have dismissed one meanwhile.
            still = set(
                Conflict.objects.select_for_update()
                .filter(pk__in=ids, status__in=ACTIVE_STATUSES)
                .values_list("id", flat=True)
            )
            Conflict.objects.filter(pk__in=still).update(
                status=ConflictStatus.RESOLVED, status_changed_at=now, fingerprint=""
            )
            ConflictEvent.objects.bulk_create(
                [
                    ConflictEvent(
                        conflict_id=pk,
                        action="auto-resolved",
                        note=note,
                        at=now,
                        tenant_id=current_tenant_id(),
                    )
                    for pk in ids
                    if pk in still
                ]
            )
            resolved.update(kind for pk, kind in chunk if pk in still)
    return resolved


def _involving(refs: list[tuple[str, int]]) -> Q:
    """Conflicts whose records include one of ``refs``: the GIN-indexed JSON containment on
    PostgreSQL, the key (which spells the records out) elsewhere."""
    involving = Q()
    for ref_type, ref_id in refs:
        if connection.vendor == "postgresql":
            involving |= Q(records__contains=[{"type": ref_type, "id": ref_id}])
        else:
            involving |= Q(key__contains=record_token(ref_type, ref_id))
    return involving


# --- entry points ---------------------------------------------------------------------------


def check_record(*, record_type: str, record_id: int) -> dict[str, dict]:
    """Incremental check of one record's neighbourhood (tenant in context): records what it
    finds, resolves the record's conflicts that no longer hold, alerts after the commit.
    One transaction; the number of queries does not grow with the tenant: the conflicts
    already known for the findings and the record's active ones are read (and locked) in
    one query, through the unique key and the GIN index on ``records``. Returns stats per
    kind."""
    recorder = Recorder(source="check")
    result: dict[str, dict] = {}
    with transaction.atomic():
        stats: dict[str, Stats] = {}
        findings: dict[str, Finding] = {}
        involving = Q()
        for kind, refs, kind_findings in detect.neighbourhood_findings(record_type, record_id):
            stats[kind] = Stats()
            for finding in kind_findings:
                findings.setdefault(finding.key, finding)
            involving |= Q(kind=kind) & _involving(refs)
        if not stats:
            return result
        known = Q(key__in=list(findings)) if findings else Q(pk__in=[])
        rows = (
            Conflict.objects.select_for_update()
            .filter(known | (involving & Q(status__in=ACTIVE_STATUSES)))
            .order_by()
            .values_list("key", "id", "status", "fingerprint", "assignee_id", "kind")
        )
        existing, stale = {}, []
        for row in rows:
            if row[0] in findings:
                existing[row[0]] = row[:5]
            else:
                stale.append((row[1], row[5]))
        recorder._record_chunk(findings, stats, existing=existing)
        if stale:
            note = _("The condition no longer holds (checked after a change).")
            Conflict.objects.filter(pk__in=[pk for pk, _kind in stale]).update(
                status=ConflictStatus.RESOLVED, status_changed_at=recorder.now, fingerprint=""
            )
            ConflictEvent.objects.bulk_create(
                [
                    ConflictEvent(
                        conflict_id=pk,
                        action="auto-resolved",
                        note=note,
                        at=recorder.now,
                        tenant_id=current_tenant_id(),
                    )
                    for pk, _kind in stale
                ]
            )
            for _pk, kind in stale:
                stats[kind].resolved += 1
        result = {kind: kind_stats.as_dict() for kind, kind_stats in stats.items()}
        transaction.on_commit(recorder.alerts.send)
    return result


def scan_tenant(*, task_id: str = "", progress=None, alert_by_email: bool = True) -> ScanRun:
    """Full scan of the tenant in context. Reruns of one Celery task (a worker killed
    mid-scan and the message redelivered) reuse its ScanRun row. The in-app notifications
    are always written; ``alert_by_email=False`` (the demo seed) sends no emails."""
    now = timezone.now()
    run = None
    if task_id:
        run = ScanRun.objects.filter(task_id=task_id).first()
    if run is None:
        run = ScanRun(task_id=task_id)
    run.started_at, run.status, run.finished_at, run.counts = now, ScanRun.Status.RUNNING, None, {}
    run.save()
    ScanRun.objects.filter(
        status=ScanRun.Status.RUNNING, started_at__lt=now - stale_scan_after()
    ).exclude(pk=run.pk).update(status=ScanRun.Status.FAILED, finished_at=now)

    recorder = Recorder(now=now, source="scan")
    counts: dict[str, dict] = {}
    try:
        for kind in detect.KINDS:
            stats = Stats()
            recorder.record(detect.full_scan_findings(kind, progress), stats)
            stats.resolved = _auto_resolve(
                Conflict.objects.filter(kind=kind, last_seen_at__lt=now),
                now=now,
                note=_("The condition no longer holds (full scan)."),
            ).total()
            counts[kind] = stats.as_dict()
            if progress:
                progress(kind, 1, 1)
        for kind in detect.KINDS:
            counts[kind]["open"] = 0
        for kind, n in (
            Conflict.objects.filter(status__in=ACTIVE_STATUSES)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        ):
            counts.setdefault(kind, {})["open"] = n
    except BaseException:
        run.status, run.finished_at, run.counts = ScanRun.Status.FAILED, timezone.now(), counts
        run.save(update_fields=["status", "finished_at", "counts"])
        raise
    finally:
        if alert_by_email:
            transaction.on_commit(recorder.alerts.send)
    run.status, run.finished_at, run.counts = ScanRun.Status.FINISHED, timezone.now(), counts
    run.save(update_fields=["status", "finished_at", "counts"])
    return run
