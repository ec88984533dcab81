"""Conflicts of ``sales`` (tests/opportunities/conftest.py), created directly (not by the
detectors), for the inbox, its API and the lifecycle services. Import the fixture with
``conflicts = conflict_world.conflicts`` in the test module.

  c_parallel   parallel_opportunity at Volvia: ``big_se`` (the GAM's, SE, Negotiation,
               777 777 SEK) and ``opp_local`` (the owner's): the owner gets a hint
  c_duplicate  duplicate_customer at Volvia: ``sub_de`` and ``dup_de`` ("Volvia Germany
               GmbH", a local customer of the rep): the rep gets a hint
  c_other      parallel_opportunity at another account (``account2``, GAM ``gam2``)
  c_cross      duplicate_customer of ``account2``'s ``sub2_se`` and Volvia's ``sub_se``
  c_globex     a conflict of the other tenant
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gam.tenancy import tenant_context
from opportunities import services
from opportunities.conflicts.models import Conflict, ConflictEvent
from teams.models import TeamRole
from teams.services import team_member_add
from tests import factories as f


def make_conflict(kind, records, *, global_account=None, countries=(), **extra) -> Conflict:
    """A conflict row as the detectors would write it (tenant in context)."""
    refs = [{"type": type_, "id": obj.pk} for type_, obj in records]
    conflict = Conflict.objects.create(
        kind=kind,
        key=f"{kind}:" + ",".join(f"{r['type']}:{r['id']}" for r in refs),
        records=refs,
        global_account=global_account,
        countries=list(countries),
        assignee=global_account.manager if global_account else None,
        reason=extra.pop("reason", "test"),
        **extra,
    )
    ConflictEvent.objects.create(conflict=conflict, action="detected")
    return conflict


@pytest.fixture
def conflicts(sales):
    w = sales
    with tenant_context(w.acme):
        w.big_se = services.opportunity_create(
            actor=w.gam,
            name="Volvia SE pump fleet",
            subsidiary=w.sub_se,
            product_line=w.pumps,
            stage=w.stages["negotiation"],
            amount=Decimal("777777"),
            currency="SEK",
            close_date=datetime.date(2026, 10, 31),
        )
        w.dup_de = f.SubsidiaryFactory(
            tenant=w.acme, country=w.de, owner=w.rep, name="Volvia Germany GmbH"
        )
        w.gam2 = f.UserFactory(tenant=w.acme, email="gam2@acme.test", name="Gustav Gam2")
        w.account2 = f.GlobalAccountFactory(tenant=w.acme, name="Nordex Group")
        team_member_add(account=w.account2, user=w.gam2, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        w.account2.refresh_from_db()
        w.sub2_se = f.SubsidiaryFactory(
            tenant=w.acme, global_account=w.account2, country=w.se, name="Nordex Sverige AB"
        )
        w.opp2_a = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub2_se, product_line=w.pumps)
        w.opp2_b = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub2_se, product_line=w.pumps)
        w.account.refresh_from_db()
        w.c_parallel = make_conflict(
            "parallel_opportunity",
            [("opportunity", w.big_se), ("opportunity", w.opp_local)],
            global_account=w.account,
            countries=["SE"],
        )
        w.c_duplicate = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.sub_de), ("subsidiary", w.dup_de)],
            global_account=w.account,
            countries=["DE"],
        )
        w.c_other = make_conflict(
            "parallel_opportunity",
            [("opportunity", w.opp2_a), ("opportunity", w.opp2_b)],
            global_account=w.account2,
            countries=["SE"],
        )
        w.c_cross = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.sub2_se), ("subsidiary", w.sub_se)],
            global_account=w.account2,
            countries=["SE"],
        )
    with tenant_context(w.globex):
        w.c_globex = make_conflict(
            "duplicate_customer",
            [("subsidiary", w.other_subsidiary), ("subsidiary", w.other_subsidiary)],
            global_account=w.other_account,
            countries=["SE"],
        )
    return w


# role -> {conflict name: "full" | "hint"} (absent: not visible, 404)
ACCESS = {
    "admin": {
        "c_parallel": "full",
        "c_duplicate": "full",
        "c_other": "full",
        "c_cross": "full",
    },
    "gam": {"c_parallel": "full", "c_duplicate": "full", "c_cross": "full"},
    "gam2": {"c_other": "full", "c_cross": "full"},
    "lam_de": {},
    "sponsor": {},
    "rep": {"c_duplicate": "hint"},
    "owner": {"c_parallel": "hint"},
    "other_admin": {},
}
ACME_CONFLICTS = ("c_parallel", "c_duplicate", "c_other", "c_cross")
