"""``framework_agreement_missed``: an open opportunity in a country an active framework
agreement of its account covers, not referencing the agreement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q

from accounts.models import FrameworkAgreement
from opportunities.conflicts.detectors.findings import (
    Finding,
    Progress,
    RecordInfo,
    local_today,
)
from opportunities.conflicts.detectors.parallel import OppRow, opp_rows
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Opportunity, OpportunityStatus

# --- framework_agreement_missed -------------------------------------------------------------

Coverage = FrameworkAgreement.countries.through


def _active_agreements(today: date):
    return FrameworkAgreement.objects.filter(valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


@dataclass(frozen=True, slots=True)
class AgreementRow:
    id: int
    name: str
    global_account_id: int
    valid_from: date
    valid_until: date | None

    def info(self) -> RecordInfo:
        return RecordInfo(
            type="framework_agreement",
            id=self.id,
            name=self.name,
            country="",
            global_account_id=self.global_account_id,
        )


def _coverage(agreements) -> tuple[dict[tuple[int, int], list[AgreementRow]], dict[int, tuple]]:
    """{(global account, country): [active agreements covering it]} and each agreement's
    covered countries (ids), from the agreements' country lists."""
    rows = {
        a[0]: AgreementRow(*a)
        for a in agreements.values_list(
            "id", "name", "global_account_id", "valid_from", "valid_until"
        )
    }
    cover: dict[tuple[int, int], list[AgreementRow]] = defaultdict(list)
    countries: dict[int, list] = defaultdict(list)
    if rows:
        through = Coverage.objects.filter(frameworkagreement_id__in=list(rows)).order_by(
            "frameworkagreement_id", "country_id"
        )
        for agreement_id, country_id in through.values_list("frameworkagreement_id", "country_id"):
            agreement = rows[agreement_id]
            cover[(agreement.global_account_id, country_id)].append(agreement)
            countries[agreement_id].append(country_id)
    return cover, {k: tuple(v) for k, v in countries.items()}


def _missed(opp: OppRow, cover, countries) -> Iterator[Finding]:
    agreements = cover.get((opp.global_account_id, opp.country_id), [])
    if not agreements or opp.framework_agreement_id in {a.id for a in agreements}:
        return
    for agreement in agreements:
        yield Finding(
            kind=ConflictKind.FRAMEWORK_AGREEMENT_MISSED,
            records=(opp.info(), agreement.info()),
            global_account_id=opp.global_account_id,
            reason=(
                f"Open opportunity in {opp.country} does not reference the active "
                f"framework agreement that covers {opp.country}"
            )[:200],
            material=(
                (opp.id, opp.global_account_id, opp.country_id, opp.framework_agreement_id),
                (
                    agreement.id,
                    agreement.valid_from,
                    agreement.valid_until,
                    countries.get(agreement.id, ()),
                ),
            ),
            countries=(opp.country,),
        )


def _open_opportunities_at_accounts():
    return Opportunity.objects.filter(status=OpportunityStatus.OPEN, global_account__isnull=False)


def framework_agreement_missed_scan(progress: Progress | None = None) -> Iterator[Finding]:
    today = local_today()
    active = _active_agreements(today)
    cover, countries = _coverage(active)
    if not cover:
        return
    covered = Coverage.objects.filter(
        frameworkagreement__in=active,
        frameworkagreement__global_account=OuterRef("global_account"),
        country=OuterRef("country"),
    )
    opps = _open_opportunities_at_accounts().filter(Exists(covered)).order_by("id")
    for opp in opp_rows(opps):
        yield from _missed(opp, cover, countries)


def framework_agreement_missed_neighbourhood(
    *, opportunity_ids: Iterable[int] = (), agreement_id: int | None = None
) -> Iterator[Finding]:
    today = local_today()
    opportunity_ids = list(opportunity_ids)
    if opportunity_ids:
        opps = list(
            opp_rows(_open_opportunities_at_accounts().filter(pk__in=opportunity_ids), stream=False)
        )
        accounts = {o.global_account_id for o in opps}
        if accounts:
            cover, countries = _coverage(
                _active_agreements(today).filter(global_account_id__in=accounts)
            )
            for opp in opps:
                yield from _missed(opp, cover, countries)
    if agreement_id is not None:
        cover, countries = _coverage(_active_agreements(today).filter(pk=agreement_id))
        if cover:
            (account_id,) = {account for account, _country in cover}
            covered_countries = [country for _account, country in cover]
            opps = _open_opportunities_at_accounts().filter(
                global_account_id=account_id, country_id__in=covered_countries
            )
            for opp in opp_rows(opps.order_by("id"), stream=False):
                yield from _missed(opp, cover, countries)
