"""Estimates the pair model's parameters from labelled sets and writes ``params.py``.

    python -m accounts.matching.estimate            # print, do not write
    python -m accounts.matching.estimate --write

For every labelled set the records are blocked as the scan blocks them (``groups``), and
every candidate pair is compared. Among the candidate pairs (those that share a blocking
key, which is what the model ever sees):

- m of a level: the share of the pairs of one group that fall into it;
- u of a level: the share of the pairs of different groups that fall into it (the
  tenant's own unrelated pairs; the labelled sets hold real look-alikes);
- BASE: the log2 odds of one group among candidate pairs;

with add-one smoothing. The name words' rarity is not estimated here: it is the tenant's
document frequency at run time (``model.word_u``). The group threshold is then the lowest
score at which the clusters of every set keep their group precision at
``TARGET_PRECISION`` (margin above the product target of 0.97).
"""

from __future__ import annotations

import argparse
import math
import pprint
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from accounts.matching import params
from accounts.matching.evaluation import quality
from accounts.matching.groups import (
    Link,
    blocking_keys,
    candidate_pairs,
    clusters_from_links,
    max_block,
    score_pairs,
    word_frequencies,
)
from accounts.matching.keys import normalize_registration, registrable_domain
from accounts.matching.model import Record, compare

TARGET_PRECISION = 0.98
LEVELS = {
    "registration": ("equal", "differ", "missing"),
    "domain": ("equal", "label", "label_name", "related", "differ", "missing"),
    "name": ("equal", "equal_typo", "acronym", "subset", "overlap", "none"),
}


@dataclass(frozen=True)
class Labelled:
    name: str
    country: str
    registration_number: str
    website: str
    group: str
    entity: str


def records_of(rows: list[Labelled]) -> list[Record]:
    return [
        Record(
            i + 1,
            r.name,
            r.country,
            normalize_registration(r.registration_number, r.country),
            registrable_domain(r.website),
        )
        for i, r in enumerate(rows)
    ]


def _blocks(records: list[Record]) -> tuple[list[list[Record]], dict[str, int]]:
    blocks: dict[str, list[Record]] = defaultdict(list)
    keyed = []
    for record in records:
        keys = blocking_keys(record.name, record.registration_key, record.domain_key)
        keyed.append(keys)
        for key in keys:
            blocks[key].append(record)
    cap = max_block(len(records))
    usable = [b for _k, b in sorted(blocks.items()) if 1 < len(b) <= cap]
    return usable, word_frequencies(keyed)


def candidates(rows: list[Labelled]):
    """(same group?, comparison) for every candidate pair of one labelled set."""
    records = records_of(rows)
    blocks, df = _blocks(records)
    seen = set()
    for block in blocks:
        for a, b in candidate_pairs(block):
            pair = (min(a.id, b.id), max(a.id, b.id))
            if pair in seen:
                continue
            seen.add(pair)
            yield rows[a.id - 1].group == rows[b.id - 1].group, compare(a, b, df, len(records))


# Estimated on sets written from real-world naming; company_pairs (generated) is only
# evaluated: its generator shares the old rules' assumptions (one domain per company ...).
ESTIMATION_SETS = ("group_dev", "group_discovery")


def estimate(sets: dict[str, list[Labelled]]) -> dict:
    sets = {name: rows for name, rows in sets.items() if name in ESTIMATION_SETS}
    counts = {True: defaultdict(Counter), False: defaultdict(Counter)}
    totals = Counter()
    for rows in sets.values():
        for same, comparison in candidates(rows):
            totals[same] += 1
            for kind, level in comparison.levels.items():
                counts[same][kind][level] += 1
    m = {
        kind: {lv: (counts[True][kind][lv] + 1) / (totals[True] + len(levels)) for lv in levels}
        for kind, levels in LEVELS.items()
    }
    u = {
        kind: {lv: (counts[False][kind][lv] + 1) / (totals[False] + len(levels)) for lv in levels}
        for kind, levels in LEVELS.items()
    }
    return {
        "BASE": math.log2((totals[True] + 1) / (totals[False] + 1)),
        "M": {k: {lv: round(p, 5) for lv, p in v.items()} for k, v in m.items()},
        "U": {k: {lv: round(p, 5) for lv, p in v.items()} for k, v in u.items()},
        "pairs": dict(totals),
    }


def all_links(rows: list[Labelled]) -> list[Link]:
    """Every candidate pair of a set as a link, whatever its score (thresholds are applied
    afterwards: the comparisons do not depend on them)."""
    records = records_of(rows)
    blocks, df = _blocks(records)
    saved = params.GROUP_THRESHOLD
    params.GROUP_THRESHOLD = -math.inf
    try:
        return [link for link in score_pairs(blocks, df, len(records))]
    finally:
        params.GROUP_THRESHOLD = saved


def evaluate(rows: list[Labelled], threshold: float | None = None, links=None):
    threshold = params.GROUP_THRESHOLD if threshold is None else threshold
    links = all_links(rows) if links is None else links
    kept = [
        link for link in links if link.comparison.score >= threshold or link.comparison.same_entity
    ]
    return quality(
        clusters_from_links(kept),
        {i + 1: r.group for i, r in enumerate(rows)},
        {i + 1: r.entity for i, r in enumerate(rows)},
    )


def choose_threshold(sets: dict[str, list[Labelled]]) -> float:
    """The threshold (in quarter bits) with the best pooled group recall among those whose
    pooled group precision (all sets' pairs together) reaches ``TARGET_PRECISION``."""
    best, best_recall = 10.0, -1.0
    links = {name: all_links(rows) for name, rows in sets.items() if name in ESTIMATION_SETS}
    for step in range(60, -41, -1):
        threshold = step / 4
        found = hits = truth = 0
        for name, rows in sets.items():
            if name not in ESTIMATION_SETS:
                continue
            q = evaluate(rows, threshold, links[name])
            found += q.group_found
            hits += round(q.group_precision * q.group_found)
            truth += q.group_truth
        precision = hits / found if found else 1.0
        if precision >= TARGET_PRECISION and hits / truth > best_recall:
            best, best_recall = threshold, hits / truth
    return best


def labelled_sets() -> dict[str, list[Labelled]]:
    """The development sets of the repository (tests/data): imported here, not at module
    level, because they are test data, not part of the application."""
    from tests.data import company_pairs, group_dev  # noqa: PLC0415 - test data, on demand

    sets = {
        "group_dev": [
            Labelled(r.name, r.country, r.registration_number, r.website, r.group, r.entity)
            for r in group_dev.rows()
        ]
    }
    for seed in (2026, 7):
        rows = []
        main_company = None
        places = {p.lower() for ps in company_pairs.PLACES.values() for p in ps}
        for r in company_pairs.generate(seed):
            words = {w.lower() for w in r.name.split()}
            sibling = bool(words & places) and main_company is not None
            if not sibling:
                main_company = r.company
            group = main_company if sibling else r.company
            # one record per country: its own legal entity, unless it carries the
            # company's registration number (then it is that entity, entered abroad)
            entity = f"c{r.company}" if r.registration_number else f"r{r.ref}"
            rows.append(
                Labelled(r.name, r.country, r.registration_number, r.website, f"c{group}", entity)
            )
        sets[f"company_pairs_{seed}"] = rows
    from tests.data.group_discovery import load_records  # noqa: PLC0415 - test data

    sets["group_discovery"] = [
        Labelled(r.name, r.country, r.registration_number, r.website, r.cluster, r.entity)
        for r in load_records()
    ]
    return sets


def write(values: dict, threshold: float) -> None:
    path = Path(__file__).with_name("params.py")
    text = path.read_text()
    head, _, rest = text.partition("# fmt: off\n")
    _, _, tail = rest.partition("# fmt: on\n")
    body = (
        f"BASE = {values['BASE']:.4f}\n"
        f"M = {pprint.pformat(values['M'], width=100, sort_dicts=False)}\n"
        f"U = {pprint.pformat(values['U'], width=100, sort_dicts=False)}\n"
        f"GROUP_THRESHOLD = {threshold}\n"
        f"# estimated on {values['pairs']} candidate pairs (True: one group)\n"
    )
    path.write_text(f"{head}# fmt: off\n{body}# fmt: on\n{tail}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    sets = labelled_sets()
    values = estimate(sets)
    params.BASE, params.M, params.U = values["BASE"], values["M"], values["U"]
    threshold = choose_threshold(sets)
    pprint.pprint(values, width=100, sort_dicts=False)
    print("threshold", threshold)
    for name, rows in sets.items():
        q = evaluate(rows, threshold)
        print(
            f"{name}: group precision {q.group_precision:.3f} recall {q.group_recall:.3f} "
            f"({q.group_found} found / {q.group_truth}); entity recall {q.entity_recall:.3f}, "
            f"duplicate pairs joining two entities {q.duplicate_wrong:.3f}"
        )
    if args.write:
        write(values, threshold)


if __name__ == "__main__":
    main()
