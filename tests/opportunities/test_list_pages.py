"""Lists read a page's ids first, then its rows (opportunities.api, issue 7), and the sharing
filter tests the record's own columns (gam.lookups): the pages together are exactly the
visible records, in the list's order, and ``count`` is theirs."""

from __future__ import annotations

import pytest

from gam.lookups import in_subquery
from opportunities.models import Opportunity
from teams.selectors import visible_records
from tests.opportunities.test_opportunities_api import _more_opportunities


@pytest.mark.parametrize("role", ["admin", "lam_de", "rep"])
def test_pages_together_are_the_visible_records_in_order(sales, api, in_tenant, role):
    user = getattr(sales, role)
    with in_tenant(sales.acme):
        _more_opportunities(sales, 7)
        expected = list(
            visible_records(user, Opportunity.objects.all())
            .order_by("close_date", "id")
            .values_list("pk", flat=True)
        )
    client = api(user)
    seen, url = [], "/api/v1/opportunities/?page_size=3"
    while url:
        body = client.get(url).json()
        assert body["count"] == len(expected)
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected


def test_in_subquery_is_in(sales, in_tenant):
    with in_tenant(sales.acme):
        _more_opportunities(sales, 3)
        owners = Opportunity.objects.filter(owner=sales.gam).values("subsidiary_id")
        as_in = set(Opportunity.objects.filter(subsidiary_id__in=owners).values_list("pk"))
        as_lookup = set(
            Opportunity.objects.filter(in_subquery("subsidiary_id", owners)).values_list("pk")
        )
        assert as_in and as_lookup == as_in
        nothing = Opportunity.objects.filter(pk__lt=0).values("pk")
        assert not Opportunity.objects.filter(in_subquery("id", nothing)).exists()
