"""Schemathesis's positive-data-acceptance check on the create operations: a body the schema
calls valid must be accepted (2xx), as a tenant admin who may create anything. References the
schema cannot know (the id of an existing subsidiary, a country code of the tenant, a stage
slug) are pinned to real records of the fixture; everything else is generated. Each example
runs in a savepoint that is rolled back, so examples do not collide (a unique name made twice).

Bounded: positive examples only, a few per operation, no shrinking past the first failure.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.plans.services import plan_create
from gam import tokens
from gam.tenancy import tenant_context
from teams.models import TeamRole
from teams.services import team_member_add
from tests import factories as f
from tests.api.test_schemathesis import RAW_SCHEMA, _keep_the_test_connection  # noqa: F401

schema = (
    schemathesis.openapi.from_dict(RAW_SCHEMA)
    .include(method="POST")
    # collection creates only; the login and the upload (multipart file) have tests of their own
    .exclude(path_regex=r"\{|auth/token|imports|read-all")
)
schema.config.generation.update(modes=[GenerationMode.POSITIVE])
schema.app = WSGIHandler()


@pytest.fixture
def records(db):
    """One of each record a create may refer to, in a tenant where the admin may do all."""
    acme = f.TenantFactory(slug="acme")
    se = f.CountryFactory(tenant=acme, code="SE", currency="SEK")
    f.CountryFactory(tenant=acme, code="DE", currency="EUR")
    admin = f.UserFactory(tenant=acme, is_tenant_admin=True, country=se)
    gam = f.UserFactory(tenant=acme, country=se)
    newcomer = f.UserFactory(tenant=acme, country=se)
    stage = f.StageFactory(tenant=acme, slug="qualification")
    account = f.GlobalAccountFactory(tenant=acme, name="Volvia Group", headquarters_country=se)
    subsidiary = f.SubsidiaryFactory(tenant=acme, global_account=account, country=se)
    contact = f.ContactFactory(tenant=acme, subsidiary=subsidiary)
    product_line = f.ProductLineFactory(tenant=acme)
    opportunity = f.OpportunityFactory(
        tenant=acme, subsidiary=subsidiary, product_line=product_line, stage=stage
    )
    tier = f.TierFactory(tenant=acme)
    f.ExchangeRateFactory(tenant=acme, currency="SEK", valid_from=date(1, 1, 1))
    unplanned = f.GlobalAccountFactory(tenant=acme, name="Nordvik Group")
    with tenant_context(acme):
        team_member_add(account=account, user=gam, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        plan = plan_create(account=account, actor=admin)
    return {
        "token": tokens.issue(admin, name="schemathesis", expires_at=None)[1],
        "unplanned": unplanned.pk,
        "ids": {
            "global_account": account.pk,
            "subsidiary": subsidiary.pk,
            "contact": contact.pk,
            "opportunity": opportunity.pk,
            "plan": plan.pk,
            "tier": tier.pk,
            "product_line": product_line.pk,
            "stage": stage.slug,
            "owner": gam.pk,
            "user": newcomer.pk,
            "country": "SE",
            "headquarters_country": "SE",
            "countries": ["SE"],
        },
    }


def _pin(body, ids: dict, operation: str):
    """Real references in place of generated ones (only where the body has the field)."""
    if not isinstance(body, dict):
        return body
    pinned = dict(body)
    for name, value in ids.items():
        if name in pinned:
            pinned[name] = value
    # Fields that name no record but must match the tenant's data:
    if "currency" in pinned and "exchange-rates" not in operation:
        pinned["currency"] = "SEK"
    if "credit_splits" in pinned:
        pinned["credit_splits"] = [{"user": ids["owner"], "country": "SE", "percent": "100"}]
    # Rules between fields or against other rows, which a JSON schema cannot state: another
    # contact to report to, answers to the tenant's lead questions, one GAM per account and a
    # country only for local account managers, an expiry in the future, a strong password, a
    # web address (a bare domain or a URL).
    for name, value in FIXED.items():
        if name in pinned:
            pinned[name] = value
    for name, value in WITHIN_RULES.get(operation.split()[-1], {}).items():
        pinned[name] = value
    for start, end in (("starts_on", "ends_on"), ("valid_from", "valid_until")):
        if start in pinned and pinned.get(end) is not None:
            pinned[end] = str(date.fromisoformat(pinned[start]) + timedelta(days=30))
    return pinned


FIXED = {
    "reports_to": None,
    "objective": None,
    "framework_agreement": None,
    "answers": [],
    "expires_at": None,
    "password": "a-Strong-passw0rd-for-tests",
    "website": "example.com",
}
# Per operation: bounds and states the service checks beyond the schema (left to document).
WITHIN_RULES = {
    "/api/v1/team-members/": {"role": "member", "country": None},
    "/api/v1/users/": {"password": "a-Strong-passw0rd-for-tests"},
    "/api/v1/leads/": {"status": "new"},
    "/api/v1/plan-reviews/": {"held_on": str(date.today()), "notes": "Met"},
    "/api/v1/tiers/": {"rank": 5, "review_interval_days": 90},
    # The schema states these codes' pattern (^[A-Z]{3}$ ...), but the generator does not
    # always keep to it ("0"): a code the schema itself calls invalid.
    "/api/v1/exchange-rates/": {"rate": "1.5", "currency": "NOK"},
    "/api/v1/countries/": {"code": "NO", "currency": "NOK"},
    "/api/v1/selection-criteria/": {"scale_max": "10"},
    "/api/v1/plan-objectives/": {"target_amount": "1000"},
    # a host that resolves to a public address (none here: a local one, allowed below)
    "/api/v1/webhooks/": {"url": "http://127.0.0.1:9/hook"},
}


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_POSITIVE_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_create_accepts_what_the_schema_calls_valid(case, records):
    case.body = _pin(case.body, records["ids"], case.operation.label)
    if case.operation.path == "/api/v1/plans/":
        case.body["global_account"] = records["unplanned"]  # one plan per account
    if case.operation.path == "/api/v1/activities/":
        case.body["subsidiary"] = records["ids"]["subsidiary"]  # it happened somewhere
    with transaction.atomic(), override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {records['token']}"},
            checks=[not_a_server_error, positive_data_acceptance],
        )
        transaction.set_rollback(True)
