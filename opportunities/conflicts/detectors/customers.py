"""Duplicate-work detection: where the seller's own countries get in each other's way.

Four detectors, plain functions over the current tenant's data, each in two forms: a full
scan of the tenant and the neighbourhood of a few changed records (the incremental check
queued on commit). Both yield ``Finding``s; ``opportunities.conflict_record`` turns them into
``Conflict`` rows (idempotent upserts) and alerts.

Cost stays near linear because nothing is compared all-pairs:

- ``duplicate_customer``: candidates share a blocking key. Registration and domain keys are
  grouped in SQL (GROUP BY key HAVING count(*) > 1); names are streamed ordered by
  ``name_block`` (the first token of the normalized name) and fuzzy-matched only inside a
  block, one block in memory at a time, through a deletion neighbourhood (linear in the
  block); a second pass ordered by the other words catches a typo in the first word. See
  ``accounts.matching.duplicate_reasons`` for what
  counts as a duplicate (group companies already linked to one global account do not).
- ``parallel_opportunity``: open opportunities grouped by (global account, product line).
- ``campaign_during_negotiation``: campaigns and negotiations merge-joined by global account.
- ``framework_agreement_missed``: open opportunities looked up by (account, country) in the
  coverage of the active agreements.

Clusters larger than ``GROUP_CAP`` (the same company entered 50+ times) are reported as a
star around their oldest record instead of every pair, in both forms.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import groupby
from operator import attrgetter

from django.db import connection
from django.db.models import BooleanField, Count, Exists, Expression, F, OuterRef, Q, Value
from django.db.models.functions import Collate, Length, StrIndex, Substr
from django.utils import timezone

from accounts.matching import (
    FUZZY_MIN_LENGTH,
    CompanyRow,
    duplicate_reasons,
    name_block,
    names_match,
    typo_block,
)
from accounts.models import FrameworkAgreement, Subsidiary
from opportunities.models import Campaign, ConflictKind, Opportunity, OpportunityStatus, Phase

CHUNK = 2000  # rows per server-side fetch
GROUP_CAP = 50  # beyond this many records in one cluster, pair with the oldest only
SMALL_BLOCK = 32  # blocks up to this many names are compared pair by pair
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


def conflict_key(kind: str, refs: Iterable[tuple[str, int]]) -> str:
    """'duplicate_customer|subsidiary:3|subsidiary:9|': kind plus the sorted records, so a
    rerun finds the same row, and ``key__contains=record_token(...)`` finds a record's."""
    return kind + "|" + "|".join(f"{t}:{i}" for t, i in sorted(refs)) + "|"


def _values(queryset, stream: bool):
    """Full scans stream (server-side cursor, ``CHUNK`` rows at a time, bounded memory);
    a neighbourhood reads its few rows at once."""
    return queryset.iterator(chunk_size=CHUNK) if stream else queryset


def _today() -> date:
    return timezone.localdate()


# --- duplicate_customer ---------------------------------------------------------------------

COMPANY_FIELDS = (
    "id",
    "name_key",
    "registration_key",
    "domain_key",
    "country_id",
    "global_account_id",
)
REASON_TEXT = {
    "registration_number": "same registration number",
    "website": "same web domain",
    "name": "same name",
}


def _company_rows(queryset, *, stream: bool = True) -> Iterator[CompanyRow]:
    for values in _values(queryset.values_list(*COMPANY_FIELDS), stream):
        yield CompanyRow(*values)


def _pairs_in_group(
    rows: list[CompanyRow], pairs: dict, *, names_equal: bool | None = None
) -> None:
    """Every pair of a small group (rows ordered by id), a star around the oldest of a big one."""
    if len(rows) > GROUP_CAP:
        candidates = ((rows[0], other) for other in rows[1:])
    else:
        candidates = ((a, b) for i, a in enumerate(rows) for b in rows[i + 1 :])
    for a, b in candidates:
        reasons = duplicate_reasons(a, b, names_equal=names_equal)
        if reasons:
            pairs[(a.id, b.id)].update(reasons)


def _pairs_between_groups(left: list[CompanyRow], right: list[CompanyRow], pairs: dict) -> None:
    """Two groups of exact names that fuzzy-match each other."""
    if len(left) * len(right) > GROUP_CAP:
        left, right = left[:1], right[:1]
    for a in left:
        for b in right:
            reasons = duplicate_reasons(a, b, names_equal=True)
            if reasons:
                pairs[(min(a.id, b.id), max(a.id, b.id))].update(reasons)


def _fuzzy_key_pairs(keys: list[str]):
    """Index pairs (i < j) of distinct normalized names in one block that are the same name
    (``names_match``: one typo apart). A small block is compared pair by pair; a large one
    through a deletion neighbourhood (the SymSpell idea): every name, and every name with one
    letter deleted, goes into a hash bucket, and two names one typo apart always share a
    bucket. That is linear in the block, however common its first word."""
    usable = [i for i, k in enumerate(keys) if len(k) >= FUZZY_MIN_LENGTH]
    if len(usable) < 2:
        return
    if len(usable) <= SMALL_BLOCK:
        for x, i in enumerate(usable):
            for j in usable[x + 1 :]:
                if names_match(keys[i], keys[j]):
                    yield (i, j)
        return
    buckets: dict[str, list[int]] = defaultdict(list)
    for i in usable:
        word = keys[i]
        # A set: deleting either "e" of "steel" gives one variant, not two entries.
        for variant in {word, *(word[:p] + word[p + 1 :] for p in range(len(word)))}:
            buckets[variant].append(i)
    seen: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                pair = (i, j) if i < j else (j, i)
                if i != j and pair not in seen:
                    seen.add(pair)
                    if names_match(keys[pair[0]], keys[pair[1]]):
                        yield pair


def _name_groups(rows: Iterable[CompanyRow], pairs: dict) -> None:
    """One block of the first pass (one first word): the same names (exact) pair up, and so
    do names one typo apart."""
    by_name: dict[str, list[CompanyRow]] = {}
    for row in rows:
        by_name.setdefault(row.name_key, []).append(row)
    for group in by_name.values():
        if len(group) > 1:
            _pairs_in_group(group, pairs, names_equal=True)
    if len(by_name) > 1:
        keys = list(by_name)
        for i, j in _fuzzy_key_pairs(keys):
            _pairs_between_groups(by_name[keys[i]], by_name[keys[j]], pairs)


def _first_word_typo_pairs(keys: list[str]) -> Iterator[tuple[str, str]]:
    """The second pass over one block: distinct names with the same other words and the
    same first two letters, of which the pairs that are the same name with a typo in the
    first word (``names_match``).

    A deletion neighbourhood of the first word from its third letter on: two such words one
    typo apart (a letter replaced, inserted, dropped, or two neighbours swapped, after the
    shared first two letters) always give one same word when one letter is deleted from
    each, or from one of them. Most blocks have no such pair: when the words and their
    variants are all distinct (one set, built in C) the block is done; otherwise a dict of
    the variants names the candidates. The names of a block are never compared pair by
    pair, so the cost stays linear however many names share their other words."""
    firsts = [key.partition(" ")[0] for key in keys]
    variants = [w[:p] + w[p + 1 :] for w in firsts for p in range(2, len(w))]
    variants += firsts
    if len(set(variants)) == len(variants):
        return
    owners: dict[str, list[int]] = defaultdict(list)
    for i, word in enumerate(firsts):
        for variant in {word, *(word[:p] + word[p + 1 :] for p in range(2, len(word)))}:
            owners[variant].append(i)
    candidates = {
        (members[x], j)
        for members in owners.values()
        if len(members) > 1
        for x in range(len(members))
        for j in members[x + 1 :]
    }
    for i, j in sorted(candidates):
        if names_match(keys[i], keys[j]):
            yield keys[i], keys[j]


def _bytewise(column: str):
    """Order by the bytes: the blocks only need to be contiguous, and PostgreSQL sorts
    ``COLLATE "C"`` several times faster than a linguistic collation (abbreviated keys)."""
    return Collate(F(column), "C") if connection.vendor == "postgresql" else F(column)


def _repeated(queryset, key_field: str):
    """The values of ``key_field`` that more than one row of ``queryset`` carries.
    ``count(*)``, not ``count(id)``: the (tenant, key) index alone answers it (an index-only
    scan); counting ids read every row of the table in index order, 6-7 s at 1M."""
    return (
        queryset.exclude(**{key_field: ""})
        .values(key_field)
        .annotate(n=Count("*"))
        .filter(n__gt=1)
        .values(key_field)
    )


def duplicate_customer_pairs(progress: Progress | None = None) -> dict[tuple[int, int], set]:
    """All duplicate pairs of the tenant: {(lower id, higher id): {reasons}}."""
    pairs: dict[tuple[int, int], set] = defaultdict(set)
    subsidiaries = Subsidiary.objects.all()
    for key_field in ("registration_key", "domain_key"):
        rows = subsidiaries.filter(
            **{f"{key_field}__in": _repeated(subsidiaries, key_field)}
        ).order_by(_bytewise(key_field), "id")
        for _key, group in groupby(_company_rows(rows), attrgetter(key_field)):
            _pairs_in_group(list(group), pairs)

    total = subsidiaries.count() if progress else 0
    done = 0
    # Block 1: the first word of the name. A block of one record pairs with nothing, so only
    # the blocks of two or more are read (grouped in SQL, like the keys above).
    named = subsidiaries.filter(name_block__in=_repeated(subsidiaries, "name_block"))
    named = named.order_by(_bytewise("name_block"), "id")
    block_rows = named.values_list("name_block", *COMPANY_FIELDS).iterator(chunk_size=CHUNK)
    for _block, block in groupby(block_rows, lambda values: values[0]):
        rows = [CompanyRow(*values[1:]) for values in block]
        done += len(rows)
        _name_groups(rows, pairs)
        if progress:
            progress(ConflictKind.DUPLICATE_CUSTOMER, done, total)
    # Block 2, for a typo in the first word: the same other words and first two letters.
    # Only the distinct names are read (one short column); the records of the few names
    # that match are read afterwards by the indexed key.
    rest = Substr("name_key", StrIndex("name_key", Value(" ")) + 1)
    several_words = subsidiaries.filter(name_key__contains=" ").annotate(
        rest=rest, length=Length("name_key")
    )
    keys = (
        several_words.filter(length__gte=FUZZY_MIN_LENGTH)
        .order_by(_bytewise("rest"), _bytewise("name_key"))
        .values_list("name_key", flat=True)
        .distinct()
        .iterator(chunk_size=CHUNK * 5)
    )
    matched: list[tuple[str, str]] = []
    for _block, block in groupby(keys, typo_block):
        matched.extend(_first_word_typo_pairs(list(block)))
    for start in range(0, len(matched), CHUNK):
        chunk = matched[start : start + CHUNK]
        by_name: dict[str, list[CompanyRow]] = defaultdict(list)
        wanted = sorted({key for pair in chunk for key in pair})
        for row in _company_rows(
            subsidiaries.filter(EqualsAny("name_key", wanted)).order_by("id"), stream=False
        ):
            by_name[row.name_key].append(row)
        for a, b in chunk:
            _pairs_between_groups(by_name[a], by_name[b], pairs)
    if progress:
        progress(ConflictKind.DUPLICATE_CUSTOMER, total, total)
    return pairs


class EqualsAny(Expression):
    """``column = ANY(%s)`` with the values as one array parameter on PostgreSQL (hundreds
    of spelled-out names cost one parameter, not hundreds); ``IN`` elsewhere."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, values: list) -> None:
        super().__init__()
        self.column, self.values = F(column), list(values)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        if not self.values:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.values))
        return f"{column} IN ({marks})", [*params, *self.values]

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s)", [*params, self.values]


# The letters a typo may bring into a normalized name. Not digits: a digit inserted or
# replaced changes the name's numbers, and names with other numbers never match
# (``names_match``), so looking them up only cost the index a third more probes.
KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _first_word_typos(first: str, prefix: str, rest: str) -> set[str]:
    """The names ``<first word one edit away> <rest>`` whose first word still starts with
    ``prefix``: one letter replaced, inserted, dropped, or two neighbours swapped."""
    words = set()
    for i in range(len(first) + 1):
        head, tail = first[:i], first[i:]
        if tail:
            words.add(head + tail[1:])
            if len(tail) > 1:
                words.add(head + tail[1] + tail[0] + tail[2:])
        for letter in KEY_ALPHABET:
            words.add(head + letter + tail)
            if tail:
                words.add(head + letter + tail[1:])
    words.discard(first)
    return {f"{word} {rest}" for word in words if word[:2] == prefix}


def duplicate_customer_neighbourhood(subsidiary_id: int) -> dict[tuple[int, int], set]:
    """Duplicate pairs of one subsidiary: candidates from its three keys, at most
    ``NEIGHBOURHOOD_LIMIT`` of them, in one indexed query."""
    found = list(_company_rows(Subsidiary.objects.filter(pk=subsidiary_id), stream=False))
    if not found:
        return {}
    me = found[0]
    lookup = Q()
    if me.registration_key:
        lookup |= Q(registration_key=me.registration_key)
    if me.domain_key:
        lookup |= Q(domain_key=me.domain_key)
    block = name_block(me.name_key)
    if block:
        lookup |= Q(name_block=block)
    rest, prefix = typo_block(me.name_key)
    if rest and len(me.name_key) >= FUZZY_MIN_LENGTH:
        # The full scan's second block (the same other words and first two letters) holds
        # thousands of names at scale; only those one typo away in the first word can
        # match, so they are spelled out and looked up by the indexed key (``=`` is
        # leakproof under row-level security, LIKE is not).
        first = me.name_key.partition(" ")[0]
        lookup |= Q(EqualsAny("name_key", sorted(_first_word_typos(first, prefix, rest))))
    if not lookup:
        return {}
    candidates = (
        Subsidiary.objects.filter(lookup).exclude(pk=me.id).order_by("id")[:NEIGHBOURHOOD_LIMIT]
    )
    pairs: dict[tuple[int, int], set] = {}
    for other in candidates.values_list(*COMPANY_FIELDS):
        row = CompanyRow(*other)
        reasons = duplicate_reasons(me, row)
        if reasons:
            pairs[(min(me.id, row.id), max(me.id, row.id))] = set(reasons)
    if len(pairs) > GROUP_CAP:
        # The full scan reports a cluster this big as a star around its oldest record.
        oldest = min(min(pair) for pair in pairs)
        pairs = {pair: reasons for pair, reasons in pairs.items() if oldest in pair}
    return pairs


def _reason_text(reasons: Iterable[str]) -> str:
    ordered = [REASON_TEXT[r] for r in ("registration_number", "website", "name") if r in reasons]
    return ", ".join(ordered).capitalize()


def duplicate_customer_findings(pairs: dict[tuple[int, int], set]) -> Iterator[Finding]:
    """Findings for duplicate pairs, reading the subsidiaries' details in chunks."""
    items = sorted(pairs.items())
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        ids = {i for pair, _ in chunk for i in pair}
        details = {
            row["id"]: row
            for row in Subsidiary.objects.filter(pk__in=ids).values(
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
        }
        for (a_id, b_id), reasons in chunk:
            a, b = details.get(a_id), details.get(b_id)
            if a is None or b is None:
                continue  # deleted since the pairs were read
            records = tuple(
                RecordInfo(
                    type="subsidiary",
                    id=s["id"],
                    name=s["name"],
                    country=s["country__code"],
                    global_account_id=s["global_account_id"],
                    owner_id=s["owner_id"],
                    subsidiary_owner_id=s["owner_id"],
                )
                for s in (a, b)
            )
            yield Finding(
                kind=ConflictKind.DUPLICATE_CUSTOMER,
                records=records,
                global_account_id=a["global_account_id"] or b["global_account_id"],
                reason=_reason_text(reasons),
                material=tuple(
                    (
                        s["id"],
                        s["name_key"],
                        s["registration_key"],
                        s["domain_key"],
                        s["country_id"],
                        s["global_account_id"],
                    )
                    for s in (a, b)
                ),
            )


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


def _opp_rows(queryset, *, stream: bool = True) -> Iterator[OppRow]:
    for values in _values(queryset.values_list(*OPPORTUNITY_FIELDS), stream):
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
        _opp_rows(rows), lambda o: (o.global_account_id, o.product_line_id)
    ):
        yield from _parallel_in_group(list(group))


def parallel_opportunity_neighbourhood(opportunity_ids: Iterable[int]) -> Iterator[Finding]:
    seeds = list(_opp_rows(_open_at_accounts().filter(pk__in=list(opportunity_ids)), stream=False))
    if not seeds:
        return
    groups = Q()
    for seed in seeds:
        groups |= Q(global_account_id=seed.global_account_id, product_line_id=seed.product_line_id)
    rows = list(_opp_rows(_open_at_accounts().filter(groups).order_by("id"), stream=False))
    by_group: dict[tuple, list[OppRow]] = defaultdict(list)
    for row in rows:
        by_group[(row.global_account_id, row.product_line_id)].append(row)
    seed_ids = {s.id for s in seeds}
    for group in by_group.values():
        for finding in _parallel_in_group(group):
            if any(r.id in seed_ids for r in finding.records):
                yield finding


# --- campaign_during_negotiation ------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "id",
    "name",
    "global_account_id",
    "subsidiary_id",
    "country__code",
    "owner_id",
    "subsidiary__owner_id",
    "starts_on",
    "ends_on",
)


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    global_account_id: int
    subsidiary_id: int
    country: str
    owner_id: int | None
    subsidiary_owner_id: int | None
    starts_on: date
    ends_on: date

    def info(self) -> RecordInfo:
        return RecordInfo(
            type="campaign",
            id=self.id,
            name=self.name,
            country=self.country,
            global_account_id=self.global_account_id,
            owner_id=self.owner_id,
            subsidiary_owner_id=self.subsidiary_owner_id,
        )


NEGOTIATION_FIELDS = (*OPPORTUNITY_FIELDS, "close_date")


@dataclass(frozen=True, slots=True)
class NegotiationRow:
    opp: OppRow
    close_date: date


def _negotiations():
    return Opportunity.objects.filter(
        status=OpportunityStatus.OPEN,
        stage__phase=Phase.NEGOTIATION,
        global_account__isnull=False,
    )


def _live_campaigns(today: date):
    # A campaign that has not ended yet: running now or planned.
    return Campaign.objects.filter(global_account__isnull=False, ends_on__gte=today)


def _negotiation_rows(queryset, *, stream: bool = True) -> Iterator[NegotiationRow]:
    for values in _values(queryset.values_list(*NEGOTIATION_FIELDS), stream):
        yield NegotiationRow(OppRow(*values[:-1]), values[-1])


def _campaign_rows(queryset, *, stream: bool = True) -> Iterator[CampaignRow]:
    for values in _values(queryset.values_list(*CAMPAIGN_FIELDS), stream):
        yield CampaignRow(*values)


def _campaign_clash(campaign: CampaignRow, negotiation: NegotiationRow, today: date):
    """The negotiation runs from today until its expected close (today if that has passed);
    the campaign clashes when its window [starts_on, ends_on] overlaps that. A campaign run
    by the negotiating seller themself is their own coordination, not a conflict."""
    negotiation_ends = max(negotiation.close_date, today)
    if campaign.ends_on < today or campaign.starts_on > negotiation_ends:
        return None
    opp = negotiation.opp
    if campaign.owner_id is not None and campaign.owner_id == opp.owner_id:
        return None
    return Finding(
        kind=ConflictKind.CAMPAIGN_DURING_NEGOTIATION,
        records=(campaign.info(), opp.info()),
        global_account_id=campaign.global_account_id,
        reason=(
            f"Campaign in {campaign.country} from {campaign.starts_on} to {campaign.ends_on} "
            f"while a negotiation in {opp.country} runs at the same account"
        )[:200],
        material=(
            (campaign.id, campaign.subsidiary_id, campaign.starts_on, campaign.ends_on),
            (opp.id, opp.global_account_id, opp.owner_id),
        ),
    )


def _clashes(campaigns: Iterable[CampaignRow], negotiations: list[NegotiationRow], today):
    for campaign in campaigns:
        for negotiation in negotiations:
            finding = _campaign_clash(campaign, negotiation, today)
            if finding is not None:
                yield finding


def campaign_during_negotiation_scan(progress: Progress | None = None) -> Iterator[Finding]:
    today = _today()
    negotiations = _negotiations().filter(
        Exists(_live_campaigns(today).filter(global_account=OuterRef("global_account")))
    )
    campaigns = _live_campaigns(today).filter(
        Exists(_negotiations().filter(global_account=OuterRef("global_account")))
    )
    # Merge join by global account: both streams ordered by it, one account in memory.
    neg_groups = (
        (account_id, list(group))
        for account_id, group in groupby(
            _negotiation_rows(negotiations.order_by("global_account_id", "id")),
            lambda n: n.opp.global_account_id,
        )
    )
    camp_groups = groupby(
        _campaign_rows(campaigns.order_by("global_account_id", "id")),
        attrgetter("global_account_id"),
    )
    current = next(neg_groups, None)
    for account_id, camps in camp_groups:
        while current is not None and current[0] < account_id:
            current = next(neg_groups, None)
        if current is None:
            return
        if current[0] == account_id:
            yield from _clashes(camps, current[1], today)


def campaign_during_negotiation_neighbourhood(
    *, campaign_ids: Iterable[int] = (), opportunity_ids: Iterable[int] = ()
) -> Iterator[Finding]:
    today = _today()
    campaign_ids, opportunity_ids = list(campaign_ids), list(opportunity_ids)
    if campaign_ids:
        camps = list(
            _campaign_rows(_live_campaigns(today).filter(pk__in=campaign_ids), stream=False)
        )
        accounts = {c.global_account_id for c in camps}
        if accounts:
            negs = list(
                _negotiation_rows(
                    _negotiations().filter(global_account_id__in=accounts), stream=False
                )
            )
            for campaign in camps:
                same = [n for n in negs if n.opp.global_account_id == campaign.global_account_id]
                yield from _clashes([campaign], same, today)
    if opportunity_ids:
        negs = list(_negotiation_rows(_negotiations().filter(pk__in=opportunity_ids), stream=False))
        accounts = {n.opp.global_account_id for n in negs}
        if accounts:
            camps = list(
                _campaign_rows(
                    _live_campaigns(today).filter(global_account_id__in=accounts), stream=False
                )
            )
            for negotiation in negs:
                same = [
                    c for c in camps if c.global_account_id == negotiation.opp.global_account_id
                ]
                yield from _clashes(same, [negotiation], today)


# --- framework_agreement_missed -------------------------------------------------------------

Coverage = FrameworkAgreement.countries.through


def _active_agreements(today: date):
    return FrameworkAgreement.objects.filter(valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


@dataclass(frozen=True, slots=True)
class AgreementRow:
    id: int
    name: str
    global_account_id: int
    valid_from: date
    valid_until: date | None

    def info(self) -> RecordInfo:
        return RecordInfo(
            type="framework_agreement",
            id=self.id,
            name=self.name,
            country="",
            global_account_id=self.global_account_id,
        )


def _coverage(agreements) -> tuple[dict[tuple[int, int], list[AgreementRow]], dict[int, tuple]]:
    """{(global account, country): [active agreements covering it]} and each agreement's
    covered countries (ids), from the agreements' country lists."""
    rows = {
        a[0]: AgreementRow(*a)
        for a in agreements.values_list(
            "id", "name", "global_account_id", "valid_from", "valid_until"
        )
    }
    cover: dict[tuple[int, int], list[AgreementRow]] = defaultdict(list)
    countries: dict[int, list] = defaultdict(list)
    if rows:
        through = Coverage.objects.filter(frameworkagreement_id__in=list(rows)).order_by(
            "frameworkagreement_id", "country_id"
        )
        for agreement_id, country_id in through.values_list("frameworkagreement_id", "country_id"):
            agreement = rows[agreement_id]
            cover[(agreement.global_account_id, country_id)].append(agreement)
            countries[agreement_id].append(country_id)
    return cover, {k: tuple(v) for k, v in countries.items()}


def _missed(opp: OppRow, cover, countries) -> Iterator[Finding]:
    agreements = cover.get((opp.global_account_id, opp.country_id), [])
    if not agreements or opp.framework_agreement_id in {a.id for a in agreements}:
        return
    for agreement in agreements:
        yield Finding(
            kind=ConflictKind.FRAMEWORK_AGREEMENT_MISSED,
            records=(opp.info(), agreement.info()),
            global_account_id=opp.global_account_id,
            reason=(
                f"Open opportunity in {opp.country} does not reference the active "
                f"framework agreement that covers {opp.country}"
            )[:200],
            material=(
                (opp.id, opp.global_account_id, opp.country_id, opp.framework_agreement_id),
                (
                    agreement.id,
                    agreement.valid_from,
                    agreement.valid_until,
                    countries.get(agreement.id, ()),
                ),
            ),
            countries=(opp.country,),
        )


def _open_opportunities_at_accounts():
    return Opportunity.objects.filter(status=OpportunityStatus.OPEN, global_account__isnull=False)


def framework_agreement_missed_scan(progress: Progress | None = None) -> Iterator[Finding]:
    today = _today()
    active = _active_agreements(today)
    cover, countries = _coverage(active)
    if not cover:
        return
    covered = Coverage.objects.filter(
        frameworkagreement__in=active,
        frameworkagreement__global_account=OuterRef("global_account"),
        country=OuterRef("country"),
    )
    opps = _open_opportunities_at_accounts().filter(Exists(covered)).order_by("id")
    for opp in _opp_rows(opps):
        yield from _missed(opp, cover, countries)


def framework_agreement_missed_neighbourhood(
    *, opportunity_ids: Iterable[int] = (), agreement_id: int | None = None
) -> Iterator[Finding]:
    today = _today()
    opportunity_ids = list(opportunity_ids)
    if opportunity_ids:
        opps = list(
            _opp_rows(
                _open_opportunities_at_accounts().filter(pk__in=opportunity_ids), stream=False
            )
        )
        accounts = {o.global_account_id for o in opps}
        if accounts:
            cover, countries = _coverage(
                _active_agreements(today).filter(global_account_id__in=accounts)
            )
            for opp in opps:
                yield from _missed(opp, cover, countries)
    if agreement_id is not None:
        cover, countries = _coverage(_active_agreements(today).filter(pk=agreement_id))
        if cover:
            (account_id,) = {account for account, _country in cover}
            covered_countries = [country for _account, country in cover]
            opps = _open_opportunities_at_accounts().filter(
                global_account_id=account_id, country_id__in=covered_countries
            )
            for opp in _opp_rows(opps.order_by("id"), stream=False):
                yield from _missed(opp, cover, countries)


# --- orchestration --------------------------------------------------------------------------

KINDS = tuple(ConflictKind.values)


def full_scan_findings(kind: str, progress: Progress | None = None) -> Iterator[Finding]:
    if kind == ConflictKind.DUPLICATE_CUSTOMER:
        return duplicate_customer_findings(duplicate_customer_pairs(progress))
    if kind == ConflictKind.PARALLEL_OPPORTUNITY:
        return parallel_opportunity_scan(progress)
    if kind == ConflictKind.CAMPAIGN_DURING_NEGOTIATION:
        return campaign_during_negotiation_scan(progress)
    if kind == ConflictKind.FRAMEWORK_AGREEMENT_MISSED:
        return framework_agreement_missed_scan(progress)
    raise ValueError(f"unknown conflict kind {kind!r}")


def neighbourhood_findings(
    record_type: str, record_id: int
) -> list[tuple[str, list[tuple[str, int]], list[Finding]]]:
    """What an incremental check of one record finds: for each kind it looked at, the
    records whose conflicts of that kind were fully re-evaluated, and the findings.
    The number of queries does not depend on the size of the tenant."""
    checks: list[tuple[str, list[tuple[str, int]], list[Finding]]] = []
    opportunity_ids: list[int] = []
    campaign_ids: list[int] = []
    if record_type == "subsidiary":
        pairs = duplicate_customer_neighbourhood(record_id)
        checks.append(
            (
                ConflictKind.DUPLICATE_CUSTOMER,
                [("subsidiary", record_id)],
                list(duplicate_customer_findings(pairs)),
            )
        )
        # Its opportunities and campaigns moved with it (country, global account).
        opportunity_ids = list(
            Opportunity.objects.filter(subsidiary_id=record_id).values_list("id", flat=True)[
                :NEIGHBOURHOOD_LIMIT
            ]
        )
        campaign_ids = list(
            Campaign.objects.filter(subsidiary_id=record_id).values_list("id", flat=True)[
                :NEIGHBOURHOOD_LIMIT
            ]
        )
    elif record_type == "opportunity":
        opportunity_ids = [record_id]
    elif record_type == "campaign":
        campaign_ids = [record_id]
    elif record_type == "framework_agreement":
        checks.append(
            (
                ConflictKind.FRAMEWORK_AGREEMENT_MISSED,
                [("framework_agreement", record_id)],
                list(framework_agreement_missed_neighbourhood(agreement_id=record_id)),
            )
        )
    else:
        raise ValueError(f"unknown record type {record_type!r}")

    if opportunity_ids:
        refs = [("opportunity", i) for i in opportunity_ids]
        checks.append(
            (
                ConflictKind.PARALLEL_OPPORTUNITY,
                refs,
                list(parallel_opportunity_neighbourhood(opportunity_ids)),
            )
        )
        checks.append(
            (
                ConflictKind.FRAMEWORK_AGREEMENT_MISSED,
                refs,
                list(framework_agreement_missed_neighbourhood(opportunity_ids=opportunity_ids)),
            )
        )
    if opportunity_ids or campaign_ids:
        refs = [("opportunity", i) for i in opportunity_ids] + [
            ("campaign", i) for i in campaign_ids
        ]
        checks.append(
            (
                ConflictKind.CAMPAIGN_DURING_NEGOTIATION,
                refs,
                list(
                    campaign_during_negotiation_neighbourhood(
                        campaign_ids=campaign_ids, opportunity_ids=opportunity_ids
                    )
                ),
            )
        )
    return checks


def check_record(*, record_type: str, record_id: int):
    """Incremental check of one saved (or deleted) record, tenant in context."""
    from opportunities.conflict_record import conflicts_check_record

    return conflicts_check_record(record_type=record_type, record_id=record_id)


def scan_tenant(
    *, task_id: str = "", progress: Progress | None = None, alert_by_email: bool = True
):
    """Full scan of the tenant in context; returns the ScanRun."""
    from opportunities.conflict_record import conflicts_scan_tenant

    return conflicts_scan_tenant(task_id=task_id, progress=progress, alert_by_email=alert_by_email)
