"""The group-discovery set (tests/data/group_discovery): its integrity, and one run of the
product on it with the figures printed (``pytest -s -m quality``).

Only the set's integrity is asserted here; the quality targets (DESIGN.md) are asserted once
the matcher that should meet them has landed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from tests.data.group_discovery import (
    DIFFERENT,
    SAME_ENTITY,
    SAME_GROUP,
    counts,
    labelled_pairs,
    load_records,
    name_words,
    web_domain,
)
from tests.data.group_discovery.evaluate import DUPLICATE_CUSTOMER, UNLINKED_GROUP, evaluate
from tests.data.group_discovery.run_product import run_product, subsidiaries_created

pytestmark = pytest.mark.quality

LOCAL = "plain local firm"


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def test_the_set_has_the_size_and_mix_the_brief_asks_for():
    records = load_records()
    clusters = defaultdict(list)
    for record in records:
        clusters[record.cluster].append(record)
    groups = {c: rs for c, rs in clusters.items() if not any(r.note == LOCAL for r in rs)}
    international = {
        c: rs for c, rs in groups.items() if len({r.country for r in rs}) > 1 and len(rs) > 1
    }
    assert len(international) >= 100
    assert all(2 <= len(rs) <= 8 for rs in international.values())
    assert len({r.country for r in records}) >= 16
    look_alikes = [r for r in records if "look-alike" in r.note]
    assert len(look_alikes) >= 80
    assert sum(1 for r in records if r.note == LOCAL) >= 150
    by_label = Counter(pair.label for pair in labelled_pairs())
    assert by_label[SAME_ENTITY] >= 60
    assert by_label[SAME_GROUP] > by_label[SAME_ENTITY]
    assert by_label[DIFFERENT] >= 1000
    assert set(Counter(r.difficulty for r in records)) == {"easy", "medium", "hard"}


def test_the_counts_are_those_of_the_readme():
    """Changing records.csv changes these; update README.md's counts with them."""
    figures = counts()
    assert (figures["records"], figures["clusters"], figures["entities"]) == (1003, 395, 857)
    assert figures["pairs_by_label"] == {
        SAME_ENTITY: 159,
        SAME_GROUP: 1434,
        DIFFERENT: 6022,
    }


def test_records_are_consistent():
    records = load_records()
    for record in records:
        assert re.fullmatch(r"[A-Z]{2}", record.country), record
        assert record.entity.startswith(record.cluster + "."), record
        assert record.name == record.name.strip() and record.name, record
    # One registration number is one entity: no two entities share the digits of one, also
    # not inside a VAT number (FR21 552 100 554 holds the SIREN 552 100 554).
    entities_of_number = defaultdict(set)
    for record in records:
        if len(_digits(record.registration_number)) >= 6:
            entities_of_number[_digits(record.registration_number)].add(record.entity)
    assert all(len(e) == 1 for e in entities_of_number.values())
    clashes = [
        (a, b)
        for a in entities_of_number
        for b in entities_of_number
        if a != b and a.endswith(b) and entities_of_number[a] != entities_of_number[b]
    ]
    assert not clashes
    # An entity lives in one country.
    countries_of_entity = defaultdict(set)
    for record in records:
        countries_of_entity[record.entity].add(record.country)
    assert all(len(c) == 1 for c in countries_of_entity.values())
    # No exact same name twice in one country across two clusters: that would be a mislabel.
    seen = {}
    for record in records:
        key = (record.country, record.name.lower())
        assert seen.setdefault(key, record.cluster) == record.cluster, record


def test_blocking_helpers():
    assert name_words("Robert Bosch France SAS") == {"robert", "bosch", "france"}
    assert name_words("ABB Sp. z o.o.") == {"abb"}
    assert web_domain("https://www.bosch.fr/x") == "bosch.fr"
    assert web_domain("bosch.co.uk") == "bosch.co.uk"
    assert web_domain("usa.philips.com") == "philips.com"
    assert web_domain("") == ""


def test_evaluate_expands_findings_into_pairs():
    records = {r.record_id: r for r in load_records()}
    entity = defaultdict(list)
    for r in records.values():
        entity[r.entity].append(r.record_id)
    twice = next(ids for ids in entity.values() if len(ids) == 2)
    cluster = [r.record_id for r in records.values() if r.cluster == records[twice[0]].cluster]
    stranger = next(r.record_id for r in records.values() if r.note == LOCAL)

    perfect_dup = evaluate([(DUPLICATE_CUSTOMER, set(twice))])
    assert perfect_dup.group_precision == 1.0
    assert perfect_dup.duplicate_entity_joins == 0.0
    assert perfect_dup.duplicate_pairs == 1

    joined = evaluate([(DUPLICATE_CUSTOMER, set(cluster) | {stranger})])
    n = len(cluster) + 1
    assert joined.reported_pairs == n * (n - 1) // 2
    assert joined.group_precision == pytest.approx(
        (len(cluster) * (len(cluster) - 1) // 2) / joined.reported_pairs
    )
    assert joined.duplicate_entity_joins > 0.5
    assert len(joined.false_positives) == len(cluster)

    nothing = evaluate([])
    assert nothing.group_precision is None and nothing.group_recall == 0.0
    with pytest.raises(ValueError):
        evaluate([(UNLINKED_GROUP, {"R9999", stranger})])


@pytest.mark.django_db
def test_the_product_on_the_set():
    """Every record entered as a local customer over the service the API calls, the full
    scan, the findings scored. Prints the figures; asserts only the integrity of the run."""
    records = load_records()
    run = run_product()
    assert subsidiaries_created(run.tenant) == len(records)
    assert len(run.subsidiary_of) == len(records)
    assert run.unmapped_refs == 0
    report = run.report()
    positives = sum(1 for pair in labelled_pairs() if pair.positive)
    assert sum(report.positives_by_difficulty.values()) == positives
    print()
    print(counts())
    print(run.scan_output.strip())
    print(report.summary())
    print(report.details(limit=40))
