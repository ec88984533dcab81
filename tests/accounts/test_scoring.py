"""Score and tier with hand-computed values, the bulk rescore after configuration changes,
and the manual override that records who and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import scoring, services
from accounts.models import GlobalAccount, SelectionCriterion
from gam.models import AuditLogEntry
from tests import factories as f

D = Decimal


@pytest.fixture
def tiers(world, in_tenant):
    w = world
    with in_tenant(w.acme):
        w.premier = services.tier_create(
            actor=w.admin, name="Premier", rank=1, min_score=D("4"), review_interval_days=30
        )
        w.gold = services.tier_create(
            actor=w.admin, name="Gold", rank=2, min_score=D("3"), review_interval_days=60
        )
        w.bronze = services.tier_create(
            actor=w.admin, name="Bronze", rank=4, min_score=D("0"), review_interval_days=180
        )
        # revenue: numeric, 5 points at 100 M; fit: manual 1..5
        w.revenue = services.criterion_create(
            actor=w.admin, name="Revenue", kind="numeric", weight=D("3"), scale_max=D("100000000")
        )
        w.fit = services.criterion_create(actor=w.admin, name="Strategic fit", weight=D("1"))
    return w


def test_score_is_the_weighted_average_of_points(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        account = services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.revenue.pk: D("60000000"), w.fit.pk: D("4")}
        )
        # revenue 60 M of 100 M -> 3 points; (3 × 3 + 1 × 4) / 4 = 3.25 -> Gold
        assert account.score == D("3.25")
        assert account.tier == w.gold
        stored = GlobalAccount.objects.get(pk=w.account.pk)
        assert (stored.score, stored.tier_id) == (D("3.25"), w.gold.pk)


def test_values_above_the_scale_are_capped_and_missing_ones_earn_nothing(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        account = services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.revenue.pk: D("250000000")}
        )
        # revenue capped at 5 points, fit missing: (3 × 5 + 1 × 0) / 4 = 3.75
        assert account.score == D("3.75")
        account = services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.fit.pk: D("5")}
        )
        # (15 + 5) / 4 = 5.00 -> Premier
        assert (account.score, account.tier) == (D("5.00"), w.premier)
        account = services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.revenue.pk: None, w.fit.pk: D("2")}
        )
        # (0 + 2) / 4 = 0.50 -> Bronze
        assert (account.score, account.tier) == (D("0.50"), w.bronze)


def test_rounding_is_half_up_to_cents(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        account = services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.revenue.pk: D("1000000"), w.fit.pk: D("1")}
        )
        # 1 M -> 0.05 points; (0.15 + 1) / 4 = 0.2875 -> 0.29
        assert account.score == D("0.29")


def test_breakdown_shows_points_and_shares(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        services.criterion_scores_set(
            actor=w.gam, account=w.account, values={w.revenue.pk: D("60000000"), w.fit.pk: D("4")}
        )
        rows = scoring.score_breakdown(w.account)
    assert [
        (r["criterion"].name, r["value"], r["weight"], r["points"], r["weighted"]) for r in rows
    ] == [
        ("Revenue", D("60000000.00"), D("3.00"), D("3.00"), D("2.25")),
        ("Strategic fit", D("4.00"), D("1.00"), D("4.00"), D("1.00")),
    ]
    assert sum(r["weighted"] for r in rows) == D("3.25")


def test_bad_values_are_refused_and_change_nothing(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        services.criterion_scores_set(actor=w.gam, account=w.account, values={w.fit.pk: D("3")})
        for values in ({w.fit.pk: D("6")}, {w.fit.pk: D("0")}, {w.revenue.pk: "lots"}, {999999: 1}):
            with pytest.raises(ValidationError):
                services.criterion_scores_set(actor=w.gam, account=w.account, values=values)
        account = GlobalAccount.objects.get(pk=w.account.pk)
        assert account.score == D("0.75")


def test_only_who_may_change_the_account_assesses_it(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        for user in (w.lam_de, w.sponsor, w.rep, w.owner):
            with pytest.raises(PermissionDenied):
                services.criterion_scores_set(actor=user, account=w.account, values={w.fit.pk: 3})


def test_changing_weights_or_thresholds_rescores_every_account_in_bulk(
    tiers, in_tenant, django_assert_max_num_queries
):
    w = tiers
    with in_tenant(w.acme):
        accounts = [w.account] + [f.GlobalAccountFactory(tenant=w.acme) for _ in range(12)]
        for i, account in enumerate(accounts):
            services.criterion_scores_set(
                actor=w.admin, account=account, values={w.fit.pk: D(1 + i % 5)}
            )
        # fit 5 on account 4: (0 + 5) / 4 = 1.25. Make revenue weigh nothing: fit alone counts.
        with django_assert_max_num_queries(12):
            services.criterion_update(actor=w.admin, criterion=w.revenue, weight=D("0"))
        scores = dict(GlobalAccount.objects.values_list("pk", "score"))
        assert scores[accounts[4].pk] == D("5.00")
        assert scores[accounts[0].pk] == D("1.00")
        assert GlobalAccount.objects.get(pk=accounts[4].pk).tier == w.premier
        # a threshold change moves accounts between tiers, also in bulk
        with django_assert_max_num_queries(12):
            services.tier_update(actor=w.admin, tier=w.gold, min_score=D("0.5"))
        tiers_by_pk = dict(GlobalAccount.objects.values_list("pk", "tier_id"))
        assert tiers_by_pk[accounts[0].pk] == w.gold.pk  # 1.00 >= 0.5
        assert tiers_by_pk[accounts[4].pk] == w.premier.pk


def test_query_count_of_a_bulk_rescore_does_not_grow_with_accounts(
    tiers, in_tenant, django_assert_max_num_queries
):
    w = tiers
    with in_tenant(w.acme):
        counts = []
        for n in (3, 30):
            for _ in range(n):
                account = f.GlobalAccountFactory(tenant=w.acme)
                services.criterion_scores_set(actor=w.admin, account=account, values={w.fit.pk: 4})
            with django_assert_max_num_queries(11) as ctx:
                services.criterion_update(
                    actor=w.admin, criterion=w.fit, weight=D(str(2 + len(counts)))
                )
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]


def test_tier_override_records_who_and_why_and_survives_rescoring(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        services.criterion_scores_set(actor=w.gam, account=w.account, values={w.fit.pk: D("2")})
        with pytest.raises(ValidationError) as err:
            services.tier_override_set(actor=w.gam, account=w.account, tier=w.premier, reason=" ")
        assert "reason" in err.value.message_dict
        account = services.tier_override_set(
            actor=w.gam, account=w.account, tier=w.premier, reason="Board decision 2026"
        )
        assert account.tier_override and account.tier_override_by == w.gam
        services.criterion_update(actor=w.admin, criterion=w.fit, weight=D("2"))
        account.refresh_from_db()
        assert account.tier == w.premier  # the override holds
        assert AuditLogEntry.objects.filter(action="global_account.tier_override").exists()
        account = services.tier_override_clear(actor=w.gam, account=account)
        # (0 × 3 + 2 × 2) / 5 = 0.80 -> Bronze
        assert (account.tier, account.tier_override, account.tier_override_by) == (
            w.bronze,
            False,
            None,
        )


def test_changing_the_tier_by_hand_is_an_override(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        account = services.global_account_update(
            actor=w.gam, account=w.account, tier=w.gold, tier_override_reason="Strategic"
        )
        assert account.tier_override and account.tier_override_reason == "Strategic"


def test_deleting_a_tier_returns_its_overridden_accounts_to_their_score(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        services.tier_override_set(actor=w.admin, account=w.account, tier=w.gold, reason="Why")
        services.tier_delete(actor=w.admin, tier=w.gold)
        account = GlobalAccount.objects.get(pk=w.account.pk)
        assert (account.tier, account.tier_override) == (w.bronze, False)


def test_configuration_is_validated(tiers, in_tenant):
    w = tiers
    with in_tenant(w.acme):
        cases = [
            (services.tier_create, {"name": "Premier", "rank": 9}, "name"),
            (services.tier_create, {"name": "Silver", "rank": 1}, "rank"),
            (services.tier_create, {"name": "Silver", "rank": 3, "min_score": D("6")}, "min_score"),
            (services.tier_create, {"name": "", "rank": 3}, "name"),
            (services.criterion_create, {"name": "Profit", "kind": "numeric"}, "scale_max"),
            (services.criterion_create, {"name": "Profit", "weight": D("-1")}, "weight"),
            (services.criterion_create, {"name": "revenue"}, "name"),
            (services.criterion_create, {"name": "X", "kind": "bogus"}, "kind"),
        ]
        for service, kwargs, field in cases:
            with pytest.raises(ValidationError) as err:
                service(actor=w.admin, **kwargs)
            assert field in err.value.message_dict, (kwargs, err.value)
        with pytest.raises(PermissionDenied):
            services.tier_create(actor=w.gam, name="Silver", rank=3)
        assert SelectionCriterion.objects.count() == 2


def test_tier_for_score_picks_the_highest_ranked_tier_reached(tiers):
    w = tiers
    all_tiers = [w.premier, w.gold, w.bronze]
    assert scoring.tier_for_score(D("4.00"), all_tiers) == w.premier
    assert scoring.tier_for_score(D("3.99"), all_tiers) == w.gold
    assert scoring.tier_for_score(D("0"), all_tiers) == w.bronze
    assert scoring.tier_for_score(D("0"), [w.gold]) is None
