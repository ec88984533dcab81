"""Optimistic concurrency: a record carries a ``version`` that every save increments; a save
based on an older version is refused instead of silently overwriting someone else's change.

API: clients send the ``version`` they read (or ``If-Match: "<version>"``); a stale one gets
409 with a clear message. Pages: the form carries the version in a hidden field.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F


class StaleVersion(Exception):
    """The record changed since the user read it."""

    def __init__(self, obj: models.Model):
        self.obj = obj
        super().__init__(
            f"This {obj._meta.verbose_name} was changed by someone else since you opened it. "
            "Reload it to see their changes, then make yours again."
        )


def lock_current(obj: models.Model) -> models.Model:
    """Re-read ``obj``'s row, locked until the transaction ends, and refresh ``obj`` in place.

    Update services start with it: the changes sent are applied to the row as it is now, not
    to what the caller read earlier, so a writer of other fields in between is not overwritten
    (two PATCHes of different fields both land), and two writers of one row take turns. The
    version check of ``save_if_current`` then compares with the stored version."""
    model = obj._meta.model  # not type(obj): request.user is a lazy proxy of the user
    obj.refresh_from_db(from_queryset=model._base_manager.select_for_update(of=("self",)))
    return obj


def save_if_current(obj: models.Model, expected_version: int | None, **save_kwargs) -> None:
    """Save ``obj`` only if its stored version is still ``expected_version``; bump it.

    The check and the bump happen in one conditional UPDATE, so two concurrent saves cannot
    both pass. ``expected_version`` None means "the client did not say" and skips the check.
    """
    model = obj._meta.model
    if expected_version is not None:
        bumped = model._base_manager.filter(pk=obj.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not bumped:
            raise StaleVersion(obj)
        obj.version = expected_version + 1
    else:
        model._base_manager.filter(pk=obj.pk).update(version=F("version") + 1)
        obj.refresh_from_db(fields=["version"])
    obj.save(**save_kwargs)


def version_from_if_match(header: str | None) -> int | None:
    """``If-Match: "3"`` or ``If-Match: 3`` -> 3; absent or junk -> None."""
    if not header:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else None
