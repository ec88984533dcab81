"""What the import engine tells the apps.

``import_applied`` is sent inside the apply's transaction, after every row is written and
the job is marked done: ``sender`` is the importer class, with ``job``, ``importer`` (the
instance that wrote), ``results`` (one RowResult per row; ``result.obj`` is the record
written for the created and updated ones) and the counts ``created``, ``updated``,
``matched``. A receiver that queues work does it with ``transaction.on_commit``, so nothing
is queued for an apply that rolls back.
"""

from __future__ import annotations

from django.dispatch import Signal

import_applied = Signal()
