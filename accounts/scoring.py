"""Selection score and tier of a global account.

The score is the weighted average of the account's criterion values, each first scaled to
points on 0..5:

- a numeric criterion (annual revenue, profitability ...) scores ``5 × value / scale_max``,
  capped at 5 (a value at or above ``scale_max`` is full marks) and at 0 below zero;
- a manual criterion (strategic fit, relationship quality ...) is scored 1..5 by hand and
  counts as given.

``score = Σ(weight × points) / Σ(weight)`` over all criteria of the tenant with a positive
weight, rounded to two decimals. A criterion without a value for the account earns 0 points
but keeps its weight: an account nobody has assessed does not look like a Premier account.
No criteria (or all weights 0) gives 0.

The tier for a score is the highest-ranked tier (lowest ``rank`` number, 1 = best) whose
``min_score`` is at most the score; none when no tier's minimum is reached. A manual
override (``GlobalAccount.tier_override``) keeps the tier chosen by hand until cleared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import CriterionScore, GlobalAccount, SelectionCriterion, Tier

FIVE = Decimal(5)
ZERO = Decimal(0)
CENT = Decimal("0.01")
# Rows per UPDATE when a tenant's accounts are rescored.
BULK_BATCH = 500


def criterion_points(criterion: SelectionCriterion, value: Decimal | None) -> Decimal:
    """The 0..5 points one value earns on one criterion (unrounded)."""
    if value is None:
        return ZERO
    if criterion.kind == SelectionCriterion.Kind.NUMERIC:
        if not criterion.scale_max or criterion.scale_max <= 0:
            return ZERO
        return min(max(value, ZERO) * FIVE / criterion.scale_max, FIVE)
    return min(max(value, ZERO), FIVE)


def compute_score(criteria: Sequence[SelectionCriterion], values: Mapping[int, Decimal]) -> Decimal:
    """The score for ``values`` (criterion id -> value) under ``criteria``."""
    total_weight = sum((c.weight for c in criteria if c.weight > 0), ZERO)
    if not total_weight:
        return ZERO.quantize(CENT)
    earned = sum(
        (c.weight * criterion_points(c, values.get(c.pk)) for c in criteria if c.weight > 0),
        ZERO,
    )
    return (earned / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def tier_for_score(score: Decimal, tiers: Iterable[Tier]) -> Tier | None:
    """The highest-ranked tier whose minimum score the score reaches."""
    reached = [t for t in tiers if t.min_score <= score]
    return min(reached, key=lambda t: t.rank) if reached else None


def score_breakdown(account: GlobalAccount) -> list[dict]:
    """Per criterion: ``criterion``, ``value`` (None when not assessed), ``weight``,
    ``points`` (0..5, two decimals) and ``weighted`` (its share of the score). Two queries."""
    criteria = list(SelectionCriterion.objects.order_by("order", "name"))
    values = dict(
        CriterionScore.objects.filter(global_account=account).values_list("criterion_id", "value")
    )
    return breakdown_rows(criteria, values)


def breakdown_rows(
    criteria: Sequence[SelectionCriterion], values: Mapping[int, Decimal | None]
) -> list[dict]:
    """``score_breakdown`` of criteria and values the caller has fetched already."""
    total_weight = sum((c.weight for c in criteria if c.weight > 0), ZERO)
    rows = []
    for criterion in criteria:
        value = values.get(criterion.pk)
        points = criterion_points(criterion, value)
        share = (
            criterion.weight * points / total_weight
            if total_weight and criterion.weight > 0
            else ZERO
        )
        rows.append(
            {
                "criterion": criterion,
                "value": value,
                "weight": criterion.weight,
                "points": points.quantize(CENT, rounding=ROUND_HALF_UP),
                "weighted": share.quantize(CENT, rounding=ROUND_HALF_UP),
            }
        )
    return rows


def rescore_account(account: GlobalAccount) -> GlobalAccount:
    """Recompute one account's score and (unless overridden) tier, in memory; the caller
    saves. Three queries."""
    criteria = list(SelectionCriterion.objects.all())
    values = (
        dict(
            CriterionScore.objects.filter(global_account=account).values_list(
                "criterion_id", "value"
            )
        )
        if account.pk
        else {}
    )
    account.score = compute_score(criteria, values)
    if not account.tier_override:
        account.tier = tier_for_score(account.score, Tier.objects.all())
    return account


def rescore_all_accounts() -> int:
    """Recompute score and tier of every global account of the tenant in context, after a
    change of criteria, weights or tier thresholds. A fixed number of queries plus one
    UPDATE per ``BULK_BATCH`` changed accounts, never one per account. Returns how many
    accounts changed."""
    criteria = list(SelectionCriterion.objects.all())
    tiers = list(Tier.objects.all())
    values: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for account_id, criterion_id, value in CriterionScore.objects.values_list(
        "global_account_id", "criterion_id", "value"
    ).iterator(chunk_size=5000):
        values[account_id][criterion_id] = value
    changed = []
    for account in GlobalAccount.objects.only("pk", "score", "tier_id", "tier_override").iterator(
        chunk_size=2000
    ):
        score = compute_score(criteria, values.get(account.pk, {}))
        tier_id = account.tier_id
        if not account.tier_override:
            tier = tier_for_score(score, tiers)
            tier_id = tier.pk if tier else None
        if score != account.score or tier_id != account.tier_id:
            account.score, account.tier_id = score, tier_id
            changed.append(account)
    GlobalAccount.objects.bulk_update(changed, ["score", "tier"], batch_size=BULK_BATCH)
    return len(changed)
