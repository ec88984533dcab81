"""Queue the incremental duplicate-work check of one changed record, after commit.

The lower layers (accounts and opportunities services) send ``gam.signals.record_changed``
inside their transaction and ``receivers.queue_check`` calls ``queue_conflict_check``; the
task is sent only once the transaction commits, so the worker sees the saved row and a
rolled-back change queues nothing. In eager mode (the embedded default and
tests) the check then runs in-process right after the commit.
"""

from __future__ import annotations

from gam.tasks import send_task_on_commit
from opportunities.conflicts.tasks import check_record_conflicts

RECORD_TYPES = frozenset(["subsidiary", "opportunity", "campaign", "framework_agreement"])


def queue_conflict_check(*, tenant_id: int, record_type: str, record_id: int) -> None:
    if record_type not in RECORD_TYPES:
        raise ValueError(f"unknown record type for a conflict check: {record_type!r}")
    if tenant_id is None or record_id is None:
        raise ValueError("queue_conflict_check needs a saved record and its tenant")

    # A broker that is down is logged, not a failed request (gam.tasks.send_task).
    send_task_on_commit(check_record_conflicts, tenant_id, record_type, record_id)
