"""The summary of the stage history on each opportunity (furthest funnel rank, last stage
change), as the services keep it and as ``stage_summaries_refresh`` recomputes it; and the
pipeline board that reads the open and the recently closed deals apart."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.utils import timezone

from gam.tenancy import tenant_context
from opportunities import selectors, services
from opportunities.models import FUNNEL_RANK, Opportunity, StageChange


def _summary(opportunity):
    opportunity.refresh_from_db()
    return opportunity.furthest_phase_rank, opportunity.last_stage_change_at


def test_services_keep_the_furthest_rank_and_the_last_change(sales):
    with tenant_context(sales.acme):
        opp = sales.opp_se
        rank, created_move = _summary(opp)
        first = StageChange.objects.get(opportunity=opp)
        assert (rank, created_move) == (FUNNEL_RANK["proposal"], first.changed_at)

        services.opportunity_update(
            opportunity=opp, actor=sales.gam, stage=sales.stages["negotiation"]
        )
        rank, moved = _summary(opp)
        latest = StageChange.objects.filter(opportunity=opp).latest("changed_at")
        assert (rank, moved) == (FUNNEL_RANK["negotiation"], latest.changed_at)
        assert moved > created_move

        # Lost is an exit: the furthest rank reached stays; an edit without a move keeps
        # the time of the last stage change.
        services.opportunity_update(
            opportunity=opp, actor=sales.gam, stage=sales.stages["closed_lost"]
        )
        lost_at = _summary(opp)[1]
        services.opportunity_update(opportunity=opp, actor=sales.gam, next_step="Call back")
        assert _summary(opp) == (FUNNEL_RANK["negotiation"], lost_at)


def test_refresh_recomputes_the_summary_from_the_history(sales):
    with tenant_context(sales.acme):
        opp = sales.opp_de
        long_ago = timezone.now() - timedelta(days=400)
        StageChange.objects.create(
            opportunity=opp, to_stage=sales.stages["closed_won"], changed_at=long_ago
        )
        StageChange.objects.filter(opportunity=opp).update(changed_at=long_ago)
        Opportunity.objects.filter(pk=opp.pk).update(furthest_phase_rank=0)
        assert services.stage_summaries_refresh(Opportunity.objects.filter(pk=opp.pk)) == 1
        assert _summary(opp) == (FUNNEL_RANK["won"], long_ago)
        # Without any stage change: rank 0 and no time, as for a row never moved.
        StageChange.objects.filter(opportunity=opp).delete()
        services.stage_summaries_refresh(Opportunity.objects.filter(pk=opp.pk))
        assert _summary(opp) == (0, None)
        # Only the given rows change.
        assert _summary(sales.opp_se)[0] == FUNNEL_RANK["proposal"]


def test_board_merges_open_and_recently_closed_deals_in_close_date_order(sales):
    with tenant_context(sales.acme):
        today = timezone.localdate()
        won = sales.stages["closed_won"]
        recent = services.opportunity_create(
            actor=sales.gam,
            name="Won lately",
            subsidiary=sales.sub_se,
            stage=won,
            close_date=today - timedelta(days=10),
        )
        old = services.opportunity_create(
            actor=sales.gam,
            name="Won long ago",
            subsidiary=sales.sub_se,
            stage=won,
            close_date=today - timedelta(days=300),
        )
        Opportunity.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=200))
        late_open = services.opportunity_create(
            actor=sales.gam,
            name="Open, closes late",
            subsidiary=sales.sub_se,
            stage=sales.stages["proposal"],
            close_date=dt.date(2030, 1, 1),
        )
        qs = selectors.opportunities_visible_to(sales.admin)
        columns = selectors.pipeline_board(sales.admin, qs, cards_per_stage=2)
    by_slug = {c["stage"].slug: c for c in columns}
    # The quarter-old win is counted and shown; the old one only in the table.
    assert by_slug["closed_won"]["count"] == 1
    assert [o.name for o in by_slug["closed_won"]["cards"]] == ["Won lately"]
    proposal = by_slug["proposal"]
    assert proposal["count"] == 4  # the three of the fixture and the late one
    # Two cards per stage at most, the earliest close dates first.
    assert len(proposal["cards"]) == 2 and late_open not in proposal["cards"]
    assert recent in by_slug["closed_won"]["cards"]


def _rank(opportunity) -> int:
    with tenant_context(opportunity.tenant):
        return _summary(opportunity)[0]


def test_remapping_a_stage_to_another_phase_moves_the_furthest_rank(sales, api, web):
    # opp_se and opp_de went through "proposal"; mapping that stage to negotiation counts
    # them as having reached negotiation, as the funnel reads each stage's phase now.
    client = api(sales.admin)
    response = client.patch("/api/v1/stages/proposal/", {"phase": "negotiation"}, format="json")
    assert response.status_code == 200
    assert _rank(sales.opp_se) == FUNNEL_RANK["negotiation"]
    # The same through the settings page, back to proposal.
    stage = sales.stages["proposal"]
    response = web(sales.admin).post(
        f"/settings/sales/stages/{stage.pk}/",
        {"slug": "proposal", "name": "Proposal", "phase": "proposal", "order": 3,
         "probability": 50, "country": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert _rank(sales.opp_de) == FUNNEL_RANK["proposal"]
