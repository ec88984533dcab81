"""The benchmark's bulk loader, at a tiny scale, so that it cannot rot: row counts, every row
pointing inside its own tenant, and denormalized fields as the services write them."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from accounts.matching import matching_keys
from accounts.models import GlobalAccount, Subsidiary
from bench.generate import LARGE_SLUG, Sizes, check_consistency, generate
from gam import search
from gam.models import SearchWord, Tenant, User
from gam.tenancy import tenant_context
from opportunities import selectors
from opportunities.models import Activity, Campaign, CreditSplit, Opportunity, StageChange
from opportunities.services import amount_in_reporting_currency
from teams.models import GlobalAccountUserObjectPermission, TeamMembership, TeamRole
from teams.selectors import global_accounts_of_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    sizes = Sizes.at(0.0005, tenants=3)
    return sizes, generate(sizes, seed=3)


def test_row_counts_per_tenant(generated):
    sizes, result = generated
    large, small = sizes.large, sizes.small()
    tenants = list(Tenant.objects.filter(slug__startswith="bench-").order_by("pk"))
    assert [t.slug for t in tenants][0] == LARGE_SLUG and len(tenants) == 3
    assert result.rows["opportunities_opportunity"] == large.opportunities + 2 * small.opportunities
    for tenant, expected in zip(tenants, [large, small, small], strict=True):
        with tenant_context(tenant):
            assert GlobalAccount.objects.count() == expected.global_accounts
            assert Subsidiary.objects.count() == expected.subsidiaries
            assert Opportunity.objects.count() == expected.opportunities
            assert Activity.objects.count() == expected.activities
            assert Campaign.objects.count() == expected.campaigns
            # As opportunity_create writes them: a default split and a first stage change.
            assert CreditSplit.objects.count() == expected.opportunities
            assert StageChange.objects.count() == expected.opportunities
            assert TeamMembership.objects.filter(role=TeamRole.GLOBAL_ACCOUNT_MANAGER).count() == (
                expected.global_accounts
            )


def test_every_row_stays_in_its_tenant_and_denormalized_fields_match(generated):
    _sizes, _result = generated
    tenant_ids = list(Tenant.objects.filter(slug__startswith="bench-").values_list("pk", flat=True))
    problems = check_consistency(tenant_ids)
    assert problems and all(count == 0 for count in problems.values()), {
        k: v for k, v in problems.items() if v
    }
    assert (
        not User.objects.filter(tenant_id__in=tenant_ids, email__contains="@bench-")
        .exclude(email__endswith=".bench.test")
        .exists()
    )


def test_keys_amounts_and_permissions_are_those_of_the_services(generated):
    _sizes, result = generated
    personas = result.personas
    rng = random.Random(1)
    with tenant_context(personas.tenant_id):
        subsidiaries = list(Subsidiary.objects.select_related("country"))
        for sub in rng.sample(subsidiaries, 10):
            keys = matching_keys(
                name=sub.name,
                registration_number=sub.registration_number,
                website=sub.website,
                country_code=sub.country.code,
            )
            assert (sub.name_key, sub.name_block, sub.registration_key, sub.domain_key) == (
                keys.name_key,
                keys.name_block,
                keys.registration_key,
                keys.domain_key,
            )
        opportunities = list(Opportunity.objects.all())
        for opp in rng.sample(opportunities, 10):
            assert opp.amount_reporting == amount_in_reporting_currency(
                amount=opp.amount, currency=opp.currency, day=opp.close_date
            )
            assert opp.amount_reporting > Decimal(0)
        gam = User.objects.get(pk=personas.gam_id)
        rep = User.objects.get(pk=personas.rep_id)
        account = GlobalAccount.objects.get(pk=personas.account_id)
        assert account.manager_id == gam.pk
        assert (
            GlobalAccountUserObjectPermission.objects.filter(
                user=gam, content_object=account
            ).count()
            == 3
        )  # view, change, manage_team
        assert global_accounts_of_team(rep).filter(pk=account.pk).exists()
        # The sharing model narrows the rep's view; the admin sees everything.
        admin = User.objects.get(pk=personas.admin_id)
        assert admin.is_tenant_admin
        total = Opportunity.objects.count()
        assert 0 < selectors.opportunities_visible_to(rep).count() < total
        assert selectors.opportunities_visible_to(admin).count() == total


def test_search_words_are_those_the_saves_write(generated):
    _sizes, result = generated
    assert result.rows["gam_searchword"] > 0
    with tenant_context(result.personas.tenant_id):
        for model, kind, field in (
            (Subsidiary, SearchWord.Kind.SUBSIDIARY, "name"),
            (Opportunity, SearchWord.Kind.OPPORTUNITY, "name"),
            (Activity, SearchWord.Kind.ACTIVITY, "subject"),
        ):
            for pk, text in model.objects.values_list("pk", field)[:20]:
                stored = SearchWord.objects.filter(kind=kind, record_id=pk)
                assert set(stored.values_list("word", flat=True)) == set(search.words(text))
