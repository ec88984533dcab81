"""``duplicate_customer``: the same company entered twice, across countries (see the package's
docstring for the blocking and fuzzy matching)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import attrgetter

from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, Q, Value
from django.db.models.functions import Collate, Length, StrIndex, Substr

from accounts.matching import (
    FUZZY_MIN_LENGTH,
    CompanyRow,
    duplicate_reasons,
    name_block,
    names_match,
    typo_block,
)
from accounts.models import Subsidiary
from opportunities.conflicts.detectors.findings import (
    CHUNK,
    GROUP_CAP,
    NEIGHBOURHOOD_LIMIT,
    Finding,
    Progress,
    RecordInfo,
    fetch_rows,
)
from opportunities.conflicts.models import ConflictKind

SMALL_BLOCK = 32  # blocks up to this many names are compared pair by pair


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
    for values in fetch_rows(queryset.values_list(*COMPANY_FIELDS), stream):
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
