"""``campaign_during_negotiation``: a campaign of one country running while another country
negotiates at the same global account."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import attrgetter

from django.db.models import Exists, OuterRef

from opportunities.conflicts.detectors.findings import (
    Finding,
    Progress,
    RecordInfo,
    fetch_rows,
    local_today,
)
from opportunities.conflicts.detectors.parallel import OPPORTUNITY_FIELDS, OppRow
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Campaign, Opportunity, OpportunityStatus, Phase

# --- campaign_during_negotiation ------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "id",
    "name",
    "global_account_id",
    "subsidiary_id",
    "country__code",
    "owner_id",
    "subsidiary__owner_id",
    "starts_on",
    "ends_on",
)


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    global_account_id: int
    subsidiary_id: int
    country: str
    owner_id: int | None
    subsidiary_owner_id: int | None
    starts_on: date
    ends_on: date

    def info(self) -> RecordInfo:
        return RecordInfo(
            type="campaign",
            id=self.id,
            name=self.name,
            country=self.country,
            global_account_id=self.global_account_id,
            owner_id=self.owner_id,
            subsidiary_owner_id=self.subsidiary_owner_id,
        )


NEGOTIATION_FIELDS = (*OPPORTUNITY_FIELDS, "close_date")


@dataclass(frozen=True, slots=True)
class NegotiationRow:
    opp: OppRow
    close_date: date


def _negotiations():
    return Opportunity.objects.filter(
        status=OpportunityStatus.OPEN,
        stage__phase=Phase.NEGOTIATION,
        global_account__isnull=False,
    )


def _live_campaigns(today: date):
    # A campaign that has not ended yet: running now or planned.
    return Campaign.objects.filter(global_account__isnull=False, ends_on__gte=today)


def _negotiation_rows(queryset, *, stream: bool = True) -> Iterator[NegotiationRow]:
    for values in fetch_rows(queryset.values_list(*NEGOTIATION_FIELDS), stream):
        yield NegotiationRow(OppRow(*values[:-1]), values[-1])


def _campaign_rows(queryset, *, stream: bool = True) -> Iterator[CampaignRow]:
    for values in fetch_rows(queryset.values_list(*CAMPAIGN_FIELDS), stream):
        yield CampaignRow(*values)


def _campaign_clash(campaign: CampaignRow, negotiation: NegotiationRow, today: date):
    """The negotiation runs from today until its expected close (today if that has passed);
    the campaign clashes when its window [starts_on, ends_on] overlaps that. A campaign run
    by the negotiating seller themself is their own coordination, not a conflict."""
    negotiation_ends = max(negotiation.close_date, today)
    if campaign.ends_on < today or campaign.starts_on > negotiation_ends:
        return None
    opp = negotiation.opp
    if campaign.owner_id is not None and campaign.owner_id == opp.owner_id:
        return None
    return Finding(
        kind=ConflictKind.CAMPAIGN_DURING_NEGOTIATION,
        records=(campaign.info(), opp.info()),
        global_account_id=campaign.global_account_id,
        reason=(
            f"Campaign in {campaign.country} from {campaign.starts_on} to {campaign.ends_on} "
            f"while a negotiation in {opp.country} runs at the same account"
        )[:200],
        material=(
            (campaign.id, campaign.subsidiary_id, campaign.starts_on, campaign.ends_on),
            (opp.id, opp.global_account_id, opp.owner_id),
        ),
    )


def _clashes(campaigns: Iterable[CampaignRow], negotiations: list[NegotiationRow], today):
    for campaign in campaigns:
        for negotiation in negotiations:
            finding = _campaign_clash(campaign, negotiation, today)
            if finding is not None:
                yield finding


def campaign_during_negotiation_scan(progress: Progress | None = None) -> Iterator[Finding]:
    today = local_today()
    negotiations = _negotiations().filter(
        Exists(_live_campaigns(today).filter(global_account=OuterRef("global_account")))
    )
    campaigns = _live_campaigns(today).filter(
        Exists(_negotiations().filter(global_account=OuterRef("global_account")))
    )
    # Merge join by global account: both streams ordered by it, one account in memory.
    neg_groups = (
        (account_id, list(group))
        for account_id, group in groupby(
            _negotiation_rows(negotiations.order_by("global_account_id", "id")),
            lambda n: n.opp.global_account_id,
        )
    )
    camp_groups = groupby(
        _campaign_rows(campaigns.order_by("global_account_id", "id")),
        attrgetter("global_account_id"),
    )
    current = next(neg_groups, None)
    for account_id, camps in camp_groups:
        while current is not None and current[0] < account_id:
            current = next(neg_groups, None)
        if current is None:
            return
        if current[0] == account_id:
            yield from _clashes(camps, current[1], today)


def campaign_during_negotiation_neighbourhood(
    *, campaign_ids: Iterable[int] = (), opportunity_ids: Iterable[int] = ()
) -> Iterator[Finding]:
    today = local_today()
    campaign_ids, opportunity_ids = list(campaign_ids), list(opportunity_ids)
    if campaign_ids:
        camps = list(
            _campaign_rows(_live_campaigns(today).filter(pk__in=campaign_ids), stream=False)
        )
        accounts = {c.global_account_id for c in camps}
        if accounts:
            negs = list(
                _negotiation_rows(
                    _negotiations().filter(global_account_id__in=accounts), stream=False
                )
            )
            for campaign in camps:
                same = [n for n in negs if n.opp.global_account_id == campaign.global_account_id]
                yield from _clashes([campaign], same, today)
    if opportunity_ids:
        negs = list(_negotiation_rows(_negotiations().filter(pk__in=opportunity_ids), stream=False))
        accounts = {n.opp.global_account_id for n in negs}
        if accounts:
            camps = list(
                _campaign_rows(
                    _live_campaigns(today).filter(global_account_id__in=accounts), stream=False
                )
            )
            for negotiation in negs:
                same = [
                    c for c in camps if c.global_account_id == negotiation.opp.global_account_id
                ]
                yield from _clashes(same, [negotiation], today)
