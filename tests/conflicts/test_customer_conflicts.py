"""The customer detector on group discovery: one entity entered twice (duplicate_customer)
versus companies of one group (unlinked_group), look-alikes, the existing global account,
score and evidence stored, reruns, dismissed findings, the carry-over of the pair-wise
detector's conflicts, the incremental check and its query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.discovery import tenant_size
from opportunities.conflicts import recording
from opportunities.conflicts.detectors import neighbourhood_findings
from opportunities.conflicts.detectors.findings import conflict_key
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    Conflict,
    ConflictEvent,
    ConflictKind,
    ConflictStatus,
)
from tests import factories as f

DUP = ConflictKind.DUPLICATE_CUSTOMER
GROUP = ConflictKind.UNLINKED_GROUP


def active(kind):
    return list(Conflict.objects.filter(kind=kind, status__in=ACTIVE_STATUSES).order_by("id"))


def subs(conflict):
    return {r["id"] for r in conflict.records if r["type"] == "subsidiary"}


@pytest.fixture
def bosch(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        w.bosch_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, name="Robert Bosch GmbH", website="bosch.de"
        )
        w.bosch_de2 = f.SubsidiaryFactory(tenant=w.acme, country=w.de, name="ROBERT BOSCH GMBH")
        w.bosch_fr = f.SubsidiaryFactory(
            tenant=w.acme, country=w.fr, name="Robert Bosch France SAS", website="www.bosch.fr"
        )
        w.steel = f.SubsidiaryFactory(tenant=w.acme, country=w.se, name="Nordic Steel AB")
        w.stone = f.SubsidiaryFactory(tenant=w.acme, country=w.se, name="Nordic Stone AB")
    return w


@pytest.mark.django_db
def test_entity_and_group_are_told_apart(bosch, in_tenant):
    w = bosch
    with in_tenant(w.acme):
        recording.scan_tenant()
        (dup,) = active(DUP)
        assert subs(dup) == {w.bosch_de.pk, w.bosch_de2.pk}
        groups = [c for c in active(GROUP) if w.bosch_fr.pk in subs(c)]
        assert len(groups) == 1
        assert subs(groups[0]) == {w.bosch_de.pk, w.bosch_de2.pk, w.bosch_fr.pk}
        assert groups[0].global_account_id is None
        assert groups[0].evidence and groups[0].score is not None
        assert dup.evidence
        # look-alikes: two companies sharing a common word are nobody's group
        involved = {i for c in Conflict.objects.all() for i in subs(c)}
        assert not involved & {w.steel.pk, w.stone.pk}


@pytest.mark.django_db
def test_local_customer_of_an_existing_global_account(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        w.account.website = "volvia.com"
        w.account.save()
        local = f.SubsidiaryFactory(tenant=w.acme, country=w.fr, name="Volvia France SAS")
        recording.scan_tenant()
        found = [c for c in active(GROUP) if local.pk in subs(c)]
        assert len(found) == 1
        assert found[0].global_account_id == w.account.pk
        # the linked subsidiaries alone (all at the account) are no finding
        assert all(local.pk in subs(c) for c in active(GROUP))


@pytest.mark.django_db
def test_reruns_make_no_rows_and_dismissed_stays_dismissed(bosch, in_tenant):
    w = bosch
    with in_tenant(w.acme):
        recording.scan_tenant()
        count = Conflict.objects.count()
        (dup,) = active(DUP)
        dup.status = ConflictStatus.DISMISSED
        dup.save()
        recording.scan_tenant()
        recording.check_record(record_type="subsidiary", record_id=w.bosch_de.pk)
        assert Conflict.objects.count() == count
        dup.refresh_from_db()
        assert dup.status == ConflictStatus.DISMISSED


@pytest.mark.django_db
def test_pair_conflicts_are_carried_over_with_status_and_history(bosch, in_tenant):
    """A duplicate_customer conflict of the pair-wise detector on two entities of one group
    becomes the cluster's unlinked_group finding: same row, status and events kept."""
    w = bosch
    with in_tenant(w.acme):
        old = Conflict.objects.create(
            tenant=w.acme,
            kind=DUP,
            key=conflict_key(DUP, [("subsidiary", w.bosch_de.pk), ("subsidiary", w.bosch_fr.pk)]),
            status=ConflictStatus.ACKNOWLEDGED,
            records=[
                {"type": "subsidiary", "id": w.bosch_de.pk},
                {"type": "subsidiary", "id": w.bosch_fr.pk},
            ],
            countries=["DE", "FR"],
            reason="Same web domain",
        )
        ConflictEvent.objects.create(tenant=w.acme, conflict=old, action="acknowledged")
        recording.scan_tenant()
        old.refresh_from_db()
        assert old.kind == GROUP
        assert old.status == ConflictStatus.ACKNOWLEDGED
        assert subs(old) == {w.bosch_de.pk, w.bosch_de2.pk, w.bosch_fr.pk}
        actions = set(ConflictEvent.objects.filter(conflict=old).values_list("action", flat=True))
        assert {"acknowledged", "carried-over"} <= actions
        assert Conflict.objects.filter(kind=GROUP, key=old.key).count() == 1


@pytest.mark.django_db
def test_incremental_check_finds_the_cluster_in_constant_queries(bosch, in_tenant):
    w = bosch

    def check():
        with CaptureQueriesContext(connection) as ctx:
            checks = neighbourhood_findings("subsidiary", w.bosch_fr.pk)
        return {kind: found for kind, _refs, found in checks}, len(ctx.captured_queries)

    with in_tenant(w.acme):
        tenant_size()  # counted by the scan and cached; a check only reads it
        by_kind, few = check()
        (group,) = by_kind[GROUP]
        assert {r.id for r in group.records} == {w.bosch_de.pk, w.bosch_de2.pk, w.bosch_fr.pk}
        assert group.score is not None and group.evidence
        for i in range(20):
            f.SubsidiaryFactory(tenant=w.acme, country=w.se, name=f"Bosch Filial {i} AB")
        _by_kind, many = check()
        assert many == few <= 16
