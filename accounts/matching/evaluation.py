"""Pair-level quality of group discovery against labels: which pairs of records are one
group, which one legal entity, and which the clusters and their entities put together."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.matching.groups import Cluster


@dataclass
class Quality:
    group_precision: float
    group_recall: float
    entity_recall: float  # same-entity pairs inside one duplicate_customer finding
    duplicate_wrong: float  # share of duplicate_customer pairs that join two entities
    group_found: int
    group_truth: int
    missed: list[tuple[int, int]]
    wrong: list[tuple[int, int]]
    wrong_duplicates: list[tuple[int, int]]


def _pairs(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    out = set()
    for members in groups:
        ids = sorted(members)
        out.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return out


def quality(
    clusters: list[Cluster], group_of: dict[int, str], entity_of: dict[int, str]
) -> Quality:
    """``group_of`` / ``entity_of``: the label of each record id (subsidiaries only)."""
    by_group: dict[str, list[int]] = defaultdict(list)
    by_entity: dict[str, list[int]] = defaultdict(list)
    for rid, g in group_of.items():
        by_group[g].append(rid)
        by_entity[entity_of[rid]].append(rid)
    true_group = _pairs(by_group.values())
    true_entity = _pairs(by_entity.values())
    found_group = _pairs(c.subsidiaries for c in clusters)
    found_entity = _pairs(e for c in clusters for e in c.duplicates())
    hits = found_group & true_group
    wrong_dup = found_entity - true_entity
    return Quality(
        group_precision=len(hits) / len(found_group) if found_group else 1.0,
        group_recall=len(hits) / len(true_group) if true_group else 1.0,
        entity_recall=len(found_entity & true_entity) / len(true_entity) if true_entity else 1,
        duplicate_wrong=len(wrong_dup) / len(found_entity) if found_entity else 0.0,
        group_found=len(found_group),
        group_truth=len(true_group),
        missed=sorted(true_group - found_group),
        wrong=sorted(found_group - true_group),
        wrong_duplicates=sorted(wrong_dup),
    )
