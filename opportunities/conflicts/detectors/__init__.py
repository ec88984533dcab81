"""Duplicate-work detection: where the seller's own countries get in each other's way.

Five kinds from four detectors, one module each, plain functions over the current tenant's
data, each in two forms: a full scan of the tenant and the neighbourhood of a few changed
records (the incremental check queued on commit). Both yield ``Finding``s (``findings``);
``opportunities.conflicts.recording`` turns them into ``Conflict`` rows (idempotent upserts)
and alerts.

Cost stays near linear because nothing is compared all-pairs:

- ``duplicate_customer`` and ``unlinked_group`` (``customers``): group discovery
  (``accounts.matching``, ``accounts.discovery``): blocking keys grouped in SQL, a pair model
  that weighs the evidence, clusters and their entities; one finding per cluster or entity.
- ``parallel_opportunity``: open opportunities grouped by (global account, product line).
- ``campaign_during_negotiation``: campaigns and negotiations merge-joined by global account.
- ``framework_agreement_missed``: open opportunities looked up by (account, country) in the
  coverage of the active agreements.
"""

from __future__ import annotations

from collections.abc import Iterator

from opportunities.conflicts.detectors.agreements import (
    framework_agreement_missed_neighbourhood,
    framework_agreement_missed_scan,
)
from opportunities.conflicts.detectors.campaigns import (
    campaign_during_negotiation_neighbourhood,
    campaign_during_negotiation_scan,
)
from opportunities.conflicts.detectors.customers import (
    CUSTOMER_KINDS,
    customer_neighbourhood,
    customer_scan,
)
from opportunities.conflicts.detectors.findings import (
    NEIGHBOURHOOD_LIMIT,
    Finding,
    Progress,
)
from opportunities.conflicts.detectors.parallel import (
    parallel_opportunity_neighbourhood,
    parallel_opportunity_scan,
)
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Campaign, Opportunity

# --- orchestration --------------------------------------------------------------------------

KINDS = tuple(ConflictKind.values)


def full_scan_findings(kind: str, progress: Progress | None = None) -> Iterator[Finding]:
    if kind in CUSTOMER_KINDS:
        return customer_scan(kind, progress)
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
        found = customer_neighbourhood(record_id)
        for kind in CUSTOMER_KINDS:
            checks.append((kind, [("subsidiary", record_id)], [f for f in found if f.kind == kind]))
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
