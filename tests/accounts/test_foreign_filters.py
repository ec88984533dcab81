"""A list filter given another tenant's id is a 400 ("unknown"), not an empty 200 that tells
nothing (DESIGN.md: a foreign id is a 400/404). The tenant's own ids still filter."""

from __future__ import annotations

import pytest

from gam.tenancy import tenant_context
from tests import factories as f


@pytest.fixture
def foreign(customers):
    w = customers
    with tenant_context(w.globex):
        w.other_opp = f.OpportunityFactory(tenant=w.globex, subsidiary=w.other_subsidiary)
        w.other_line = w.other_opp.product_line
    with tenant_context(w.acme):
        w.opp = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_se, owner=w.gam)
    return w


# (list, filter, attribute of the foreign object, attribute of an own one)
CASES = [
    ("subsidiaries", "global_account", "other_account", "account"),
    ("subsidiaries", "owner", "other_admin", "gam"),
    ("contacts", "subsidiary", "other_subsidiary", "sub_se"),
    ("contacts", "global_account", "other_account", "account"),
    ("relationships", "contact", "other_contact", "contact_se"),
    ("relationships", "user", "other_admin", "gam"),
    ("framework-agreements", "global_account", "other_account", "account"),
    ("opportunities", "global_account", "other_account", "account"),
    ("opportunities", "subsidiary", "other_subsidiary", "sub_se"),
    ("opportunities", "owner", "other_admin", "gam"),
    ("opportunities", "product_line", "other_line", None),
    ("activities", "opportunity", "other_opp", "opp"),
    ("activities", "subsidiary", "other_subsidiary", "sub_se"),
    ("campaigns", "global_account", "other_account", "account"),
    ("team-members", "global_account", "other_account", "account"),
    ("team-members", "user", "other_admin", "gam"),
]


@pytest.mark.parametrize(("path", "name", "foreign_attr", "own_attr"), CASES)
def test_foreign_id_in_a_filter_is_400(foreign, api, path, name, foreign_attr, own_attr):
    w = foreign
    client = api(w.admin)
    response = client.get(f"/api/v1/{path}/?{name}={getattr(w, foreign_attr).pk}")
    assert response.status_code == 400, (path, name, response.status_code)
    assert name in response.json()
    if own_attr:
        response = client.get(f"/api/v1/{path}/?{name}={getattr(w, own_attr).pk}")
        assert response.status_code == 200
    assert client.get(f"/api/v1/{path}/?{name}=99999999").status_code == 400


def test_foreign_account_in_the_conflict_filter_is_400(foreign, api):
    w = foreign
    client = api(w.admin)
    response = client.get(f"/api/v1/conflicts/?global_account={w.other_account.pk}")
    assert response.status_code == 400 and "global_account" in response.json()
    assert client.get(f"/api/v1/conflicts/?global_account={w.account.pk}").status_code == 200
