"""Score a matcher's findings against the labelled set.

A finding is ``(kind, record_ids)``: kind ``duplicate_customer`` (one legal entity entered more
than once) or ``unlinked_group`` (companies of one group not linked to one global account); it
covers a whole cluster of records, so it is expanded into all pairs of its records.

- group precision: of the distinct pairs reported by any finding, the share that are one group
  (same_entity or same_group). A reported pair of two clusters is wrong whether or not it
  shares a word, so precision is not limited to the labelled negatives.
- group recall per difficulty: of the same_entity + same_group pairs, the share reported by any
  finding, of either kind.
- duplicate_customer recall: of the same_entity pairs, the share a ``duplicate_customer``
  finding reports.
- duplicate_customer entity joins: of the pairs ``duplicate_customer`` reports, the share that
  join two legal entities (same_group or different): a merge there would fuse two companies.

Pure Python, no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from tests.data.group_discovery import (
    DIFFERENT,
    DIFFICULTIES,
    SAME_ENTITY,
    Pair,
    Record,
    labelled_pairs,
    load_records,
)

DUPLICATE_CUSTOMER = "duplicate_customer"
UNLINKED_GROUP = "unlinked_group"
KINDS = (DUPLICATE_CUSTOMER, UNLINKED_GROUP)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Report:
    reported_pairs: int
    group_precision: float | None
    group_recall: float | None
    group_recall_by_difficulty: dict[str, float | None]
    positives_by_difficulty: dict[str, int]
    duplicate_pairs: int
    duplicate_recall: float | None
    duplicate_entity_joins: float | None
    negatives_reported_by_difficulty: dict[str, int]
    findings_by_kind: dict[str, int]
    misses: list[tuple[Pair, Record, Record]] = field(default_factory=list)
    false_positives: list[tuple[str, Record, Record, str]] = field(default_factory=list)

    def summary(self) -> str:
        def show(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        by_difficulty = ", ".join(
            f"{name} {show(self.group_recall_by_difficulty[name])}"
            f" (of {self.positives_by_difficulty[name]})"
            for name in DIFFICULTIES
        )
        return "\n".join(
            [
                f"findings: {dict(self.findings_by_kind)}; reported pairs: {self.reported_pairs}",
                f"group precision: {show(self.group_precision)}",
                f"group recall: {show(self.group_recall)}; {by_difficulty}",
                f"duplicate_customer: recall of same-entity pairs {show(self.duplicate_recall)};"
                f" joins two legal entities in {show(self.duplicate_entity_joins)}"
                f" of its {self.duplicate_pairs} pairs",
                f"false positives by negative difficulty: {self.negatives_reported_by_difficulty}",
            ]
        )

    def details(self, limit: int = 50) -> str:
        """The misses and false positives, for reading."""
        lines = [f"misses ({len(self.misses)}):"]
        for pair, one, two in self.misses[:limit]:
            lines.append(
                f"  {pair.label:<11} {pair.difficulty:<6} {one.name!r} ({one.country})"
                f" ~ {two.name!r} ({two.country})"
            )
        lines.append(f"false positives ({len(self.false_positives)}):")
        for kind, one, two, why in self.false_positives[:limit]:
            lines.append(
                f"  {kind:<18} {one.name!r} ({one.country}, {one.cluster})"
                f" ~ {two.name!r} ({two.country}, {two.cluster}) {why}"
            )
        return "\n".join(lines)


def _pairs_of(record_ids: Iterable[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in combinations(sorted(set(record_ids)), 2)}


def evaluate(findings: Iterable[tuple[str, Iterable[str]]]) -> Report:
    records = {record.record_id: record for record in load_records()}
    pairs = labelled_pairs()
    label_of = {(pair.a, pair.b): pair for pair in pairs}

    reported: dict[str, set[tuple[str, str]]] = {kind: set() for kind in KINDS}
    findings_by_kind: Counter[str] = Counter()
    for kind, record_ids in findings:
        if kind not in reported:
            raise ValueError(f"unknown finding kind {kind!r}")
        ids = set(record_ids)
        unknown = ids - records.keys()
        if unknown:
            raise ValueError(f"finding names unknown records {sorted(unknown)[:5]}")
        findings_by_kind[kind] += 1
        reported[kind] |= _pairs_of(ids)
    any_kind = reported[DUPLICATE_CUSTOMER] | reported[UNLINKED_GROUP]

    def same_cluster(a: str, b: str) -> bool:
        return records[a].cluster == records[b].cluster

    def same_entity(a: str, b: str) -> bool:
        return records[a].entity == records[b].entity

    correct = sum(1 for a, b in any_kind if same_cluster(a, b))
    positives = [pair for pair in pairs if pair.positive]
    found_by_difficulty: Counter[str] = Counter()
    positives_by_difficulty: Counter[str] = Counter()
    misses = []
    for pair in positives:
        positives_by_difficulty[pair.difficulty] += 1
        if (pair.a, pair.b) in any_kind:
            found_by_difficulty[pair.difficulty] += 1
        else:
            misses.append((pair, records[pair.a], records[pair.b]))
    same_entity_pairs = [(pair.a, pair.b) for pair in positives if pair.label == SAME_ENTITY]
    duplicates = reported[DUPLICATE_CUSTOMER]

    false_positives = []
    negatives_reported: Counter[str] = Counter()
    for kind in KINDS:
        for a, b in sorted(reported[kind]):
            if same_cluster(a, b):
                continue
            pair = label_of.get((a, b))
            difficulty = pair.difficulty if pair else "unblocked"
            negatives_reported[difficulty] += 1
            why = f"[{difficulty}; shares {pair.shared}]" if pair else "[shares no word/domain]"
            false_positives.append((kind, records[a], records[b], why))
    order = {name: rank for rank, name in enumerate(DIFFICULTIES)}
    misses.sort(key=lambda item: (order[item[0].difficulty], item[0].label, item[0].a))

    return Report(
        reported_pairs=len(any_kind),
        group_precision=_ratio(correct, len(any_kind)),
        group_recall=_ratio(sum(found_by_difficulty.values()), len(positives)),
        group_recall_by_difficulty={
            name: _ratio(found_by_difficulty[name], positives_by_difficulty[name])
            for name in DIFFICULTIES
        },
        positives_by_difficulty={name: positives_by_difficulty[name] for name in DIFFICULTIES},
        duplicate_pairs=len(duplicates),
        duplicate_recall=_ratio(
            sum(1 for key in same_entity_pairs if key in duplicates), len(same_entity_pairs)
        ),
        duplicate_entity_joins=_ratio(
            sum(1 for a, b in duplicates if not same_entity(a, b)), len(duplicates)
        ),
        negatives_reported_by_difficulty=dict(negatives_reported),
        findings_by_kind=dict(findings_by_kind),
        misses=misses,
        false_positives=false_positives,
    )


__all__ = ["DIFFERENT", "DUPLICATE_CUSTOMER", "KINDS", "UNLINKED_GROUP", "Report", "evaluate"]
