"""Customer matching over the current tenant's rows. Group discovery: the full scan, the
neighbourhood of one record (the incremental check) and the candidates of a record being
entered.

The public interface other apps use:

- ``scan_clusters(progress)`` -> ``Discovery``: every cluster of the tenant (records of one
  group, global accounts as negative ids) with its entity sub-clusters, and the records;
- ``clusters_around(subsidiary_id)`` -> ``Discovery``: the cluster of one saved subsidiary
  (empty when it matches nothing), found by index in a constant number of queries;
- ``find_group_candidates(name=..., country_code=..., ...)`` -> ``list[Candidate]``: the
  groups a record being entered probably belongs to (entry warnings);
- ``find_matches`` / ``find_matching_subsidiaries``: the records that are probably the same
  company (the duplicate lookup by keys, at entry, lead conversion and import).

A sibling of ``accounts.matching`` (which knows no model) and of ``accounts.models`` (which
computes its keys with it).

On PostgreSQL the scan groups the stored blocking keys in SQL (``unnest`` of
``match_keys``, ``GROUP BY key``): only keys of two records or more come back, with the ids of
the blocks of at most ``max_block(n)`` records, so the cost is near linear and only the
records of some block are read and compared. Elsewhere (the embedded SQLite default) the
keys are grouped in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from accounts.matching.blocking import blocking_keys
from accounts.matching.groups import (
    Cluster,
    clusters_from_links,
    max_block,
    score_pairs,
    word_frequencies,
)
from accounts.matching.keys import (
    matching_keys,
    names_match,
    normalize_registration,
    registrable_domain,
)
from accounts.matching.model import Record
from accounts.models import GlobalAccount, Subsidiary
from gam.tenancy import current_tenant_id

CHUNK = 5000
SIZE_SECONDS = 6 * 3600  # the scan (hourly by default) refreshes it
NEIGHBOURHOOD_LIMIT = 500  # candidates read per round of an incremental check
FREQUENT_WORD = 20  # words in this many distinct names or more: their counts are cached
CACHED_ROWS = 50  # keys of more records than this: their counts are cached by the scan
SUBSIDIARY_FIELDS = (
    "id",
    "name",
    "country__code",
    "registration_key",
    "domain_key",
    "global_account_id",
)
Progress = Callable[[int, int], None]


@dataclass
class Discovery:
    clusters: list[Cluster]
    records: dict[int, Record]  # every member of a cluster, by id (accounts negative)
    n: int = 0
    df: dict[str, int] = field(default_factory=dict)


@dataclass
class Candidate:
    """A group a record probably belongs to: the global account (if the group has one),
    the subsidiaries that matched, the best score and its evidence in words."""

    score: float
    probability: float
    evidence: list[str]
    global_account_id: int | None
    subsidiary_ids: list[int]
    same_entity_ids: list[int]  # subsidiaries that are probably this very record


def _split(keys: str) -> list[str]:
    return keys.split()


def _account_record(account_id: int, name: str, website: str) -> Record:
    return Record(-account_id, name, "", "", registrable_domain(website), account_id)


def load_records(ids: Iterable[int]) -> dict[int, Record]:
    """Records of subsidiaries (positive ids) and global accounts (negative ids), in chunks."""
    ids = list(ids)
    subs = sorted(i for i in ids if i > 0)
    accounts = sorted(-i for i in ids if i < 0)
    out: dict[int, Record] = {}
    for start in range(0, len(subs), CHUNK):
        rows = Subsidiary.objects.filter(pk__in=subs[start : start + CHUNK]).values_list(
            *SUBSIDIARY_FIELDS
        )
        for row in rows:
            out[row[0]] = Record(*row)
    for start in range(0, len(accounts), CHUNK):
        rows = GlobalAccount.objects.filter(pk__in=accounts[start : start + CHUNK]).values_list(
            "id", "name", "website"
        )
        for account_id, name, website in rows:
            out[-account_id] = _account_record(account_id, name, website)
    return out


# --- the full scan ------------------------------------------------------------------------

_KEYED = """
    SELECT id, string_to_array(btrim(match_keys), ' ') AS arr
      FROM accounts_subsidiary WHERE tenant_id = %s AND match_keys <> ''
    UNION ALL
    SELECT -id, string_to_array(btrim(match_keys), ' ')
      FROM accounts_globalaccount WHERE tenant_id = %s AND match_keys <> ''
"""


def _key_groups_sql(tenant_id: int, cap: int):
    """(key, count, ids or None) of every key at least two records carry; the ids only for
    blocks of at most ``cap`` records."""
    sql = (
        "SELECT k, count(*), CASE WHEN count(*) <= %s THEN array_agg(id) END "
        f"FROM (SELECT id, unnest(arr) AS k FROM ({_KEYED}) keyed) unnested "
        "GROUP BY k HAVING count(*) > 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [cap, tenant_id, tenant_id])
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _word_frequencies_sql(tenant_id: int) -> dict[str, int]:
    """``groups.word_frequencies`` in SQL: distinct word sets (the first key) per word."""
    sql = (
        "SELECT substr(k, 3), count(*) FROM (SELECT DISTINCT k, arr[1] AS sig "
        f"FROM (SELECT arr, unnest(arr) AS k FROM ({_KEYED}) keyed) unnested "
        "WHERE k LIKE 'w:%%') pairs GROUP BY k HAVING count(*) > 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_id, tenant_id])
        return dict(cursor.fetchall())


def _keyed_python() -> Iterator[tuple[int, list[str]]]:
    for pk, keys in Subsidiary.objects.exclude(match_keys="").values_list("id", "match_keys"):
        yield pk, _split(keys)
    for pk, keys in GlobalAccount.objects.exclude(match_keys="").values_list("id", "match_keys"):
        yield -pk, _split(keys)


def _key_groups_python(cap: int):
    blocks: dict[str, list[int]] = defaultdict(list)
    for pk, keys in _keyed_python():
        for key in keys:
            blocks[key].append(pk)
    for key, ids in blocks.items():
        if len(ids) > 1:
            yield key, len(ids), ids if len(ids) <= cap else None


def tenant_size(*, fresh: bool = False) -> int:
    """The tenant's number of records (subsidiaries and global accounts): the model's n.
    Counted by the scan and kept in the cache for the checks, whose cost must not grow with
    the tenant (a count of a million rows is not constant); an approximate n changes the
    word frequencies by as much as the tenant changed since."""
    key = f"matching:n:{current_tenant_id()}"
    n = None if fresh else cache.get(key)
    if n is None:
        n = Subsidiary.objects.count() + GlobalAccount.objects.count()
        cache.set(key, n, SIZE_SECONDS)
    return n


def scan_clusters(progress: Progress | None = None) -> Discovery:
    """Every cluster of the tenant in context."""
    tenant_id = current_tenant_id()
    n = tenant_size(fresh=True)
    cap = max_block(n)
    groups = (
        _key_groups_sql(tenant_id, cap)
        if connection.vendor == "postgresql"
        else _key_groups_python(cap)
    )
    blocks: list[list[int]] = []
    frequent: dict[str, int] = {}
    for key, count, ids in groups:
        if ids is not None:
            blocks.append(sorted(set(ids)))
        if count > CACHED_ROWS:
            frequent[key] = count
    if connection.vendor == "postgresql":
        df = _word_frequencies_sql(tenant_id)
    else:
        df = word_frequencies(keys for _pk, keys in _keyed_python())
    # For the checks: the counts of the keys more than ``CACHED_ROWS`` records carry and of
    # the frequent words, which an index lookup would have to count row by row each time;
    # a check counts the others (a few rows each) by index.
    known = {
        k: (rows, df.get(k[2:], rows) if k[:2] == "w:" else rows) for k, rows in frequent.items()
    }
    known.update(
        {
            f"w:{w}": (max(c, known.get(f"w:{w}", (0, 0))[0]), c)
            for w, c in df.items()
            if c >= FREQUENT_WORD
        }
    )
    cache.set(f"matching:frequent:{tenant_id}", known, SIZE_SECONDS)
    wanted = {i for block in blocks for i in block}
    records = load_records(wanted)
    if progress:
        progress(len(records), n)
    links = score_pairs(([records[i] for i in block if i in records] for block in blocks), df, n)
    clusters = clusters_from_links(links)
    members = {m for c in clusters for m in c.members}
    return Discovery(clusters, {i: records[i] for i in members}, n, df)


# --- one record's neighbourhood -----------------------------------------------------------

_ARRAY = "string_to_array(btrim(match_keys), ' ')"


def _counts(keys: list[str], cap: int) -> dict[str, tuple[int, int]]:
    """For each key: how many records of the tenant carry it and in how many distinct word
    sets (the word frequency), both counted over at most ``cap + 1`` records (a key above
    the cap is too common to block on; its exact count does not matter). One query, even
    for no key, so that a check costs the same number of queries whatever it finds."""
    tenant_id = current_tenant_id()
    known = cache.get(f"matching:frequent:{tenant_id}")
    if known is not None:
        # after a scan: the keys it did not list are carried by few records
        cap = min(cap, CACHED_ROWS)
    known = known or {}
    out = {k: known[k] for k in keys if k in known}
    keys = [k for k in keys if k not in known]
    if connection.vendor != "postgresql":
        rows: Counter = Counter()
        sigs: dict[str, set] = defaultdict(set)
        wanted = set(keys)
        for _pk, stored in _keyed_python():
            for key in wanted.intersection(stored):
                rows[key] += 1
                sigs[key].add(stored[0])
        return out | {k: (min(rows[k], cap + 1), len(sigs[k])) for k in keys}
    sql = f"""
        SELECT k, count(*), count(DISTINCT sig) FROM (
          SELECT k, sig FROM unnest(%s::text[]) k, LATERAL (
            (SELECT ({_ARRAY})[1] AS sig FROM accounts_subsidiary
              WHERE tenant_id = %s AND {_ARRAY} @> ARRAY[k] LIMIT %s)
            UNION ALL
            (SELECT ({_ARRAY})[1] FROM accounts_globalaccount
              WHERE tenant_id = %s AND {_ARRAY} @> ARRAY[k] LIMIT %s)
          ) carriers
        ) found GROUP BY k
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [sorted(set(keys)), tenant_id, cap + 1, tenant_id, cap + 1])
        found = {k: (rows, sigs) for k, rows, sigs in cursor.fetchall()}
    return out | {k: found.get(k, (0, 0)) for k in keys}


def _sharing(keys: list[str], exclude: set[int]) -> dict[int, Record]:
    """Records (subsidiaries and accounts) carrying any of ``keys``, at most
    ``NEIGHBOURHOOD_LIMIT`` of each, by the GIN index."""
    if not keys:
        return {}
    out: dict[int, Record] = {}
    if connection.vendor == "postgresql":
        subs = Subsidiary.objects.extra(where=[f"{_ARRAY} && %s::text[]"], params=[keys])
        accounts = GlobalAccount.objects.extra(where=[f"{_ARRAY} && %s::text[]"], params=[keys])
    else:
        like = " OR ".join(["match_keys LIKE %s"] * len(keys))
        patterns = [f"% {k} %" for k in keys]
        subs = Subsidiary.objects.extra(where=[like], params=patterns)
        accounts = GlobalAccount.objects.extra(where=[like], params=patterns)
    # No ORDER BY: with one, the planner walks the primary key and filters every row
    # instead of reading the few the GIN index names.
    for row in subs.order_by().values_list(*SUBSIDIARY_FIELDS)[:NEIGHBOURHOOD_LIMIT]:
        if row[0] not in exclude:
            out[row[0]] = Record(*row)
    rows = accounts.order_by().values_list("id", "name", "website")[:NEIGHBOURHOOD_LIMIT]
    for account_id, name, website in rows:
        if -account_id not in exclude:
            out[-account_id] = _account_record(account_id, name, website)
    return out


def _keys_of(record: Record) -> list[str]:
    return blocking_keys(record.name, record.registration_key, record.domain_key)


def _neighbourhood(seeds: list[Record], rounds: int) -> Discovery:
    """The records around ``seeds`` (``rounds`` hops of shared rare keys from the records
    that link), clustered as the scan clusters them; constant queries per round."""
    n = tenant_size()
    cap = max_block(n)
    records = {r.id: r for r in seeds}
    keys_of = {r.id: _keys_of(r) for r in seeds}
    frontier = list(records)
    counts: dict[str, tuple[int, int]] = {}
    clusters: list[Cluster] = []
    df: dict[str, int] = {}
    for _round in range(rounds):
        wanted = sorted({k for i in frontier for k in keys_of[i]} - set(counts))
        counts.update(_counts(wanted, cap))
        rare = sorted(
            {k for i in frontier for k in keys_of[i] if 0 < counts.get(k, (0, 0))[0] <= cap}
        )
        found = _sharing(rare, set(records))
        for record in found.values():
            records[record.id] = record
            keys_of[record.id] = _keys_of(record)
        words = sorted({k for ks in keys_of.values() for k in ks if k.startswith("w:")})
        counts.update(_counts([w for w in words if w not in counts], cap))
        df = {k[2:]: sigs for k, (_rows, sigs) in counts.items() if k[:2] == "w:" and sigs > 1}
        clusters = _cluster(records, keys_of, counts, cap, df, n)
        seed_ids = {r.id for r in seeds}
        linked = {m for c in clusters if seed_ids & set(c.members) for m in c.members}
        frontier = sorted(linked - set(frontier) - seed_ids)
        if not frontier:
            break
    return Discovery(clusters, records, n, df)


def _cluster(records, keys_of, counts, cap, df, n) -> list[Cluster]:
    blocks: dict[str, list[Record]] = defaultdict(list)
    for rid, keys in keys_of.items():
        for key in keys:
            if counts.get(key, (0, 0))[0] <= cap:
                blocks[key].append(records[rid])
    usable = (b for _k, b in sorted(blocks.items()) if len(b) > 1)
    return clusters_from_links(score_pairs(usable, df, n))


def clusters_around(subsidiary_id: int) -> Discovery:
    """The cluster of one saved subsidiary, as the full scan would find it (two hops of
    shared keys: the records that match it, and those that match them)."""
    found = load_records([subsidiary_id])
    if subsidiary_id not in found:
        return Discovery([], {})
    discovery = _neighbourhood([found[subsidiary_id]], rounds=2)
    mine = [c for c in discovery.clusters if subsidiary_id in c.members]
    return Discovery(mine, discovery.records, discovery.n, discovery.df)


def find_group_candidates(
    *,
    name: str,
    country_code: str = "",
    registration_number: str = "",
    website: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """The groups a record being entered probably belongs to, best first: for each, its
    global account (when the group has one), the matching subsidiaries, the score and the
    evidence. For entry warnings; who may see what is the caller's business."""
    me = Record(
        0,
        name,
        country_code.upper(),
        normalize_registration(registration_number, country_code),
        registrable_domain(website),
    )
    discovery = _neighbourhood([me], rounds=1)
    out: list[Candidate] = []
    for cluster in discovery.clusters:
        if 0 not in cluster.members:
            continue
        subs = [m for m in cluster.members if m > 0 and m != exclude_id]
        accounts = Counter(
            discovery.records[m].global_account_id
            for m in cluster.members
            if m != 0 and discovery.records[m].global_account_id
        )
        entity = next((e for e in cluster.entities if 0 in e), [])
        if not subs and not accounts:
            continue
        mine = [link for link in cluster.links if 0 in (link.a, link.b)]
        best = max(mine or cluster.links, key=lambda link: link.comparison.score)
        out.append(
            Candidate(
                score=round(best.comparison.score, 2),
                probability=best.comparison.probability,
                evidence=cluster.evidence(),
                global_account_id=accounts.most_common(1)[0][0] if accounts else None,
                subsidiary_ids=subs,
                same_entity_ids=[m for m in entity if m not in (0, exclude_id)],
            )
        )
    out.sort(key=lambda c: -c.score)
    return out[:limit]


# --- the same company: the duplicate lookup by keys ------------------------------------


@dataclass(frozen=True)
class Match:
    subsidiary: object  # accounts.models.Subsidiary
    reasons: tuple[str, ...]  # "registration_number", "website", "name"


def find_matching_subsidiaries(
    name: str,
    registration_number: str = "",
    website: str = "",
    country_code: str = "",
    *,
    limit: int = 5,
    exclude_pk: int | None = None,
    queryset=None,
) -> list:
    """Existing subsidiaries that are probably the same company, best first.

    One indexed query: equal registration key, equal domain, or the same name block; the
    fuzzy name comparison then runs on that small candidate set only.
    """
    return [
        m.subsidiary
        for m in find_matches(
            name,
            registration_number,
            website,
            country_code,
            limit=limit,
            exclude_pk=exclude_pk,
            queryset=queryset if queryset is not None else Subsidiary.objects.all(),
        )
    ]


def find_matches(
    name: str,
    registration_number: str = "",
    website: str = "",
    country_code: str = "",
    *,
    limit: int = 5,
    exclude_pk: int | None = None,
    queryset=None,
) -> list[Match]:
    """Like ``find_matching_subsidiaries``, with the reasons for each match."""
    keys = matching_keys(
        name=name,
        registration_number=registration_number,
        website=website,
        country_code=country_code,
    )
    lookup = Q()
    if keys.registration_key:
        lookup |= Q(registration_key=keys.registration_key)
    if keys.domain_key:
        lookup |= Q(domain_key=keys.domain_key)
    if keys.name_block:
        lookup |= Q(name_block=keys.name_block)
    if not lookup:
        return []
    qs = (queryset if queryset is not None else Subsidiary.objects.all()).filter(lookup)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    candidates = qs.select_related("country", "global_account__manager", "owner").order_by("id")[
        :500
    ]
    matches: list[tuple[int, Match]] = []
    for sub in candidates:
        reasons = []
        if keys.registration_key and sub.registration_key == keys.registration_key:
            reasons.append("registration_number")
        if keys.domain_key and sub.domain_key == keys.domain_key:
            reasons.append("website")
        if names_match(keys.name_key, sub.name_key):
            reasons.append("name")
        if reasons:
            # Registration numbers are the strongest evidence, then domains, then names.
            rank = 4 * ("registration_number" in reasons) + 2 * ("website" in reasons)
            rank += "name" in reasons
            matches.append((rank, Match(sub, tuple(reasons))))
    matches.sort(key=lambda pair: (-pair[0], pair[1].subsidiary.pk))
    return [m for _, m in matches[:limit]]
