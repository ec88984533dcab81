"""The plans of the demo (accounts/plans/seed.py, run by seed_demo after the accounts and
the sales work): a plan per account with a GAM, versions, objectives with progress from the
demo's won deals, overdue actions, adaptations, comments, and one account overdue for its
review while the others are on schedule."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import GlobalAccount
from accounts.plans import selectors as plan_selectors
from accounts.plans.models import AccountPlan, LocalAdaptation, PlanComment, PlanReview
from gam import seed as platform_seed
from gam.models import Tenant, User
from gam.tenancy import tenant_context
from teams.models import TeamMembership, TeamRole


@pytest.mark.django_db
def test_demo_plans():
    call_command("seed_demo")
    tenant = Tenant.objects.get(slug=platform_seed.DEMO_SLUG)
    today = timezone.localdate()
    with tenant_context(tenant):
        managed = GlobalAccount.objects.exclude(manager=None)
        assert AccountPlan.objects.count() == managed.count() >= 5
        plans = list(
            plan_selectors.plans_with_review_dates(User.in_tenant.get(is_tenant_admin=True))
        )
        overdue = [p for p in plans if p.next_review < today]
        assert len(overdue) == 1
        sponsored = set(
            TeamMembership.objects.filter(role=TeamRole.SPONSOR).values_list(
                "global_account", flat=True
            )
        )
        assert overdue[0].global_account_id in sponsored
        for plan in plans:
            assert plan.history.count() == 3
            if plan.global_account_id in sponsored:
                assert PlanReview.objects.filter(plan=plan).count() in (2, 3)
        volvia = next(p for p in plans if p.global_account.name == "Volvia Group")
        assert "group frame" in volvia.strategy
        objectives = list(volvia.objectives.select_related("plan"))
        admin = User.in_tenant.get(is_tenant_admin=True)
        progress = plan_selectors.objectives_progress(admin, objectives)
        group = next(o for o in objectives if o.title.startswith("Group revenue"))
        assert 0 < progress[group.pk].percent < 100
        assert LocalAdaptation.objects.filter(plan=volvia).count() >= 5
        assert PlanComment.objects.filter(plan=volvia).count() == 3
        gam = User.in_tenant.get(email=platform_seed.demo_email("gam"))
        assert plan_selectors.overdue_actions_for(gam, today=today).exists()
        sponsor = User.in_tenant.get(email=platform_seed.demo_email("sponsor"))
        assert [a.pk for a in plan_selectors.overdue_reviews_for(sponsor, today=today)] == [
            overdue[0].global_account_id
        ]
