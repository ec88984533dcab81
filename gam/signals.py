"""Signals by which the lower layers announce changes that the upper layers act on, so that
the lower layers never import the upper ones (the conflict engine listens to these)."""

from __future__ import annotations

from django.dispatch import Signal

# A record the duplicate-work detection watches was created, changed or deleted, inside the
# caller's transaction. Arguments: tenant_id, record_type ("subsidiary", "opportunity",
# "campaign", "framework_agreement"), record_id. Sent with ``send`` (not ``send_robust``): a
# receiver's error is the caller's error.
record_changed = Signal()
