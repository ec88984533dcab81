"""What every detector yields: ``Finding``s of ``RecordInfo``s, keyed so that a rerun finds the
same conflict row, and the helpers the detectors share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.utils import timezone

CHUNK = 2000  # rows per server-side fetch
GROUP_CAP = 50  # beyond this many records in one cluster, pair with the oldest only
NEIGHBOURHOOD_LIMIT = 2000  # candidates read for one record's incremental check

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """One record of a finding, with what alerts and hints may need."""

    type: str  # "subsidiary", "opportunity", "campaign", "framework_agreement"
    id: int
    name: str
    country: str  # ISO code ('' for an agreement, which covers several)
    global_account_id: int | None
    owner_id: int | None = None
    subsidiary_owner_id: int | None = None
    product_line: str = ""


@dataclass
class Finding:
    kind: str
    records: tuple[RecordInfo, ...]
    global_account_id: int | None
    reason: str
    material: tuple  # the fields whose change reopens a dismissed conflict
    countries: tuple[str, ...] = field(default=())
    # group discovery's findings: the cluster's score (bits of log-odds) and its evidence
    score: float | None = None
    evidence: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.records = tuple(sorted(self.records, key=lambda r: (r.type, r.id)))
        if not self.countries:
            self.countries = tuple(sorted({r.country for r in self.records if r.country}))

    # Cached: recording reads each several times (the records are fixed after __init__).
    @cached_property
    def refs(self) -> list[dict]:
        return [{"type": r.type, "id": r.id} for r in self.records]

    @cached_property
    def key(self) -> str:
        return conflict_key(self.kind, [(r.type, r.id) for r in self.records])

    @cached_property
    def fingerprint(self) -> str:
        payload = json.dumps(self.material, default=str, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def record_token(record_type: str, record_id: int) -> str:
    return f"|{record_type}:{record_id}|"


KEY_LENGTH = 200  # Conflict.key


def conflict_key(kind: str, refs: Iterable[tuple[str, int]]) -> str:
    """'duplicate_customer|subsidiary:3|subsidiary:9|': kind plus the sorted records, so a
    rerun finds the same row, and ``key__contains=record_token(...)`` finds a record's. A
    cluster too large for the column (a group of twenty companies) is keyed by a digest of
    its records instead; its records are then found through the ``records`` field."""
    key = kind + "|" + "|".join(f"{t}:{i}" for t, i in sorted(refs)) + "|"
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{kind}|records:{digest[:48]}|"


def fetch_rows(queryset, stream: bool):
    """Full scans stream (server-side cursor, ``CHUNK`` rows at a time, bounded memory);
    a neighbourhood reads its few rows at once."""
    return queryset.iterator(chunk_size=CHUNK) if stream else queryset


def local_today() -> date:
    return timezone.localdate()
