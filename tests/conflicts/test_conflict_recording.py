"""Recording in bulk: the queries of a scan do not grow with the conflicts it writes, a
rescan adds no rows and only refreshes ``last_seen_at`` (one UPDATE per chunk), and an
incremental check costs the same whether it writes new conflicts or finds them known."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.discovery import tenant_size
from opportunities.conflicts import recording
from opportunities.conflicts.models import Conflict, ConflictEvent, ConflictKind, Notification
from tests import factories as f

DUP = ConflictKind.DUPLICATE_CUSTOMER


def duplicates(w, first: int, count: int) -> list:
    """``count`` customers each entered twice in Sweden (one legal entity: a duplicate);
    the digits keep the customers apart (names with other numbers are other companies)."""
    pairs = []
    for n in range(first, first + count):
        a = f.SubsidiaryFactory(tenant=w.acme, name=f"Kvarnby {n} Industri AB", country=w.se)
        b = f.SubsidiaryFactory(tenant=w.acme, name=f"KVARNBY {n} INDUSTRI AB", country=w.se)
        pairs.append((a, b))
    return pairs


def writes(ctx, table: str) -> list[str]:
    """The INSERTs and UPDATEs of ``table`` among the captured queries."""
    pattern = re.compile(rf'^(INSERT INTO|UPDATE) "?{table}"? ')
    return [q["sql"] for q in ctx.captured_queries if pattern.match(q["sql"])]


@pytest.mark.django_db
def test_first_scan_query_count_does_not_grow_with_the_conflicts(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        duplicates(w, 0, 3)
        with CaptureQueriesContext(connection) as few:
            run = recording.scan_tenant(alert_by_email=False)
        assert run.counts[DUP]["new"] == 3
        Conflict.objects.all().delete()  # events and notifications go with them
        duplicates(w, 3, 30)
        with CaptureQueriesContext(connection) as many:
            run = recording.scan_tenant(alert_by_email=False)
        assert run.counts[DUP]["new"] == 33
        assert len(many.captured_queries) == len(few.captured_queries)
        # One INSERT each for the conflicts, their events and their notifications.
        assert len(writes(many, "opportunities_conflict")) == 1
        assert len(writes(many, "opportunities_conflictevent")) == 1
        assert len(writes(many, "opportunities_notification")) == 1
        assert ConflictEvent.objects.filter(action="detected").count() == 33
        assert Notification.objects.filter(conflict__kind=DUP).count() >= 33


@pytest.mark.django_db
def test_rescan_adds_no_rows_and_refreshes_last_seen(
    sales, in_tenant, django_assert_max_num_queries
):
    w = sales
    with in_tenant(w.acme):
        duplicates(w, 0, 12)
        first = recording.scan_tenant(alert_by_email=False)
        before = dict(Conflict.objects.values_list("id", "last_seen_at"))
        rows = (
            Conflict.objects.count(),
            ConflictEvent.objects.count(),
            Notification.objects.count(),
        )
        assert len(before) == 12
        with django_assert_max_num_queries(30) as ctx:
            second = recording.scan_tenant(alert_by_email=False)
        assert (
            Conflict.objects.count(),
            ConflictEvent.objects.count(),
            Notification.objects.count(),
        ) == rows
        after = dict(Conflict.objects.values_list("id", "last_seen_at"))
        assert after.keys() == before.keys()
        assert all(after[pk] == second.started_at > before[pk] for pk in after)
        assert second.started_at > first.started_at
        assert second.counts[DUP] == {
            "found": 12,
            "new": 0,
            "reopened": 0,
            "resolved": 0,
            "open": 12,
        }
        # The steady state writes one UPDATE of last_seen_at per chunk, nothing else.
        conflict_writes = writes(ctx, "opportunities_conflict")
        assert len(conflict_writes) == 1
        assert '"last_seen_at"' in conflict_writes[0] and "fingerprint" not in conflict_writes[0]
        assert not writes(ctx, "opportunities_conflictevent")
        assert not writes(ctx, "opportunities_notification")


@pytest.mark.django_db
def test_check_costs_the_same_writing_one_or_many_conflicts(sales, in_tenant):
    w = sales

    def check(subsidiary):
        with CaptureQueriesContext(connection) as ctx:
            result = recording.check_record(record_type="subsidiary", record_id=subsidiary.pk)
        total = {k: result[DUP][k] + result[ConflictKind.UNLINKED_GROUP][k] for k in result[DUP]}
        return total, len(ctx.captured_queries)

    with in_tenant(w.acme):
        # one entity entered twice: one duplicate_customer finding
        lone = f.SubsidiaryFactory(tenant=w.acme, name="Solberga Kemi AB", country=w.se)
        f.SubsidiaryFactory(tenant=w.acme, name="SOLBERGA KEMI AB", country=w.se)
        # a group entered twice in each of three countries: three duplicates, one group
        crowded = f.SubsidiaryFactory(tenant=w.acme, name="Ekhamn Tekstil AB", country=w.se)
        for name, country in (
            ("EKHAMN TEKSTIL AB", w.se),
            ("Ekhamn Tekstil GmbH", w.de),
            ("Ekhamn Tekstil G.m.b.H.", w.de),
            ("Ekhamn Tekstil SAS", w.fr),
            ("EKHAMN TEKSTIL SAS", w.fr),
        ):
            f.SubsidiaryFactory(tenant=w.acme, name=name, country=country)
        tenant_size()  # counted by the scan and cached; a check only reads it
        one, one_queries = check(lone)
        many, many_queries = check(crowded)
        assert (one["new"], many["new"]) == (1, 4)
        assert many_queries == one_queries
        # Known now: the same check finds them all and writes no new rows.
        again, again_queries = check(crowded)
        assert again == {"found": 4, "new": 0, "reopened": 0, "resolved": 0}
        assert again_queries < many_queries


@pytest.mark.django_db
def test_the_records_index_has_no_pending_list():
    """Right after a scan, a GIN pending list would make every check read all new
    conflicts (migration 0006)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'opportunities_conflict_records_gin'"
        )
        (options,) = cursor.fetchone()
    assert "fastupdate=off" in options
