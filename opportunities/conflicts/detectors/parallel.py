"""``parallel_opportunity``: open opportunities of several countries at one global account for
the same product line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from django.db.models import Exists, OuterRef, Q

from opportunities.conflicts.detectors.findings import (
    GROUP_CAP,
    Finding,
    Progress,
    RecordInfo,
    fetch_rows,
)
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Opportunity, OpportunityStatus

# --- parallel_opportunity -------------------------------------------------------------------

OPPORTUNITY_FIELDS = (
    "id",
    "name",
    "global_account_id",
    "product_line_id",
    "product_line__name",
    "country_id",
    "country__code",
    "owner_id",
    "subsidiary__owner_id",
    "framework_agreement_id",
)


@dataclass(frozen=True, slots=True)
class OppRow:
    id: int
    name: str
    global_account_id: int | None
    product_line_id: int | None
    product_line: str
    country_id: int
    country: str
    owner_id: int | None
    subsidiary_owner_id: int | None
    framework_agreement_id: int | None

    def info(self) -> RecordInfo:
        return RecordInfo(
            type="opportunity",
            id=self.id,
            name=self.name,
            country=self.country,
            global_account_id=self.global_account_id,
            owner_id=self.owner_id,
            subsidiary_owner_id=self.subsidiary_owner_id,
            product_line=self.product_line or "",
        )


def opp_rows(queryset, *, stream: bool = True) -> Iterator[OppRow]:
    for values in fetch_rows(queryset.values_list(*OPPORTUNITY_FIELDS), stream):
        yield OppRow(*values)


def _open_at_accounts():
    return Opportunity.objects.filter(
        status=OpportunityStatus.OPEN, global_account__isnull=False, product_line__isnull=False
    )


def _parallel(a: OppRow, b: OppRow) -> Finding | None:
    if a.country_id == b.country_id and a.owner_id == b.owner_id:
        return None
    if a.country_id != b.country_id:
        where = f"in {a.country} and {b.country}"
    else:
        where = f"in {a.country}, with different owners"
    return Finding(
        kind=ConflictKind.PARALLEL_OPPORTUNITY,
        records=(a.info(), b.info()),
        global_account_id=a.global_account_id,
        reason=f"Two open opportunities for {a.product_line} {where}"[:200],
        material=tuple(
            (o.id, o.global_account_id, o.product_line_id, o.country_id, o.owner_id)
            for o in sorted((a, b), key=attrgetter("id"))
        ),
    )


def _parallel_in_group(rows: list[OppRow]) -> Iterator[Finding]:
    if len(rows) > GROUP_CAP:
        candidates = ((rows[0], other) for other in rows[1:])
    else:
        candidates = ((a, b) for i, a in enumerate(rows) for b in rows[i + 1 :])
    for a, b in candidates:
        finding = _parallel(a, b)
        if finding is not None:
            yield finding


def parallel_opportunity_scan(progress: Progress | None = None) -> Iterator[Finding]:
    base = _open_at_accounts()
    shared = base.filter(
        global_account=OuterRef("global_account"), product_line=OuterRef("product_line")
    ).exclude(pk=OuterRef("pk"))
    rows = base.filter(Exists(shared)).order_by("global_account_id", "product_line_id", "id")
    for _group_key, group in groupby(
        opp_rows(rows), lambda o: (o.global_account_id, o.product_line_id)
    ):
        yield from _parallel_in_group(list(group))


def parallel_opportunity_neighbourhood(opportunity_ids: Iterable[int]) -> Iterator[Finding]:
    seeds = list(opp_rows(_open_at_accounts().filter(pk__in=list(opportunity_ids)), stream=False))
    if not seeds:
        return
    groups = Q()
    for seed in seeds:
        groups |= Q(global_account_id=seed.global_account_id, product_line_id=seed.product_line_id)
    rows = list(opp_rows(_open_at_accounts().filter(groups).order_by("id"), stream=False))
    by_group: dict[tuple, list[OppRow]] = defaultdict(list)
    for row in rows:
        by_group[(row.global_account_id, row.product_line_id)].append(row)
    seed_ids = {s.id for s in seeds}
    for group in by_group.values():
        for finding in _parallel_in_group(group):
            if any(r.id in seed_ids for r in finding.records):
                yield finding
