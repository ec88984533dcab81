"""Group discovery: blocking keys, candidate pairs, clusters of one group and, inside a
cluster, the records of one legal entity.

Never all pairs. Each record carries blocking keys (``blocking_keys``, stored on the row as
``match_keys``): its distinctive words (``w:``), their consonant skeletons for typos
(``s:``), its joined name and joined neighbouring words (``j:``: Wal Mart / Walmart), its
acronym or, for a short one-word name, the word itself (``a:``: IBM / International
Business Machines), its registrable domain (``d:``) and the domain's label as a word, its
registration key (``r:``). Two records are compared only when they share a key that at most
``max_block(n)`` records carry (a word more frequent than that is no evidence of a group);
a block larger than ``SMALL_BLOCK`` is compared as a sorted neighbourhood (each record with
the ``WINDOW`` next ones in the order of their names), so its cost stays linear.

Pairs scoring at least the group threshold are joined by union-find in descending order of
score (Kruskal): a cluster's score is its weakest link, its evidence the links that made
it. Inside a cluster, the pairs judged one legal entity (``model.same_entity``) make the
entity sub-clusters.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from accounts.matching import params
from accounts.matching.blocking import blocking_keys
from accounts.matching.model import Comparison, Record, compare

SMALL_BLOCK = 40  # blocks up to this size are compared pair by pair
WINDOW = 12  # neighbours each record is compared with in a larger block
MIN_BLOCK_CAP = 200


def max_block(n: int) -> int:
    """The largest block worth reading: a key carried by more records than this is too
    common to be evidence (a word in one name of a thousand at 1M records)."""
    return max(MIN_BLOCK_CAP, int(math.sqrt(max(n, 1))))


def word_of(key: str) -> str | None:
    return key[2:] if key.startswith("w:") else None


def word_frequencies(keyed: Iterable[list[str]]) -> dict[str, int]:
    """{word: distinct word sets carrying it} from each record's keys, words carried by one
    word set left out. A word's frequency is that of the names it appears in, not of the
    records: "Siemens AG", "Siemens plc" and "Siemens S.A.S." are one name ("siemens")
    entered by three countries, which says nothing about how common the word is; "Fyns Byg",
    "Nordic Byg" and "Jensen Byg" are three."""
    names: dict[str, set[str]] = defaultdict(set)
    for keys in keyed:
        signature = next((k for k in keys if k.startswith("n:")), "")
        for key in keys:
            if key.startswith("w:"):
                names[key[2:]].add(signature)
    return {word: len(sigs) for word, sigs in names.items() if len(sigs) > 1}


def document_frequencies(key_counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """{word: records carrying it} from (key, count) pairs; words carried once are left
    out (the model reads a missing word as carried once)."""
    return {key[2:]: count for key, count in key_counts if key.startswith("w:") and count > 1}


# --- union-find ---------------------------------------------------------------------------


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra < rb:
            ra, rb = rb, ra
        self.parent[ra] = rb  # the smaller id is the root: the oldest record
        return True


# --- candidates and scores ----------------------------------------------------------------


def candidate_pairs(block: list[Record]) -> Iterator[tuple[Record, Record]]:
    if len(block) <= SMALL_BLOCK:
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                yield a, b
        return
    ordered = sorted(block, key=lambda r: (r.parsed.joined, r.id))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 : i + 1 + WINDOW]:
            yield a, b


@dataclass
class Link:
    a: int
    b: int
    comparison: Comparison


def score_pairs(
    blocks: Iterable[list[Record]], df: dict[str, int], n: int, seen: set | None = None
) -> Iterator[Link]:
    """The pairs of the blocks at or above the group threshold (each pair once)."""
    seen = set() if seen is None else seen
    threshold = params.GROUP_THRESHOLD
    for block in blocks:
        for a, b in candidate_pairs(block):
            if a.id == b.id:
                continue
            pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if pair in seen:
                continue
            seen.add(pair)
            if a.is_account and b.is_account:
                continue  # two global accounts: not ours to join
            comparison = compare(a, b, df, n)
            if comparison.score >= threshold or comparison.same_entity:
                yield Link(pair[0], pair[1], comparison)


# --- clusters -----------------------------------------------------------------------------


@dataclass
class Cluster:
    """Records of one group (``members``: ids; global accounts as negative ids)."""

    members: list[int]
    links: list[Link]  # the links that joined it, strongest first
    entities: list[list[int]] = field(default_factory=list)  # subsidiaries of one entity

    @property
    def score(self) -> float:
        return min(link.comparison.score for link in self.links) if self.links else 0.0

    @property
    def subsidiaries(self) -> list[int]:
        return [m for m in self.members if m > 0]

    @property
    def accounts(self) -> list[int]:
        return [-m for m in self.members if m < 0]

    def evidence(self, limit: int = 6) -> list[str]:
        seen: list[str] = []
        for link in self.links:
            for text in link.comparison.evidence:
                if text not in seen:
                    seen.append(text)
        return seen[:limit]

    def duplicates(self) -> list[list[int]]:
        return [e for e in self.entities if len(e) > 1]


def _split_bridges(nodes: set[int], tree: list[Link], neighbours) -> list[tuple[set, list]]:
    """Cuts the spanning tree of one cluster at links that chain two groups: removing the
    link leaves two parts of which the smaller (two records or more) has fewer than
    ``params.SUPPORT`` of its records linked into the other. Weakest links first; each
    part is examined again."""
    work = [(nodes, tree)]
    done = []
    while work:
        nodes, tree = work.pop()
        for link in sorted(tree, key=lambda x: x.comparison.score):
            if link.comparison.same_entity:
                continue
            rest = [x for x in tree if x is not link]
            adjacent: dict[int, list[int]] = defaultdict(list)
            for x in rest:
                adjacent[x.a].append(x.b)
                adjacent[x.b].append(x.a)
            side, stack = {link.a}, [link.a]
            while stack:
                for nxt in adjacent[stack.pop()]:
                    if nxt not in side:
                        side.add(nxt)
                        stack.append(nxt)
            other = nodes - side
            small, large = sorted((side, other), key=len)
            if len(small) < 2:
                continue
            supported = sum(1 for m in small if neighbours[m] & large)
            if supported < params.SUPPORT * len(small):
                work.append((side, [x for x in rest if x.a in side]))
                work.append((other, [x for x in rest if x.a in other]))
                break
        else:
            done.append((nodes, tree))
    return done


def clusters_from_links(links: Iterable[Link]) -> list[Cluster]:
    """Kruskal: links in descending score join components; a link whose ends are already
    joined adds nothing. Then ``_split_bridges``: one strong look-alike pair ("ABB Power
    Grids" / "Hitachi Energy") must not chain two whole groups together. Entities: the
    same-entity links inside each cluster."""
    ordered = sorted(links, key=lambda link: (-link.comparison.score, link.a, link.b))
    neighbours: dict[int, set[int]] = defaultdict(set)
    groups = UnionFind()
    entities = UnionFind()
    used: list[Link] = []
    for link in ordered:
        neighbours[link.a].add(link.b)
        neighbours[link.b].add(link.a)
        if link.comparison.same_entity:
            entities.union(link.a, link.b)
        if groups.union(link.a, link.b):
            used.append(link)
    members: dict[int, set[int]] = defaultdict(set)
    for node in neighbours:
        members[groups.find(node)].add(node)
    trees: dict[int, list[Link]] = defaultdict(list)
    for link in used:
        trees[groups.find(link.a)].append(link)
    clusters = []
    for root in sorted(members):
        parts = (
            _split_bridges(members[root], trees[root], neighbours)
            if len(members[root]) > 3
            else [(members[root], trees[root])]
        )
        for nodes, tree in parts:
            if len(nodes) < 2:
                continue
            ids = sorted(nodes)
            sub: dict[int, list[int]] = defaultdict(list)
            for i in ids:
                if i >= 0:  # subsidiaries (0: a record being entered, not saved yet)
                    sub[entities.find(i)].append(i)
            strongest = sorted(tree, key=lambda x: (-x.comparison.score, x.a, x.b))
            clusters.append(Cluster(ids, strongest, sorted(sub.values())))
    clusters.sort(key=lambda c: c.members[0])
    return clusters


# --- in memory: the whole pipeline for a list of records ----------------------------------


def discover(records: list[Record], *, keys_of: Callable | None = None) -> list[Cluster]:
    """Clusters of a tenant held in memory (the evaluation, small tenants, tests). The
    database scan (``opportunities`` detector) feeds the same functions from SQL."""
    keys_of = keys_of or (lambda r: blocking_keys(r.name, r.registration_key, r.domain_key))
    blocks: dict[str, list[Record]] = defaultdict(list)
    keyed = []
    for record in records:
        keys = keys_of(record)
        keyed.append(keys)
        for key in keys:
            blocks[key].append(record)
    df = word_frequencies(keyed)
    n = len(records)
    cap = max_block(n)
    usable = (block for key, block in sorted(blocks.items()) if 1 < len(block) <= cap)
    return clusters_from_links(score_pairs(usable, df, n))
