"""The demo tenant shows every kind of conflict, and scanning it again changes nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from gam.models import Tenant
from gam.tenancy import tenant_context
from opportunities.conflicts import recording
from opportunities.conflicts.models import (
    Conflict,
    ConflictKind,
    ConflictStatus,
    Notification,
    ScanRun,
)


@pytest.mark.django_db
def test_seed_demo_produces_conflicts_of_every_kind(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    with tenant_context(Tenant.objects.get(slug="demo")):
        open_ = Conflict.objects.filter(status=ConflictStatus.OPEN)
        for kind in ConflictKind.values:
            assert open_.filter(kind=kind).exists(), kind
        run = ScanRun.objects.order_by("-started_at").first()
        assert run.status == ScanRun.Status.FINISHED
        assert Notification.objects.exists()
        assert all(c.assignee_id for c in open_)
        before = (Conflict.objects.count(), Notification.objects.count())
        recording.scan_tenant()
        assert (Conflict.objects.count(), Notification.objects.count()) == before
    assert mail.outbox == []  # the seed sends no emails
