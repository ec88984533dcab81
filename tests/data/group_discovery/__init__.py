"""The labelled group-discovery set: real-world company groups as local sales offices enter them.

``records.csv`` is the source (see README.md beside it). This module loads it and derives the
labelled pairs, with a blocking of its own that knows nothing of the product's matcher:

- every pair of records in one cluster is positive: ``same_entity`` when both records are the
  same legal entity, else ``same_group``; its difficulty is the harder of the two records';
- every pair of records in different clusters that share a word of the raw name (lower-cased,
  split on anything that is not a letter or digit, legal forms and one-letter words left out)
  or the web domain is a labelled negative, ``different``. Its difficulty follows the rarest
  thing the two share: the domain, or a word found in at most 3 clusters, is hard ("Volvo",
  "Siemens"); a word found in at most 10 clusters is medium ("Mitsubishi", "Delta"); a word
  found in more is easy ("Deutschland", "Nordic", "Services").

Pure Python: no Django, so the set can be read by any harness.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path

RECORDS_CSV = Path(__file__).with_name("records.csv")

SAME_ENTITY = "same_entity"
SAME_GROUP = "same_group"
DIFFERENT = "different"
DIFFICULTIES = ("easy", "medium", "hard")
_RANK = {name: rank for rank, name in enumerate(DIFFICULTIES)}

# Legal forms (also as split on punctuation: "Sp. z o.o." -> sp, oo) and articles. A pair
# sharing only "GmbH" or "de" is not a look-alike; one sharing "Group" or "Nordic" is.
LEGAL_WORDS = frozenset(
    """
    ab abp ag aktiebolag aktiengesellschaft aps as asa bv co corp corporation cv gmbh inc
    incorporated kg kgaa kk kabushiki kaisha llc llp lp ltd ltda limited nv oy oyj ohg plc
    publ pvt private public company sa sas sasu sarl sab se sl spa srl sp oo sro
    the of and und de du des la le el do da di del af
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Second-level labels under which the registrable domain takes three labels (bosch.co.uk).
_SECOND_LEVEL = frozenset(["co", "com", "net", "org", "gov", "ac", "ne", "or"])


@dataclass(frozen=True)
class Record:
    record_id: str
    cluster: str
    entity: str
    name: str
    country: str
    website: str
    registration_number: str
    difficulty: str
    note: str


@dataclass(frozen=True)
class Pair:
    a: str  # the smaller record_id
    b: str
    label: str  # same_entity | same_group | different
    difficulty: str
    shared: str = ""  # for negatives: what the two records share (the rarest first)

    @property
    def positive(self) -> bool:
        return self.label != DIFFERENT


@cache
def load_records(path: Path = RECORDS_CSV) -> tuple[Record, ...]:
    with open(path, encoding="utf-8", newline="") as handle:
        records = tuple(Record(**row) for row in csv.DictReader(handle))
    ids = [record.record_id for record in records]
    if len(set(ids)) != len(ids):
        raise ValueError("records.csv: duplicate record_id")
    for record in records:
        if record.difficulty not in _RANK:
            raise ValueError(f"records.csv: {record.record_id}: difficulty {record.difficulty!r}")
        if not record.entity or not record.cluster or not record.name:
            raise ValueError(f"records.csv: {record.record_id} lacks cluster, entity or name")
    return records


def name_words(name: str) -> frozenset[str]:
    """The blocking words of a raw name: lower-cased, split on non-alphanumerics."""
    return frozenset(
        word for word in _WORD.findall(name.lower()) if len(word) > 1 and word not in LEGAL_WORDS
    )


def web_domain(website: str) -> str:
    """The registrable domain of a website as typed: ``https://www.bosch.fr/x`` -> bosch.fr."""
    host = website.strip().lower()
    host = re.sub(r"^[a-z]+://", "", host).split("/")[0].split(":")[0].strip(".")
    if not host or "." not in host:
        return ""
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _harder(*difficulties: str) -> str:
    return max(difficulties, key=_RANK.__getitem__)


@cache
def labelled_pairs(path: Path = RECORDS_CSV) -> tuple[Pair, ...]:
    records = load_records(path)
    by_id = {record.record_id: record for record in records}
    pairs: list[Pair] = []

    members: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        members[record.cluster].append(record)
    for cluster_records in members.values():
        for one, two in combinations(cluster_records, 2):
            label = SAME_ENTITY if one.entity == two.entity else SAME_GROUP
            a, b = sorted((one.record_id, two.record_id))
            pairs.append(Pair(a, b, label, _harder(one.difficulty, two.difficulty)))

    # Negatives: blocking on words and domains, across clusters.
    words = {record.record_id: name_words(record.name) for record in records}
    domains = {record.record_id: web_domain(record.website) for record in records}
    clusters_of_word: dict[str, set[str]] = defaultdict(set)
    blocks: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for word in words[record.record_id]:
            clusters_of_word[word].add(record.cluster)
            blocks["w:" + word].append(record.record_id)
        if domains[record.record_id]:
            blocks["d:" + domains[record.record_id]].append(record.record_id)
    candidates: set[tuple[str, str]] = set()
    for ids in blocks.values():
        for one, two in combinations(ids, 2):
            if by_id[one].cluster != by_id[two].cluster:
                candidates.add((min(one, two), max(one, two)))
    for a, b in sorted(candidates):
        shared_domain = domains[a] if domains[a] and domains[a] == domains[b] else ""
        shared_words = sorted(
            words[a] & words[b], key=lambda word: (len(clusters_of_word[word]), word)
        )
        rarest = len(clusters_of_word[shared_words[0]]) if shared_words else 10**9
        if shared_domain or rarest <= 3:
            difficulty = "hard"
        elif rarest <= 10:
            difficulty = "medium"
        else:
            difficulty = "easy"
        shared = ", ".join(([f"domain {shared_domain}"] if shared_domain else []) + shared_words)
        pairs.append(Pair(a, b, DIFFERENT, difficulty, shared))
    return tuple(pairs)


def counts(path: Path = RECORDS_CSV) -> dict[str, object]:
    """The figures README.md quotes; the integrity test checks them against the file."""
    records = load_records(path)
    pairs = labelled_pairs(path)
    cluster_sizes = Counter(record.cluster for record in records)
    by_label = Counter(pair.label for pair in pairs)
    return {
        "records": len(records),
        "clusters": len(cluster_sizes),
        "groups_2plus": sum(1 for size in cluster_sizes.values() if size > 1),
        "entities": len({record.entity for record in records}),
        "countries": len({record.country for record in records}),
        "records_by_difficulty": dict(Counter(record.difficulty for record in records)),
        "pairs_by_label": dict(by_label),
        "pairs_by_label_difficulty": {
            f"{label}/{difficulty}": n
            for (label, difficulty), n in sorted(
                Counter((pair.label, pair.difficulty) for pair in pairs).items()
            )
        },
    }
