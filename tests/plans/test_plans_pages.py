"""The plan pages per role: the plan of an account, its forms, the sponsor's review form,
versions, the list with CSV; other tenants; foreign ids in forms; a stale version gets a
clear message; overdue reviews and actions on the home and my-accounts pages; query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.plans import services as plan_services
from accounts.plans.models import AccountPlan, PlanAction, PlanComment, PlanObjective, PlanReview
from tests import factories as f
from tests.plans import plan_world


@pytest.fixture
def plans(world):
    return plan_world.build(world)


def _pages(w):
    a = w.account.pk
    return [
        f"/global-accounts/{a}/plan/",
        f"/global-accounts/{a}/plan/versions/",
        f"/global-accounts/{a}/plan/edit/",
        f"/global-accounts/{a}/plan/objective/new/",
        f"/plans/objective/{w.obj_de.pk}/edit/",
        f"/plans/action/{w.act_se.pk}/edit/",
        f"/plans/adaptation/{w.ad_de.pk}/edit/",
        f"/global-accounts/{a}/plan/review/",
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", [200, 200, 200, 200, 200, 200, 200, 200]),
        ("gam", [200, 200, 200, 200, 200, 200, 200, 403]),
        ("lam_de", [200, 200, 403, 200, 200, 403, 200, 403]),
        ("sponsor", [200, 200, 403, 403, 403, 403, 403, 200]),
        ("rep", [404] * 8),
        ("owner", [404] * 8),
        ("other_admin", [404] * 8),
    ],
)
def test_plan_pages_follow_the_sharing_model(plans, web, role, expected):
    client = web(getattr(plans, role))
    assert [client.get(url).status_code for url in _pages(plans)] == expected


def test_plan_page_shows_the_whole_plan(plans, web):
    response = web(plans.lam_de).get(f"/global-accounts/{plans.account.pk}/plan/")
    body = response.content.decode()
    for text in [
        "Cut energy use in all plants by 20% by 2028.",  # business goals
        "Grundfos-like incumbents in DE",  # competition
        "Pumps in Germany",
        "Meet the Stuttgart plant manager",
        "Works council must agree first.",
        "Central purchasing in Göteborg.",
        "Looks solid.",
        "On track.",
        "2026-11-14",  # next review: 15 September + 60 days
        "2 versions",
    ]:
        assert text in body, text
    # The LAM edits German items only, and adds but does not rewrite the strategy.
    assert f"/plans/objective/{plans.obj_de.pk}/edit/" in body
    assert f"/plans/objective/{plans.obj_se.pk}/edit/" not in body
    assert f"/plans/objective/{plans.obj_all.pk}/edit/" not in body
    assert f"/global-accounts/{plans.account.pk}/plan/edit/" not in body
    assert "Record a review" not in body
    progress = {o.pk: o.progress for o in response.context["objectives"]}
    assert progress[plans.obj_de.pk].percent == Decimal("40.0")
    assert progress[plans.obj_all.pk].achieved == Decimal("38050.00")


def test_overdue_actions_are_highlighted(plans, web, in_tenant):
    with in_tenant(plans.acme):
        PlanAction.objects.filter(pk=plans.act_de.pk).update(
            due_date=timezone.localdate() - timedelta(days=2)
        )
    response = web(plans.gam).get(f"/global-accounts/{plans.account.pk}/plan/")
    overdue = [a.pk for a in response.context["actions"] if a.overdue]
    assert overdue == [plans.act_de.pk]  # act_se is done, act_all not yet due
    assert 'class="row-overdue"' in response.content.decode()


def test_an_account_without_plan(world, web, in_tenant):
    url = f"/global-accounts/{world.account.pk}/plan/"
    assert "Write the account plan" in web(world.gam).get(url).content.decode()
    body = web(world.sponsor).get(url).content.decode()
    assert "no plan yet" in body and "Write the account plan" not in body
    assert web(world.rep).get(url).status_code == 404
    response = web(world.gam).post(
        f"/global-accounts/{world.account.pk}/plan/edit/",
        {"business_goals": "Grow in the Nordics", "situation": "", "decision_makers": "",
         "buying_strategy": "", "competition": "", "strategy": ""},
    )  # fmt: skip
    assert response.status_code == 302
    with in_tenant(world.acme):
        assert AccountPlan.objects.get(global_account=world.account).version == 1
    assert web(world.sponsor).get(f"{url}objective/new/").status_code == 403


def _plan_form(w, **extra):
    data = {
        "business_goals": "Goals",
        "situation": "",
        "decision_makers": "",
        "buying_strategy": "",
        "competition": "",
        "strategy": "",
        "version": "2",
    }
    data.update(extra)
    return data


def test_stale_version_gets_a_clear_message_and_saves_nothing(plans, web, in_tenant):
    url = f"/global-accounts/{plans.account.pk}/plan/edit/"
    client = web(plans.gam)
    assert client.post(url, _plan_form(plans, strategy="Mine")).status_code == 302
    response = client.post(url, _plan_form(plans, strategy="Theirs"))  # read version 2
    assert response.status_code == 200
    body = response.content.decode()
    assert "changed by someone else since you opened it" in body
    with in_tenant(plans.acme):
        plan = AccountPlan.objects.get(pk=plans.plan.pk)
    assert plan.strategy == "Mine" and plan.version == 3


def test_versions_page_shows_the_diff(plans, web):
    web(plans.gam).post(
        f"/global-accounts/{plans.account.pk}/plan/edit/",
        _plan_form(
            plans,
            business_goals="Cut energy use in all plants by 30% by 2028.",
            strategy="Win the group frame for pumps; land service contracts locally.",
            competition="Grundfos-like incumbents in DE; local firms in SE.",
        ),
    )
    body = web(plans.sponsor).get(f"/global-accounts/{plans.account.pk}/plan/versions/")
    text = body.content.decode()
    assert "Version 3" in text and "Version 1" in text
    assert "<del>20%</del><ins>30%</ins>" in text


@pytest.mark.parametrize(
    ("role", "country", "saved"),
    [("gam", "", True), ("lam_de", "DE", True), ("lam_de", "SE", False), ("lam_de", "", False)],
)
def test_item_forms_respect_the_country(plans, web, in_tenant, role, country, saved):
    countries = {"DE": plans.de.pk, "SE": plans.se.pk, "": ""}
    response = web(getattr(plans, role)).post(
        f"/global-accounts/{plans.account.pk}/plan/action/new/",
        {"title": "Call procurement", "owner": plans.lam_de.pk, "due_date": "2026-12-20",
         "status": "open", "country": countries[country], "objective": ""},
    )  # fmt: skip
    assert response.status_code == (302 if saved else 200)
    if not saved:
        assert response.context["form"].errors.get("country")
    with in_tenant(plans.acme):
        assert PlanAction.objects.filter(title="Call procurement").exists() is saved


def test_foreign_ids_in_forms_are_rejected(plans, web, in_tenant):
    client = web(plans.gam)
    url = f"/global-accounts/{plans.account.pk}/plan/action/new/"
    base = {"title": "Foreign", "due_date": "2026-12-20", "status": "open", "country": ""}
    for field, value in [
        ("owner", plans.other_admin.pk),
        ("objective", plans.other_objective.pk),
        ("country", plans.other_se.pk),
    ]:
        response = client.post(url, {**base, field: value})
        assert response.status_code == 200, field
        assert response.context["form"].errors.get(field), field
    with in_tenant(plans.globex):
        other_line = f.ProductLineFactory(tenant=plans.globex, name="Globex widgets")
    response = client.post(
        f"/global-accounts/{plans.account.pk}/plan/objective/new/",
        {"title": "Foreign", "product_line": other_line.pk},
    )
    assert response.context["form"].errors.get("product_line")
    with in_tenant(plans.acme):
        assert not PlanAction.objects.filter(title="Foreign").exists()
        assert not PlanObjective.objects.filter(title="Foreign").exists()


def test_other_tenant_cannot_post_to_plan_pages(plans, web, in_tenant):
    client = web(plans.other_admin)
    a = plans.account.pk
    for url, data in [
        (f"/global-accounts/{a}/plan/comments/", {"body": "hi"}),
        (f"/global-accounts/{a}/plan/review/", {"held_on": "2026-11-01", "notes": "x"}),
        (f"/global-accounts/{a}/plan/edit/", _plan_form(plans)),
        (f"/plans/action/{plans.act_de.pk}/delete/", {}),
        (f"/plans/comments/{plans.comment.pk}/delete/", {}),
        (f"/plans/objective/{plans.obj_de.pk}/edit/", {"title": "x"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    with in_tenant(plans.acme):
        assert PlanAction.objects.filter(pk=plans.act_de.pk).exists()
        assert PlanComment.objects.count() == 1 and PlanReview.objects.count() == 1
    body = client.get("/plans/").content.decode()
    assert "Volvia" not in body


def test_delete_needs_a_post_and_the_right(plans, web, in_tenant):
    url = f"/plans/action/{plans.act_de.pk}/delete/"
    assert web(plans.lam_de).get(url).status_code == 405
    assert web(plans.sponsor).post(url).status_code == 403
    assert web(plans.lam_de).post(url).status_code == 302
    with in_tenant(plans.acme):
        assert not PlanAction.objects.filter(pk=plans.act_de.pk).exists()


def test_comments_by_the_team(plans, web, in_tenant):
    url = f"/global-accounts/{plans.account.pk}/plan/comments/"
    assert web(plans.lam_de).post(url, {"body": "Count me in for DE"}).status_code == 302
    body = web(plans.gam).get(f"/global-accounts/{plans.account.pk}/plan/").content.decode()
    assert "Count me in for DE" in body
    assert web(plans.lam_de).post(f"/plans/comments/{plans.comment.pk}/delete/").status_code == (
        403
    )
    with in_tenant(plans.acme):
        assert PlanComment.objects.count() == 2


def test_the_sponsor_records_a_review(plans, web, in_tenant):
    url = f"/global-accounts/{plans.account.pk}/plan/review/"
    client = web(plans.sponsor)
    page = client.get(url)
    assert "60 days" in page.content.decode()
    held = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url,
        {"held_on": held.isoformat(), "notes": "Good progress in DE",
         "decisions": "GAM to escalate the SE pricing"},
    )  # fmt: skip
    assert response.status_code == 302
    follow = client.get(response["Location"])
    expected = (held + timedelta(days=60)).isoformat()
    assert f"The next one is due on {expected}" in follow.content.decode()
    assert follow.context["next_review"] == held + timedelta(days=60)
    response = client.post(url, {"held_on": "2099-01-01", "notes": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors.get("held_on")
    with in_tenant(plans.acme):
        assert PlanReview.objects.count() == 2


def test_plan_list_and_csv(plans, web, in_tenant):
    with in_tenant(plans.acme):
        group = f.GlobalAccountFactory(tenant=plans.acme, name="Second Group")
        plan_services.plan_create(account=group, actor=plans.admin)
    gam = web(plans.gam).get("/plans/")
    assert [p.pk for p in gam.context["page"].object_list] == [plans.plan.pk]
    admin = web(plans.admin)
    assert len(admin.get("/plans/").context["page"].object_list) == 2
    assert len(admin.get("/plans/?q=second").context["page"].object_list) == 1
    csv = b"".join(admin.get("/plans/?format=csv").streaming_content).decode()
    assert "Volvia Group" in csv and "Second Group" in csv and "2026-11-14" in csv
    assert list(web(plans.rep).get("/plans/").context["page"].object_list) == []


def test_home_and_my_accounts_surface_overdue_reviews_and_actions(plans, web, in_tenant):
    with in_tenant(plans.acme):
        PlanReview.objects.all().delete()  # due 60 days after 1 March: long overdue
        PlanAction.objects.filter(pk=plans.act_de.pk).update(due_date=date(2026, 1, 10))
    for url in ["/", "/dashboards/my-accounts/"]:
        body = web(plans.sponsor).get(url).content.decode()
        assert "Overdue plan reviews" in body, url
        assert "Meet the Stuttgart plant manager" in body, url
        body = web(plans.rep).get(url).content.decode()
        assert "Overdue plan reviews" not in body, url


def test_plan_page_has_a_constant_number_of_queries(plans, web, in_tenant, settings):
    settings.COUNT_CACHE_SECONDS = 0  # both sides count (the writes below renew the cache)
    client = web(plans.gam)
    url = f"/global-accounts/{plans.account.pk}/plan/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    with in_tenant(plans.acme):
        for i in range(20):
            objective = plan_services.objective_create(
                plan=plans.plan, actor=plans.gam, title=f"O{i}", target_amount=Decimal(100),
                country=plans.de if i % 2 else None,
            )  # fmt: skip
            plan_services.action_create(
                plan=plans.plan, actor=plans.gam, title=f"A{i}", owner=plans.lam_de,
                objective=objective, country=plans.se if i % 2 else None,
            )  # fmt: skip
            plan_services.comment_add(plan=plans.plan, author=plans.lam_de, body=f"C{i}")
            PlanReview.objects.create(plan=plans.plan, reviewer=plans.sponsor, notes=f"R{i}")
            plan_services.plan_update(plan=plans.plan, actor=plans.gam, strategy=f"S{i}")
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["objectives"]) == 23
    # Eight of the plan's own (the account with its plan and version count, the user's
    # memberships, objectives, their progress, actions, adaptations, comments, reviews); the
    # rest are every page's (session, user, tenant, notifications, the savepoint).
    assert len(large) == len(small) <= 14
