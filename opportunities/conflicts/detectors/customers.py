"""The customer detector: ``duplicate_customer`` and ``unlinked_group`` findings from group
discovery (``accounts.matching``), in both forms (the tenant's full scan and one saved
subsidiary's neighbourhood).

A finding covers a whole cluster, not a pair:

- ``duplicate_customer``: the subsidiaries of one legal entity entered more than once (an
  entity sub-cluster of two or more records); the remedy is a merge;
- ``unlinked_group``: the subsidiaries of one group that are not linked to one global
  account: two or more entities of which at least one is unlinked, a local customer that
  matches a global account (its own name and website, or its linked subsidiaries), or members
  linked to different accounts. ``global_account`` is the group's account when it has one
  (the account most of the cluster is linked to).

Each finding carries its score (the cluster's weakest link, in bits of log-odds) and its
evidence in words. The key is the kind and the sorted records (as for every kind), so a
rerun finds the same row while the cluster keeps its members.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from accounts.discovery import Discovery, clusters_around, scan_clusters
from accounts.matching.groups import Cluster
from accounts.models import Subsidiary
from gam.tenancy import current_tenant_id
from opportunities.conflicts.detectors.findings import Finding, Progress, RecordInfo, conflict_key
from opportunities.conflicts.models import Conflict, ConflictEvent, ConflictKind

CHUNK = 2000  # subsidiaries whose details are read in one query
CUSTOMER_KINDS = (ConflictKind.DUPLICATE_CUSTOMER, ConflictKind.UNLINKED_GROUP)
PAIR_LIMIT = 60  # old pair conflicts are looked for inside findings of at most so many records
DETAIL_FIELDS = (
    "id",
    "name",
    "country__code",
    "owner_id",
    "global_account_id",
    "name_key",
    "registration_key",
    "domain_key",
    "country_id",
)


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    country: str
    owner_id: int | None
    global_account_id: int | None
    name_key: str
    registration_key: str
    domain_key: str
    country_id: int

    @property
    def material(self) -> tuple:
        return (
            self.id,
            self.name_key,
            self.registration_key,
            self.domain_key,
            self.country_id,
            self.global_account_id,
        )


def _details(ids: list[int]) -> dict[int, Member]:
    rows = Subsidiary.objects.filter(pk__in=ids).values_list(*DETAIL_FIELDS)
    return {row[0]: Member(*row) for row in rows}


def classify(
    cluster: Cluster, members: dict[int, Member]
) -> list[tuple[str, list[Member], int | None, str]]:
    """(kind, members, global account, reason) of the findings of one cluster."""
    subs = [members[i] for i in cluster.subsidiaries if i in members]
    if not subs:
        return []
    linked = Counter(m.global_account_id for m in subs if m.global_account_id)
    accounts = linked + Counter(cluster.accounts)
    account = accounts.most_common(1)[0][0] if accounts else None
    entities = [[members[i] for i in e if i in members] for e in cluster.entities]
    entities = [e for e in entities if e]
    out = []
    for entity in entities:
        if len(entity) > 1:
            entity_account = next(
                (m.global_account_id for m in entity if m.global_account_id), None
            )
            countries = sorted({m.country for m in entity})
            numbers = {m.registration_key for m in entity if m.registration_key}
            domains = {m.domain_key for m in entity if m.domain_key}
            if len(numbers) == 1 and all(m.registration_key for m in entity):
                why = "Same registration number"
            elif len(domains) == 1 and all(m.domain_key for m in entity):
                why = "Same web domain and name"
            else:
                why = "Same name"
            out.append(
                (
                    ConflictKind.DUPLICATE_CUSTOMER,
                    entity,
                    entity_account,
                    f"{why}: one company entered {len(entity)} times ({', '.join(countries)})",
                )
            )
    # An entity none of whose records is linked: a record entered twice beside a linked
    # one is the duplicate's business (merging it links it), not the group's.
    unlinked = [m for e in entities if all(x.global_account_id is None for x in e) for m in e]
    several_accounts = len(set(accounts)) > 1
    if (unlinked and (len(entities) > 1 or accounts)) or several_accounts:
        countries = sorted({m.country for m in subs})
        if several_accounts:
            reason = f"One group at {len(set(accounts))} global accounts"
        elif account is not None:
            reason = f"{len(unlinked)} local customer(s) of an existing global account's group"
        else:
            reason = (
                f"One group, {len(entities)} companies in {', '.join(countries)}, no global account"
            )
        out.append((ConflictKind.UNLINKED_GROUP, subs, account, reason))
    return out


def findings(discovery: Discovery, kinds: tuple[str, ...]) -> Iterator[Finding]:
    """The findings of ``kinds`` of the clusters, the members' details read in chunks (one
    query per ``CHUNK`` subsidiaries), old pair conflicts carried over per chunk."""
    batch: list[Cluster] = []
    size = 0
    for cluster in discovery.clusters:
        batch.append(cluster)
        size += len(cluster.members)
        if size >= CHUNK:
            yield from _batch_findings(batch, kinds)
            batch, size = [], 0
    if batch:
        yield from _batch_findings(batch, kinds)


def _batch_findings(batch: list[Cluster], kinds: tuple[str, ...]) -> Iterator[Finding]:
    members = _details(sorted({i for c in batch for i in c.subsidiaries}))
    found = list(_cluster_findings(batch, members))
    carry_over(found)
    yield from (finding for finding in found if finding.kind in kinds)


def carry_over(found: list) -> None:
    """Conflicts of the pair-wise detector carried over to the finding that now covers
    them, keeping their row (status, assignee, history): a ``duplicate_customer`` conflict
    of two records that a finding of either kind covers takes that finding's kind, key,
    records and fingerprint, unless the finding's key already has a row. One query to read,
    two to write, per chunk; nothing to write once carried."""
    wanted: dict[str, Finding] = {}
    own = {f.key for f in found}  # a finding's own row is never carried anywhere
    for finding in found:
        ids = sorted(r.id for r in finding.records)
        if len(ids) > PAIR_LIMIT:
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                key = conflict_key(
                    ConflictKind.DUPLICATE_CUSTOMER, [("subsidiary", a), ("subsidiary", b)]
                )
                if key not in own:
                    # a duplicate_customer finding of this pair keeps its key; otherwise
                    # the entity's finding wins over the group's
                    current = wanted.get(key)
                    if current is None or current.kind != ConflictKind.DUPLICATE_CUSTOMER:
                        wanted[key] = finding
    if not found:
        return
    # read even when no pair is wanted: a check costs the same whatever it finds
    rows = list(
        Conflict.objects.filter(kind=ConflictKind.DUPLICATE_CUSTOMER, key__in=list(wanted) or [""])
        .order_by("id")
        .values_list("id", "key")
    )
    if not rows:
        return
    taken = set(
        Conflict.objects.filter(key__in=[wanted[k].key for _pk, k in rows]).values_list(
            "key", flat=True
        )
    )
    carried = []
    for pk, old_key in rows:
        finding = wanted[old_key]
        if finding.key in taken:
            continue  # another old pair of this cluster was carried already
        taken.add(finding.key)
        carried.append(
            Conflict(
                pk=pk,
                kind=finding.kind,
                key=finding.key,
                records=finding.refs,
                countries=list(finding.countries),
                global_account_id=finding.global_account_id,
                fingerprint=finding.fingerprint,
                reason=finding.reason,
            )
        )
    if not carried:
        return
    Conflict.objects.bulk_update(
        carried,
        ["kind", "key", "records", "countries", "global_account", "fingerprint", "reason"],
    )
    tenant_id = current_tenant_id()
    ConflictEvent.objects.bulk_create(
        [
            ConflictEvent(
                tenant_id=tenant_id,
                conflict_id=c.pk,
                action="carried-over",
                note=f"Now {c.kind}: the finding covers the whole cluster",
                at=timezone.now(),
            )
            for c in carried
        ]
    )


def _cluster_findings(batch: list[Cluster], members: dict[int, Member]) -> Iterator[Finding]:
    for cluster in batch:
        evidence = cluster.evidence()
        score = round(cluster.score, 2)
        for kind, subs, account, reason in classify(cluster, members):
            records = tuple(
                RecordInfo(
                    type="subsidiary",
                    id=m.id,
                    name=m.name,
                    country=m.country,
                    global_account_id=m.global_account_id,
                    owner_id=m.owner_id,
                    subsidiary_owner_id=m.owner_id,
                )
                for m in subs
            )
            yield Finding(
                kind=kind,
                records=records,
                global_account_id=account,
                reason=reason[:200],
                material=(account, *(m.material for m in sorted(subs, key=lambda m: m.id))),
                score=score,
                evidence=evidence,
            )


# --- the scan's discovery, shared by its two kinds ----------------------------------------

_CACHE: dict[int, tuple[float, Discovery]] = {}
CACHE_SECONDS = 600


def scan_discovery(*, refresh: bool) -> Discovery:
    """The tenant's clusters for a full scan. The scan records its kinds one after the
    other; the second of the two customer kinds reuses the first one's discovery (same
    process, same tenant, minutes old at most) instead of clustering the tenant again."""
    tenant_id = current_tenant_id()
    cached = _CACHE.get(tenant_id)
    if not refresh and cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    discovery = scan_clusters()
    _CACHE.clear()
    _CACHE[tenant_id] = (time.monotonic(), discovery)
    return discovery


def customer_scan(kind: str, progress: Progress | None = None) -> Iterator[Finding]:
    """The full scan's findings of one of the two customer kinds."""
    discovery = scan_discovery(refresh=kind == ConflictKind.DUPLICATE_CUSTOMER)
    if progress:
        progress(kind, len(discovery.records), discovery.n)
    return findings(discovery, (kind,))


def customer_neighbourhood(subsidiary_id: int) -> list[Finding]:
    """The findings of both kinds of the cluster of one saved subsidiary."""
    return list(findings(clusters_around(subsidiary_id), CUSTOMER_KINDS))
