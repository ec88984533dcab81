"""The sharing model of DESIGN.md for opportunities, activities and campaigns, per role and
per method: list, detail, create, update, delete. Plus the other tenant, which sees nothing."""

from __future__ import annotations

import pytest

from opportunities.models import Activity, Campaign, Opportunity

# role -> (visible, changeable) among the three records of each kind (se, de, local)
ACCESS = {
    "admin": ({"se", "de", "local"}, {"se", "de", "local"}),
    "gam": ({"se", "de"}, {"se", "de"}),
    "lam_de": ({"se", "de"}, {"de"}),
    "sponsor": ({"se", "de"}, set()),
    "rep": (set(), set()),
    "owner": ({"local"}, {"local"}),
    "other_admin": (set(), set()),
}

KINDS = {
    "opportunities": ("opp", Opportunity, {"next_step": "Call back"}),
    "activities": ("act", Activity, {"subject": "Changed subject"}),
    "campaigns": ("camp", Campaign, {"name": "Changed name"}),
}

PLACES = ("se", "de", "local")


def _records(w, prefix):
    return {place: getattr(w, f"{prefix}_{place}") for place in PLACES}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ACCESS)
def test_list_shows_exactly_what_the_role_may_see(sales, api, role, kind):
    prefix, _model, _change = KINDS[kind]
    records = _records(sales, prefix)
    visible, _ = ACCESS[role]
    body = api(getattr(sales, role)).get(f"/api/v1/{kind}/?page_size=500").json()
    acme_ids = {r.pk for r in records.values()}
    listed = {r["id"] for r in body["results"]}
    assert listed & acme_ids == {records[p].pk for p in visible}
    if role != "other_admin":  # globex's admin sees globex's own opportunity
        assert body["count"] == len(visible)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ACCESS)
def test_detail_is_404_for_what_the_role_may_not_see(sales, api, role, kind):
    prefix, _model, _change = KINDS[kind]
    visible, _ = ACCESS[role]
    client = api(getattr(sales, role))
    for place, record in _records(sales, prefix).items():
        expected = 200 if place in visible else 404
        assert client.get(f"/api/v1/{kind}/{record.pk}/").status_code == expected, place


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ACCESS)
def test_update_needs_the_right_to_change(sales, api, in_tenant, role, kind):
    prefix, model, change = KINDS[kind]
    visible, changeable = ACCESS[role]
    client = api(getattr(sales, role))
    for place, record in _records(sales, prefix).items():
        response = client.patch(f"/api/v1/{kind}/{record.pk}/", change, format="json")
        expected = 200 if place in changeable else 403 if place in visible else 404
        assert response.status_code == expected, (place, response.content)
        field, value = next(iter(change.items()))
        with in_tenant(sales.acme):
            stored = getattr(model.objects.get(pk=record.pk), field)
        assert (stored == value) == (place in changeable), place


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ACCESS)
def test_delete_needs_the_right_to_change(sales, api, in_tenant, role, kind):
    prefix, model, _change = KINDS[kind]
    visible, changeable = ACCESS[role]
    client = api(getattr(sales, role))
    for place, record in _records(sales, prefix).items():
        response = client.delete(f"/api/v1/{kind}/{record.pk}/")
        expected = 204 if place in changeable else 403 if place in visible else 404
        assert response.status_code == expected, (place, response.content)
        with in_tenant(sales.acme):
            assert model.objects.filter(pk=record.pk).exists() == (place not in changeable)


def _create_body(w, kind, subsidiary, owner=None):
    body = {
        "opportunities": {
            "name": "New deal",
            "subsidiary": subsidiary.pk,
            "stage": "prospecting",
            "amount": "1000.00",
            "currency": "EUR",
            "close_date": "2026-10-01",
            "product_line": w.valves.pk,
        },
        "activities": {"kind": "call", "subject": "Intro call", "subsidiary": subsidiary.pk},
        "campaigns": {
            "name": "Webinar",
            "subsidiary": subsidiary.pk,
            "starts_on": "2026-10-01",
            "ends_on": "2026-10-02",
        },
    }[kind]
    if owner is not None and kind != "campaigns":
        body["owner"] = owner.pk
    return body


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["admin", "gam", "lam_de", "sponsor", "rep", "owner"])
def test_anyone_may_record_their_own_work_at_any_customer(sales, api, role, kind):
    """Parallel work must become visible, not be pushed outside the system."""
    user = getattr(sales, role)
    response = api(user).post(
        f"/api/v1/{kind}/", _create_body(sales, kind, sales.sub_de), format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()["id"]
    # the creator owns it, so sees and changes it
    assert api(user).get(f"/api/v1/{kind}/{created}/").status_code == 200


@pytest.mark.parametrize("kind", ["opportunities", "activities"])
@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("gam", True), ("lam_de", True), ("sponsor", False), ("rep", False)],
)
def test_giving_a_record_to_someone_else_needs_the_right_to_change_the_customer(
    sales, api, in_tenant, role, allowed, kind
):
    response = api(getattr(sales, role)).post(
        f"/api/v1/{kind}/",
        _create_body(sales, kind, sales.sub_de, owner=sales.owner),
        format="json",
    )
    assert response.status_code == (201 if allowed else 403), response.content


def test_lam_may_not_move_an_opportunity_to_a_country_they_do_not_manage(sales, api, in_tenant):
    response = api(sales.lam_de).patch(
        f"/api/v1/opportunities/{sales.opp_de.pk}/",
        {"subsidiary": sales.sub_se.pk, "owner": sales.gam.pk},
        format="json",
    )
    assert response.status_code == 403
    with in_tenant(sales.acme):
        assert Opportunity.objects.get(pk=sales.opp_de.pk).subsidiary_id == sales.sub_de.pk


@pytest.mark.parametrize("kind", KINDS)
def test_other_tenant_sees_nothing_and_gets_404(sales, api, kind):
    prefix, _model, change = KINDS[kind]
    client = api(sales.other_admin)
    listed = {r["id"] for r in client.get(f"/api/v1/{kind}/").json()["results"]}
    assert not listed & {r.pk for r in _records(sales, prefix).values()}
    for record in _records(sales, prefix).values():
        assert client.get(f"/api/v1/{kind}/{record.pk}/").status_code == 404
        assert (
            client.patch(f"/api/v1/{kind}/{record.pk}/", change, format="json").status_code == 404
        )
        assert client.delete(f"/api/v1/{kind}/{record.pk}/").status_code == 404


def test_other_tenant_opportunity_is_404_for_acme_admin(sales, api):
    client = api(sales.admin)
    assert client.get(f"/api/v1/opportunities/{sales.other_opportunity.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subsidiary", lambda w: w.other_subsidiary.pk),
        ("stage", lambda w: "globex_only"),
        ("product_line", lambda w: w.other_product_line.pk),
        ("owner", lambda w: w.other_admin.pk),
        ("framework_agreement", lambda w: w.other_agreement.pk),
    ],
)
def test_foreign_ids_are_rejected_and_nothing_is_saved(sales, api, in_tenant, field, value):
    body = _create_body(sales, "opportunities", sales.sub_de)
    body[field] = value(sales)
    response = api(sales.admin).post("/api/v1/opportunities/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    with in_tenant(sales.acme):
        assert not Opportunity.objects.filter(name="New deal").exists()


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("activities", "subsidiary", lambda w: w.other_subsidiary.pk),
        ("activities", "opportunity", lambda w: w.other_opportunity.pk),
        ("activities", "owner", lambda w: w.other_admin.pk),
        ("campaigns", "subsidiary", lambda w: w.other_subsidiary.pk),
    ],
)
def test_foreign_ids_are_rejected_for_activities_and_campaigns(sales, api, kind, field, value):
    body = _create_body(sales, kind, sales.sub_de)
    body[field] = value(sales)
    response = api(sales.admin).post(f"/api/v1/{kind}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_activity_cannot_link_an_opportunity_the_user_may_not_see(sales, api):
    body = _create_body(sales, "activities", sales.local_customer)
    body["opportunity"] = sales.opp_local.pk
    response = api(sales.rep).post("/api/v1/activities/", body, format="json")
    assert response.status_code == 400
    assert "opportunity" in response.json()


def test_filters_never_widen_what_is_visible(sales, api):
    client = api(sales.rep)
    for query in [
        f"global_account={sales.account.pk}",
        "country=se",
        f"owner={sales.gam.pk}",
        "stage=proposal",
        "status=open",
        "search=Volvia",
    ]:
        assert client.get(f"/api/v1/opportunities/?{query}").json()["count"] == 0, query
