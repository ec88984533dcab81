"""The one way a record is looked up for a user: ``access_<entity>(user, pk)`` in each app's
selectors, built on ``get_visible``.

Missing, another tenant's, not the user's to see and a junk id all give the same 404, so a
response never tells which. The queryset is tenant-scoped and already filtered by the
sharing model; the API's viewsets read the same selectors' querysets.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_visible(queryset: QuerySet[M], pk=None, **lookup) -> M:
    """The row of ``queryset`` with this ``pk`` (or other ``lookup``), or 404."""
    if pk is not None:
        try:
            lookup["pk"] = int(pk)
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
