"""Source ids: the id each imported record had in the system its file came from
(gam.models.SourceId), so the next export of that system updates the same records.

A file exported from Salesforce, HubSpot or Dynamics 365 names its records by that system's
ids (``Id``, ``Record ID``, ``(Do Not Modify) Account``) and refers to other records by them
(``AccountId``, ``ParentId``, ``OwnerId``). They are looked up per source and model, in the
current tenant only, so another tenant's or another system's id is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from gam.models import SourceId
from gam.tenancy import current_tenant_id, tenant_context

SOURCES = {
    "": _("Spreadsheet"),
    "salesforce": _("Salesforce"),
    "hubspot": _("HubSpot"),
    "dynamics": _("Dynamics 365"),
}
USER = "gam.user"
MAX_LENGTH = 100


def model_label(model) -> str:
    return model._meta.label_lower


def lookup(source: str, model: str, external_ids: Iterable[str]) -> dict[str, int]:
    """{external id: object id} of the ids already known, in one query."""
    ids = {i for i in external_ids if i}
    if not ids:
        return {}
    return dict(
        SourceId.objects.filter(source=source, model=model, external_id__in=ids).values_list(
            "external_id", "object_id"
        )
    )


def link(source: str, model: str, pairs: Iterable[tuple[str, int]]) -> None:
    """Remember ``(external id, object id)`` pairs; an id known already keeps its record."""
    tenant_id = current_tenant_id()
    rows = [
        SourceId(
            tenant_id=tenant_id,
            source=source,
            model=model,
            external_id=external[:MAX_LENGTH],
            object_id=pk,
        )
        for external, pk in pairs
        if external
    ]
    if rows:
        SourceId.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def ids_of(model: str, object_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """{object id: {source: external id}}, for exports."""
    found: dict[int, dict[str, str]] = {}
    for source, external, pk in SourceId.objects.filter(
        model=model, object_id__in=list(object_ids)
    ).values_list("source", "external_id", "object_id"):
        found.setdefault(pk, {})[source] = external
    return found


def with_source_ids(rows: Iterable, model: str, chunk_size: int = 500):
    """The rows of an export, each with ``source_ids`` ("salesforce:001...; hubspot:58...")
    read for 500 rows at a time, so an export costs one more query per 500 rows. A streamed
    response reads them after the view has left the tenant context: it is entered again."""
    tenant_id = current_tenant_id()

    def tagged():
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                yield from _tag(chunk, model, tenant_id)
                chunk = []
        yield from _tag(chunk, model, tenant_id)

    return tagged()


def _tag(chunk: list, model: str, tenant_id: int):
    if not chunk:
        return
    with tenant_context(tenant_id):
        found = ids_of(model, [r.pk for r in chunk])
    for row in chunk:
        row.source_ids = "; ".join(
            f"{source or 'file'}:{external}"
            for source, external in sorted(found.get(row.pk, {}).items())
        )
        yield row
