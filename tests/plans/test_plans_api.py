"""The plan API per role (DESIGN.md's sharing model): who lists, reads and writes plans,
objectives, actions, adaptations, comments and reviews; other tenants; foreign ids; stale
versions; objective progress against hand-computed values; review cadence; query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.plans import selectors as plan_selectors
from accounts.plans import services as plan_services
from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from tests import factories as f
from tests.plans import plan_world

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner", "other_admin"]
TEAM = {"admin", "gam", "lam_de", "sponsor"}


@pytest.fixture
def plans(world):
    return plan_world.build(world)


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_details_follow_the_sharing_model(plans, api, role):
    w = plans
    client = api(getattr(w, role))
    on_team = role in TEAM
    endpoints = {
        "plans": {w.plan.pk},
        "plan-objectives": {w.obj_all.pk, w.obj_de.pk, w.obj_se.pk},
        "plan-actions": {w.act_de.pk, w.act_all.pk, w.act_se.pk},
        "plan-adaptations": {w.ad_de.pk, w.ad_se.pk},
        "plan-comments": {w.comment.pk},
        "plan-reviews": {w.review.pk},
    }
    for endpoint, ids in endpoints.items():
        listed = _ids(client.get(f"/api/v1/{endpoint}/"))
        if role == "other_admin":
            assert w.plan.pk not in listed or endpoint != "plans"
            assert not listed & ids, endpoint
        else:
            assert listed == (ids if on_team else set()), endpoint
        for pk in ids:
            expected = 200 if on_team else 404
            assert client.get(f"/api/v1/{endpoint}/{pk}/").status_code == expected, endpoint


def test_other_tenant_sees_only_its_own_plan(plans, api):
    client = api(plans.other_admin)
    assert _ids(client.get("/api/v1/plans/")) == {plans.other_plan.pk}
    assert _ids(client.get("/api/v1/plan-objectives/")) == {plans.other_objective.pk}
    assert _ids(client.get("/api/v1/plan-comments/")) == {plans.other_comment.pk}
    for url in [
        f"/api/v1/plans/{plans.plan.pk}/",
        f"/api/v1/plans/{plans.plan.pk}/versions/",
        f"/api/v1/plan-actions/{plans.act_de.pk}/",
    ]:
        assert client.get(url).status_code == 404
        assert client.patch(url, {"title": "x"}, format="json").status_code in (404, 405)
    assert client.delete(f"/api/v1/plan-actions/{plans.act_de.pk}/").status_code == 404


def test_plan_fields_and_review_dates(plans, api):
    data = api(plans.gam).get(f"/api/v1/plans/{plans.plan.pk}/").json()
    assert data["global_account"] == plans.account.pk
    assert data["version"] == 2
    assert data["competition"].startswith("Grundfos-like")
    assert data["last_review"] == "2026-09-15"
    assert data["next_review"] == "2026-11-14"  # 15 September + 60 days (Gold)
    today = timezone.localdate()
    assert data["review_overdue"] is (date(2026, 11, 14) < today)


def test_filters(plans, api):
    client = api(plans.gam)
    assert _ids(client.get("/api/v1/plan-objectives/?country=de")) == {plans.obj_de.pk}
    assert _ids(client.get(f"/api/v1/plan-actions/?owner={plans.lam_de.pk}")) == {plans.act_de.pk}
    assert _ids(client.get("/api/v1/plan-actions/?status=done")) == {plans.act_se.pk}
    assert _ids(client.get(f"/api/v1/plan-adaptations/?plan={plans.plan.pk}&country=SE")) == {
        plans.ad_se.pk
    }
    assert _ids(client.get(f"/api/v1/plans/?global_account={plans.account.pk}")) == {plans.plan.pk}
    assert _ids(client.get("/api/v1/plans/?search=volv")) == {plans.plan.pk}
    assert _ids(client.get("/api/v1/plans/?search=nothing")) == set()
    assert _ids(client.get(f"/api/v1/plan-comments/?global_account={plans.account.pk}")) == {
        plans.comment.pk
    }


def test_overdue_filters(plans, api, in_tenant):
    client = api(plans.gam)
    today = timezone.localdate()
    overdue = {plans.act_de.pk} if plans.act_de.due_date < today else set()
    assert _ids(client.get("/api/v1/plan-actions/?overdue=true")) == overdue
    with in_tenant(plans.acme):
        PlanReview.objects.filter(plan=plans.plan).update(held_on=today - timedelta(days=61))
    assert _ids(client.get("/api/v1/plans/?review_overdue=true")) == {plans.plan.pk}
    with in_tenant(plans.acme):
        PlanReview.objects.filter(plan=plans.plan).update(held_on=today - timedelta(days=59))
    assert _ids(client.get("/api/v1/plans/?review_overdue=true")) == set()
    assert _ids(client.get("/api/v1/plans/?review_overdue=false")) == {plans.plan.pk}


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("gam", 200),
        ("lam_de", 403),
        ("sponsor", 403),
        ("rep", 404),
        ("owner", 404),
        ("other_admin", 404),
    ],
)
def test_only_the_gam_and_admin_change_the_strategy(plans, api, in_tenant, role, expected):
    response = api(getattr(plans, role)).patch(
        f"/api/v1/plans/{plans.plan.pk}/", {"strategy": f"by {role}"}, format="json"
    )
    assert response.status_code == expected
    with in_tenant(plans.acme):
        stored = AccountPlan.objects.get(pk=plans.plan.pk)
    assert (stored.strategy == f"by {role}") is (expected == 200)


@pytest.mark.parametrize(
    ("role", "de", "se", "whole"),
    [
        ("admin", 201, 201, 201),
        ("gam", 201, 201, 201),
        ("lam_de", 201, 403, 403),  # their country only
        ("sponsor", 403, 403, 403),
        ("rep", 400, 400, 400),  # the plan is not theirs to see: "does not exist"
        ("other_admin", 400, 400, 400),
    ],
)
def test_who_adds_objectives_actions_and_adaptations(plans, api, in_tenant, role, de, se, whole):
    client = api(getattr(plans, role))
    for country, expected in [("DE", de), ("SE", se), (None, whole)]:
        body = {"plan": plans.plan.pk, "title": f"{role} {country}", "country": country}
        response = client.post("/api/v1/plan-objectives/", body, format="json")
        assert response.status_code == expected, (country, response.content)
        response = client.post("/api/v1/plan-actions/", body, format="json")
        assert response.status_code == expected, (country, response.content)
    with in_tenant(plans.acme):
        LocalAdaptation.objects.all().delete()
    for country, expected in [("DE", de), ("SE", se)]:
        body = {"plan": plans.plan.pk, "country": country, "notes": "Adapted"}
        assert client.post("/api/v1/plan-adaptations/", body, format="json").status_code == (
            expected
        )
    with in_tenant(plans.acme):
        made = set(PlanObjective.objects.filter(title__startswith=role).values_list("title"))
    assert len(made) == [de, se, whole].count(201)


@pytest.mark.parametrize(
    ("role", "de", "se"),
    [
        ("admin", 200, 200),
        ("gam", 200, 200),
        ("lam_de", 200, 403),
        ("sponsor", 403, 403),
        ("rep", 404, 404),
        ("other_admin", 404, 404),
    ],
)
def test_who_changes_and_deletes_items(plans, api, in_tenant, role, de, se):
    client = api(getattr(plans, role))
    for endpoint, item_de, item_se, change in [
        ("plan-objectives", plans.obj_de, plans.obj_se, {"title": "changed"}),
        ("plan-actions", plans.act_de, plans.act_se, {"status": "in_progress"}),
        ("plan-adaptations", plans.ad_de, plans.ad_se, {"notes": "changed"}),
    ]:
        for item, expected in [(item_de, de), (item_se, se)]:
            url = f"/api/v1/{endpoint}/{item.pk}/"
            assert client.patch(url, change, format="json").status_code == expected, url
    deleted = {204: True, 200: True}.get(de, False)
    assert (client.delete(f"/api/v1/plan-actions/{plans.act_de.pk}/").status_code == 204) is (
        deleted
    )
    assert client.delete(f"/api/v1/plan-actions/{plans.act_se.pk}/").status_code == (
        204 if se == 200 else se
    )
    with in_tenant(plans.acme):
        assert PlanAction.objects.filter(pk=plans.act_de.pk).exists() is not deleted


def test_a_local_account_manager_cannot_move_an_item_out_of_their_country(plans, api, in_tenant):
    client = api(plans.lam_de)
    for endpoint, item in [
        ("plan-objectives", plans.obj_de),
        ("plan-actions", plans.act_de),
        ("plan-adaptations", plans.ad_de),
    ]:
        for country in ["SE", None]:
            response = client.patch(
                f"/api/v1/{endpoint}/{item.pk}/", {"country": country}, format="json"
            )
            assert response.status_code in (400, 403), (endpoint, country)
    with in_tenant(plans.acme):
        assert PlanObjective.objects.get(pk=plans.obj_de.pk).country == plans.de
        assert PlanAction.objects.get(pk=plans.act_de.pk).country == plans.de


def test_items_stay_in_their_plan(plans, api, in_tenant):
    with in_tenant(plans.acme):
        group = f.GlobalAccountFactory(tenant=plans.acme, name="Second Group")
        second = plan_services.plan_create(account=group, actor=plans.admin)
    response = api(plans.admin).patch(
        f"/api/v1/plan-objectives/{plans.obj_de.pk}/", {"plan": second.pk}, format="json"
    )
    assert response.status_code == 200
    with in_tenant(plans.acme):
        assert PlanObjective.objects.get(pk=plans.obj_de.pk).plan_id == plans.plan.pk
    # An action cannot hang off another plan's objective.
    with in_tenant(plans.acme):
        foreign_objective = plan_services.objective_create(plan=second, actor=None, title="x")
    response = api(plans.admin).post(
        "/api/v1/plan-actions/",
        {"plan": plans.plan.pk, "title": "Mixed", "objective": foreign_objective.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "objective" in response.json()


@pytest.mark.parametrize(
    ("role", "comment", "review"),
    [
        ("admin", 201, 201),
        ("gam", 201, 403),
        ("lam_de", 201, 403),
        ("sponsor", 201, 201),
        ("rep", 400, 400),
        ("other_admin", 400, 400),
    ],
)
def test_the_team_comments_and_the_sponsor_reviews(plans, api, in_tenant, role, comment, review):
    client = api(getattr(plans, role))
    response = client.post(
        "/api/v1/plan-comments/", {"plan": plans.plan.pk, "body": f"from {role}"}, format="json"
    )
    assert response.status_code == comment
    if comment == 201:
        assert response.json()["author"] == getattr(plans, role).pk
    response = client.post(
        "/api/v1/plan-reviews/",
        {"plan": plans.plan.pk, "notes": "Reviewed", "decisions": "Go on"},
        format="json",
    )
    assert response.status_code == review, response.content
    if review == 201:
        assert response.json()["reviewer"] == getattr(plans, role).pk
        assert response.json()["held_on"] == timezone.localdate().isoformat()
    with in_tenant(plans.acme):
        assert PlanReview.objects.filter(notes="Reviewed").exists() is (review == 201)


def test_only_the_author_changes_a_comment(plans, api, in_tenant):
    url = f"/api/v1/plan-comments/{plans.comment.pk}/"  # the sponsor's
    assert api(plans.lam_de).patch(url, {"body": "x"}, format="json").status_code == 403
    assert api(plans.lam_de).delete(url).status_code == 403
    assert api(plans.sponsor).patch(url, {"body": "Edited"}, format="json").status_code == 200
    assert api(plans.gam).delete(url).status_code == 204  # the GAM moderates
    with in_tenant(plans.acme):
        assert not PlanComment.objects.filter(pk=plans.comment.pk).exists()


def test_reviews_are_changed_by_their_reviewer_and_deleted_by_an_admin(plans, api):
    url = f"/api/v1/plan-reviews/{plans.review.pk}/"
    assert api(plans.gam).patch(url, {"notes": "x"}, format="json").status_code == 403
    assert api(plans.sponsor).patch(url, {"decisions": "More"}, format="json").status_code == 200
    assert api(plans.sponsor).delete(url).status_code == 403
    assert api(plans.admin).delete(url).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"held_on": "2099-01-01", "notes": "x"}, "held_on"),
        ({"held_on": "2026-01-15", "notes": "x"}, "held_on"),  # before the plan existed
        ({"notes": "", "decisions": ""}, "notes"),
        ({"held_on": "yesterday", "notes": "x"}, "held_on"),
    ],
)
def test_bad_reviews_are_400(plans, api, in_tenant, body, field):
    response = api(plans.sponsor).post(
        "/api/v1/plan-reviews/", {"plan": plans.plan.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    with in_tenant(plans.acme):
        assert PlanReview.objects.count() == 1


@pytest.mark.parametrize(
    ("endpoint", "body", "field"),
    [
        ("plan-objectives", lambda w: {"plan": w.other_plan.pk, "title": "x"}, "plan"),
        ("plan-objectives", lambda w: {"plan": 999999, "title": "x"}, "plan"),
        ("plan-objectives", lambda w: {"plan": w.plan.pk, "title": "x", "country": "US"},
         "country"),
        ("plan-objectives", lambda w: {"plan": w.plan.pk, "title": "x",
                                       "product_line": f.ProductLineFactory(
                                           tenant=w.globex, name="Globex widgets").pk},
         "product_line"),
        ("plan-objectives", lambda w: {"plan": w.plan.pk, "title": "x", "target_amount": "-5"},
         "target_amount"),
        ("plan-actions", lambda w: {"plan": w.plan.pk, "title": "x", "owner": w.other_admin.pk},
         "owner"),
        ("plan-actions", lambda w: {"plan": w.plan.pk, "title": "x",
                                    "objective": w.other_objective.pk}, "objective"),
        ("plan-actions", lambda w: {"plan": w.plan.pk, "title": "x", "status": "maybe"},
         "status"),
        ("plan-adaptations", lambda w: {"plan": w.plan.pk, "country": "DE", "notes": "again"},
         "country"),
        ("plan-adaptations", lambda w: {"plan": w.plan.pk, "country": "FR", "notes": ""},
         "notes"),
        ("plan-comments", lambda w: {"plan": w.other_plan.pk, "body": "x"}, "plan"),
        ("plan-comments", lambda w: {"plan": w.plan.pk, "body": "   "}, "body"),
        ("plan-reviews", lambda w: {"plan": w.other_plan.pk, "notes": "x"}, "plan"),
    ],
)  # fmt: skip
def test_foreign_ids_and_bad_input_are_400_and_save_nothing(
    plans, api, in_tenant, endpoint, body, field
):
    with in_tenant(plans.acme):
        before = [
            m.objects.count()
            for m in (PlanObjective, PlanAction, LocalAdaptation, PlanComment, PlanReview)
        ]
    response = api(plans.admin).post(f"/api/v1/{endpoint}/", body(plans), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    with in_tenant(plans.acme):
        after = [
            m.objects.count()
            for m in (PlanObjective, PlanAction, LocalAdaptation, PlanComment, PlanReview)
        ]
    assert after == before


def test_creating_a_plan(world, api, in_tenant):
    with in_tenant(world.acme):
        group = f.GlobalAccountFactory(tenant=world.acme, name="Second Group")
    body = {"global_account": world.account.pk, "business_goals": "Grow"}
    assert api(world.lam_de).post("/api/v1/plans/", body, format="json").status_code == 403
    assert api(world.rep).post("/api/v1/plans/", body, format="json").status_code == 400
    other = {"global_account": world.other_account.pk}
    assert api(world.admin).post("/api/v1/plans/", other, format="json").status_code == 400
    response = api(world.gam).post("/api/v1/plans/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    # No tier: reviewed at the default cadence from the plan's creation.
    created = timezone.localdate()
    assert response.json()["next_review"] == (created + timedelta(days=90)).isoformat()
    again = api(world.gam).post("/api/v1/plans/", body, format="json")
    assert again.status_code == 400
    assert (
        api(world.gam)
        .post("/api/v1/plans/", {"global_account": group.pk}, format="json")
        .status_code
        == 400
    )  # not on that team: for the GAM that plan cannot exist
    assert (
        api(world.admin)
        .post("/api/v1/plans/", {"global_account": group.pk}, format="json")
        .status_code
        == 201
    )


# --- versions and concurrency ---------------------------------------------------------------


def test_stale_version_is_409_and_saves_nothing(plans, api, in_tenant):
    url = f"/api/v1/plans/{plans.plan.pk}/"
    client = api(plans.gam)
    assert client.patch(url, {"strategy": "A", "version": 2}, format="json").status_code == 200
    response = client.patch(url, {"strategy": "B", "version": 2}, format="json")
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    response = client.patch(url, {"strategy": "C"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 409
    with in_tenant(plans.acme):
        assert AccountPlan.objects.get(pk=plans.plan.pk).strategy == "A"
    response = client.patch(url, {"strategy": "D"}, format="json", HTTP_IF_MATCH='"3"')
    assert response.status_code == 200
    assert response.json()["version"] == 4


def test_versions_list_what_changed(plans, api):
    client = api(plans.gam)
    client.patch(
        f"/api/v1/plans/{plans.plan.pk}/",
        {"strategy": "Win the group frame for valves; land service contracts locally."},
        format="json",
    )
    versions = client.get(f"/api/v1/plans/{plans.plan.pk}/versions/").json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[0]["saved_by"] == plans.gam.pk
    assert versions[0]["changes"] == [
        {
            "field": "strategy",
            "old": "Win the group frame for pumps; land service contracts locally.",
            "new": "Win the group frame for valves; land service contracts locally.",
        }
    ]
    assert [c["field"] for c in versions[1]["changes"]] == ["competition"]
    assert {c["field"] for c in versions[2]["changes"]} == {"business_goals", "strategy"}


def test_word_diff():
    assert plan_selectors.word_diff("win the pumps frame", "win the valves frame") == [
        ("same", "win the "),
        ("del", "pumps"),
        ("ins", "valves"),
        ("same", " frame"),
    ]


# --- objective progress ----------------------------------------------------------------------


def test_objective_progress_against_hand_computed_values(plans, api):
    rows = {
        r["id"]: (r["achieved"], r["percent"])
        for r in api(plans.gam).get("/api/v1/plan-objectives/").json()["results"]
    }
    # whole account: 8 700 (100 000 SEK × 0.087) + 20 000 + 5 000 + 4 350 (50 000 SEK)
    assert rows[plans.obj_all.pk] == ("38050.00", "38.1")
    # Germany, pumps: the 20 000 won (the lost 90 000 and the open 70 000 do not count)
    assert rows[plans.obj_de.pk] == ("20000.00", "40.0")
    # Sweden up to 30 June: the March deal only
    assert rows[plans.obj_se.pk] == ("8700.00", "87.0")
    detail = api(plans.gam).get(f"/api/v1/plan-objectives/{plans.obj_se.pk}/").json()
    assert (detail["achieved"], detail["percent"]) == ("8700.00", "87.0")


def test_progress_counts_only_won_deals_the_user_may_see(plans, in_tenant):
    with in_tenant(plans.acme):
        objectives = list(PlanObjective.objects.select_related("plan"))
        admin = plan_selectors.objectives_progress(plans.admin, objectives)
        rep = plan_selectors.objectives_progress(plans.rep, objectives)
    assert admin[plans.obj_all.pk].achieved == Decimal("38050.00")
    assert rep[plans.obj_all.pk].achieved == Decimal("0.00")


def test_objective_without_target_has_no_percent(plans, api, in_tenant):
    with in_tenant(plans.acme):
        objective = plan_services.objective_create(
            plan=plans.plan, actor=plans.gam, title="Valves anywhere", product_line=plans.valves
        )
    data = api(plans.gam).get(f"/api/v1/plan-objectives/{objective.pk}/").json()
    assert data["achieved"] == "5000.00" and data["percent"] is None


# --- review cadence -------------------------------------------------------------------------


@pytest.mark.parametrize(("interval", "tiered"), [(30, True), (60, True), (180, True), (90, False)])
def test_review_cadence_follows_the_tier(plans, api, in_tenant, interval, tiered):
    with in_tenant(plans.acme):
        if tiered:
            plans.tier.review_interval_days = interval
            plans.tier.save()
        else:
            plans.account.tier = None
            plans.account.save(update_fields=["tier"])
        PlanReview.objects.all().delete()
    client = api(plans.sponsor)
    url = f"/api/v1/plans/{plans.plan.pk}/"
    # No review yet: due one interval after the plan was made (2026-03-01).
    assert (
        client.get(url).json()["next_review"]
        == (date(2026, 3, 1) + timedelta(days=interval)).isoformat()
    )
    held = timezone.localdate() - timedelta(days=3)
    response = client.post(
        "/api/v1/plan-reviews/",
        {"plan": plans.plan.pk, "held_on": held.isoformat(), "notes": "ok"},
        format="json",
    )
    assert response.status_code == 201
    expected = held + timedelta(days=interval)
    assert client.get(url).json()["next_review"] == expected.isoformat()
    with in_tenant(plans.acme):
        plan = AccountPlan.objects.select_related("global_account__tier").get(pk=plans.plan.pk)
        assert plan_services.next_review_date(plan) == expected  # Python and SQL agree
        # An older review recorded later does not move the date back.
        plan_services.review_record(
            plan=plan, reviewer=plans.sponsor, held_on=held - timedelta(days=10), notes="late"
        )
        assert plan_selectors.next_review_of(plans.account) == expected


def test_overdue_reviews_and_actions_for_the_gam_and_sponsor(plans, in_tenant):
    today = date(2026, 12, 1)
    with in_tenant(plans.acme):
        for user, reviews, actions in [
            (plans.gam, [plans.account.pk], [plans.act_de.pk]),
            (plans.sponsor, [plans.account.pk], [plans.act_de.pk]),
            (plans.lam_de, [], [plans.act_de.pk]),  # their own action
            (plans.rep, [], []),
        ]:
            got = plan_selectors.overdue_reviews_for(user, today=today)
            assert [a.pk for a in got] == reviews, user
            got = plan_selectors.overdue_actions_for(user, today=today)
            assert [a.pk for a in got] == actions, user
        # Before 14 November the review is not due and the action not late.
        assert not plan_selectors.overdue_reviews_for(plans.gam, today=date(2026, 10, 1))
        assert not plan_selectors.overdue_actions_for(plans.gam, today=date(2026, 10, 1))


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "plans",
        "plan-objectives",
        "plan-actions",
        "plan-adaptations",
        "plan-comments",
        "plan-reviews",
    ],
)
def test_list_endpoints_have_constant_query_counts(
    plans, api, in_tenant, django_assert_max_num_queries, endpoint
):
    client = api(plans.gam)
    client.get(f"/api/v1/{endpoint}/")  # token lookup warmed
    with in_tenant(plans.acme):
        for i in range(25):
            plan_services.objective_create(
                plan=plans.plan, actor=plans.gam, title=f"O{i}", target_amount=Decimal(1000),
                country=plans.de if i % 2 else None, product_line=plans.pumps if i % 3 else None,
            )  # fmt: skip
            plan_services.action_create(
                plan=plans.plan, actor=plans.gam, title=f"A{i}", owner=plans.lam_de
            )
            plan_services.comment_add(plan=plans.plan, author=plans.lam_de, body=f"C{i}")
            PlanReview.objects.create(plan=plans.plan, reviewer=plans.sponsor, notes=f"R{i}")
            group = f.GlobalAccountFactory(tenant=plans.acme, name=f"Group {i}")
            plan = plan_services.plan_create(account=group, actor=plans.admin)
            plan_services.adaptation_create(plan=plan, actor=plans.admin, country=plans.fr,
                                            notes="x")  # fmt: skip
    client = api(plans.admin)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.json()["count"] >= 25


# (list, filter, attribute of the foreign object, attribute of an own one)
FOREIGN_FILTERS = [
    ("plans", "global_account", "other_account", "account"),
    ("plan-objectives", "plan", "other_plan", "plan"),
    ("plan-objectives", "global_account", "other_account", "account"),
    ("plan-actions", "owner", "other_admin", "gam"),
    ("plan-actions", "objective", "other_objective", "obj_de"),
    ("plan-adaptations", "plan", "other_plan", "plan"),
    ("plan-comments", "author", "other_admin", "gam"),
    ("plan-reviews", "reviewer", "other_admin", "gam"),
]


@pytest.mark.parametrize(("path", "name", "foreign_attr", "own_attr"), FOREIGN_FILTERS)
def test_a_foreign_id_in_a_filter_is_400(plans, api, path, name, foreign_attr, own_attr):
    w = plans
    client = api(w.admin)
    response = client.get(f"/api/v1/{path}/?{name}={getattr(w, foreign_attr).pk}")
    assert response.status_code == 400, (path, name, response.status_code)
    assert name in response.json()
    assert client.get(f"/api/v1/{path}/?{name}={getattr(w, own_attr).pk}").status_code == 200
    assert client.get(f"/api/v1/{path}/?{name}=99999999").status_code == 400
    assert client.get(f"/api/v1/{path}/?{name}=x").status_code == 400
