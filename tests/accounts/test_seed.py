"""The customer part of the demo (accounts/seed.py): groups with subsidiaries in 10+
countries, teams whose guardian permissions follow, tiers from the score, contacts and
relationships, agreements (one active for DE/FR/ES/IT, one expired), and exactly the
deliberate duplicate customers — each found by the matching keys, no accidental ones."""

from __future__ import annotations

from itertools import combinations

import pytest
from django.utils import timezone

from accounts import seed as accounts_seed
from accounts.discovery import find_matches
from accounts.models import Contact, GlobalAccount, Relationship, Subsidiary
from gam import seed as platform_seed
from gam.tenancy import tenant_context
from teams import selectors
from teams.models import TeamMembership, TeamRole


@pytest.fixture
def demo(db):
    ctx = platform_seed.seed_platform()
    with tenant_context(ctx.tenant):
        platform_seed.seed_markets(ctx)
        accounts_seed.seed(ctx)
        yield ctx


def test_groups_span_the_demo_countries_with_teams_and_tiers(demo):
    ctx = demo
    subs = Subsidiary.objects.select_related("global_account", "country")
    assert subs.filter(global_account__isnull=False).values("country").distinct().count() >= 10
    assert GlobalAccount.objects.count() == len(accounts_seed.ACCOUNTS)
    by_name = {a.name: a for a in GlobalAccount.objects.select_related("tier", "manager")}
    assert by_name["Volvia Group"].tier.name == "Premier"
    assert by_name["Volvia Group"].manager == ctx.users["gam"]
    assert by_name["Kestrel Chemicals"].manager == ctx.users["gam2"]
    assert by_name["Castellane Ciments"].manager is None
    meridian = by_name["Meridian Water"]
    assert meridian.tier_override and meridian.tier.name == "Gold" and meridian.tier_override_reason
    assert {a.tier.name for a in by_name.values()} == {"Premier", "Gold", "Silver", "Bronze"}
    # every local account manager manages the subsidiaries in their country
    for m in TeamMembership.objects.filter(role=TeamRole.LOCAL_ACCOUNT_MANAGER):
        for sub in subs.filter(global_account=m.global_account, country=m.country):
            assert selectors.can_change_subsidiary(m.user, sub)
            assert sub.owner == m.user
    assert selectors.can_see_account_details(ctx.users["sponsor"], by_name["Volvia Group"])
    assert not selectors.can_see_account_details(ctx.users["rep.pl"], by_name["Volvia Group"])


def test_contacts_relationships_and_agreements(demo):
    ctx = demo
    assert Contact.objects.count() == len(accounts_seed.CONTACTS)
    assert Contact.objects.filter(reports_to__isnull=False).count() >= 15
    assert set(Contact.objects.values_list("buying_role", flat=True)) == set(
        Contact.BuyingRole.values
    )
    assert Relationship.objects.count() == len(accounts_seed.RELATIONSHIPS)
    today = timezone.localdate()
    agreements = list(ctx.extra["agreements"].values())
    active = [a for a in agreements if a.is_active_on(today)]
    expired = [a for a in agreements if a.valid_until and a.valid_until < today]
    assert any(
        set(a.countries.values_list("code", flat=True)) == {"DE", "FR", "ES", "IT"} for a in active
    )
    assert len(expired) == 1


def test_the_deliberate_duplicates_and_no_others(demo):
    ctx = demo
    duplicates = ctx.extra["duplicates"]
    assert {reason for reason, _a, _b in duplicates} == {"registration_number", "website", "name"}
    for reason, existing, entered in duplicates:
        assert entered.global_account_id is None  # unlinked to the global account
        assert entered.owner != existing.owner  # entered by someone else
        matches = find_matches(
            entered.name,
            entered.registration_number,
            entered.website,
            entered.country.code,
            exclude_pk=entered.pk,
        )
        assert existing.pk in {m.subsidiary.pk for m in matches}, (reason, entered.name)
        match = next(m for m in matches if m.subsidiary.pk == existing.pk)
        assert reason in match.reasons
    # no pair outside the deliberate ones shares a registration number or web domain
    deliberate = {frozenset((a.pk, b.pk)) for _r, a, b in duplicates}
    rows = list(Subsidiary.objects.all())
    for a, b in combinations(rows, 2):
        same_key = (a.registration_key and a.registration_key == b.registration_key) or (
            a.domain_key and a.domain_key == b.domain_key
        )
        if same_key:
            assert frozenset((a.pk, b.pk)) in deliberate, (a.name, b.name)


def test_ctx_extra_is_keyed_as_documented(demo):
    ctx = demo
    subsidiaries = ctx.extra["subsidiaries"]
    assert subsidiaries[("Volvia Group", "DE", "Volvia Deutschland GmbH")].country.code == "DE"
    assert subsidiaries[(None, "SE", "Småland Verkstad AB")].global_account_id is None
    assert len(subsidiaries) == Subsidiary.objects.count()
    assert set(ctx.extra["accounts"]) == set(accounts_seed.ACCOUNTS)
