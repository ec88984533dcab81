"""Black-box check of /api/schema/ against the real answers, per role: every list and detail
GET of the schema, called as each persona of the test world, must answer a body that the
schema's operation documents (status, content type, every required field, types, nullability,
no undocumented enum value). Then the documented errors (400/401/403/404/409) the same way.

Validated with openapi-core (python-openapi, the maintainers of openapi-spec-validator that
drf-spectacular's own ``--validate`` uses): it finds the operation of a path, knows OpenAPI 3.0
(``nullable``, ``readOnly``/``writeOnly``, ``$ref`` across components) and checks status and
content type too, where plain jsonschema would need the 3.0 dialect rebuilt by hand.

The world is built through the API itself, as an integration would, so the bodies are real
ones (conflicts are recorded as the detectors record them).
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from accounts.models import Subsidiary
from gam.tenancy import tenant_context
from opportunities.conflicts.models import ConflictKind
from opportunities.models import Opportunity
from tests import factories as f
from tests.conflicts.conflict_world import make_conflict

ROLES = ["admin", "gam", "lam_de", "sponsor", "rep", "owner"]
HOST = "http://testserver"


@pytest.fixture
def openapi(client, db):
    return OpenAPI.from_dict(client.get("/api/schema/?format=json").json())


def check(openapi, response, method="get"):
    """The response conforms to the operation of its path in the schema (else the error
    says which field)."""
    request = MockRequest(HOST, method, response.wsgi_request.path)
    content_type = response.get("Content-Type", "application/json").split(";")[0]
    result = openapi.unmarshal_response(
        request,
        MockResponse(
            response.content,
            status_code=response.status_code,
            headers=dict(response.headers),
            content_type=content_type,
        ),
    )
    result.raise_for_errors()
    # openapi-core accepts any body where the operation documents none: that is a gap too.
    if response.content:
        assert result.data is not None, f"undocumented body: {method} {request.path}"


def _ok(response, status=201):
    assert response.status_code == status, response.content[:500]
    return response.json()


@pytest.fixture
def rich_world(world, api):
    """``world`` plus one of each resource, made over the API by the role that may."""
    w = world
    for slug, order in (("qualification", 1), ("negotiation", 3), ("closed_won", 5)):
        f.StageFactory(tenant=w.acme, slug=slug, order=order)
    admin, gam, rep, owner = api(w.admin), api(w.gam), api(w.rep), api(w.owner)
    pumps = _ok(admin.post("/api/v1/product-lines/", {"name": "Pumps"}, format="json"))
    _ok(admin.post("/api/v1/tiers/", {"name": "Gold", "rank": 1}, format="json"))
    _ok(admin.post("/api/v1/selection-criteria/", {"name": "Revenue"}, format="json"))
    _ok(
        admin.post(
            "/api/v1/exchange-rates/",
            {"currency": "SEK", "rate": "0.09", "valid_from": "2026-01-01"},
            format="json",
        )
    )
    _ok(admin.post("/api/v1/lead-qualification-parameters/", {"name": "Budget"}, format="json"))
    agreement = _ok(
        gam.post(
            "/api/v1/framework-agreements/",
            {
                "global_account": w.account.pk,
                "name": "Volvia frame 2026",
                "countries": ["SE", "DE"],
                "discount_percent": "5.00",
                "valid_from": "2026-01-01",
            },
            format="json",
        )
    )
    deal = _ok(
        gam.post(
            "/api/v1/opportunities/",
            {
                "name": "Volvia SE pumps",
                "subsidiary": w.sub_se.pk,
                "product_line": pumps["id"],
                "stage": "negotiation",
                "amount": "120000.00",
                "currency": "SEK",
                "close_date": "2026-11-30",
                "framework_agreement": agreement["id"],
                "credit_splits": [
                    {"user": w.gam.pk, "country": "SE", "percent": "60.00"},
                    {"user": w.lam_de.pk, "country": "DE", "percent": "40.00"},
                ],
            },
            format="json",
        )
    )
    # Duplicate work for the scan: the same customer entered again by the rep, and a
    # parallel opportunity of the owner at the local customer.
    duplicate = _ok(
        rep.post(
            "/api/v1/subsidiaries/",
            {"name": "Volvia Sverige AB", "country": "SE", "owner": w.rep.pk},
            format="json",
        )
    )
    parallel = _ok(
        owner.post(
            "/api/v1/opportunities/",
            {
                "name": "Småland pumps",
                "subsidiary": w.local_customer.pk,
                "product_line": pumps["id"],
                "stage": "qualification",
                "amount": "5000.00",
                "currency": "EUR",
                "close_date": "2026-12-31",
            },
            format="json",
        )
    )
    contact = _ok(
        gam.post(
            "/api/v1/contacts/",
            {"subsidiary": w.sub_se.pk, "name": "Karin Berg", "email": "karin@volvia.test"},
            format="json",
        )
    )
    _ok(gam.post("/api/v1/relationships/", {"contact": contact["id"]}, format="json"))
    _ok(
        gam.post(
            "/api/v1/campaigns/",
            {
                "name": "Spring fair",
                "subsidiary": w.sub_se.pk,
                "starts_on": "2026-03-01",
                "ends_on": "2026-03-31",
            },
            format="json",
        )
    )
    _ok(
        gam.post(
            "/api/v1/activities/",
            {
                "kind": "call",
                "subject": "Kick-off",
                "subsidiary": w.sub_se.pk,
                "opportunity": deal["id"],
                "occurred_at": "2026-02-01T10:00:00Z",
            },
            format="json",
        )
    )
    plan = _ok(gam.post("/api/v1/plans/", {"global_account": w.account.pk}, format="json"))
    _ok(gam.patch(f"/api/v1/plans/{plan['id']}/", {"strategy": "Grow DE"}, format="json"), 200)
    objective = _ok(
        gam.post("/api/v1/plan-objectives/", {"plan": plan["id"], "title": "Win DE"}, format="json")
    )
    _ok(
        gam.post(
            "/api/v1/plan-actions/",
            {"plan": plan["id"], "objective": objective["id"], "title": "Visit Munich"},
            format="json",
        )
    )
    _ok(
        gam.post(
            "/api/v1/plan-adaptations/",
            {"plan": plan["id"], "country": "DE", "notes": "Local pricing"},
            format="json",
        )
    )
    _ok(gam.post("/api/v1/plan-comments/", {"plan": plan["id"], "body": "Agreed"}, format="json"))
    _ok(
        api(w.sponsor).post(
            "/api/v1/plan-reviews/",
            {"plan": plan["id"], "held_on": str(timezone.localdate()), "notes": "Met"},
            format="json",
        )
    )
    _ok(rep.post("/api/v1/leads/", {"company_name": "Nordvik AB", "country": "SE"}, format="json"))
    _ok(
        admin.post(
            "/api/v1/imports/",
            {
                "file": _csv("name,country\nFjord Marine AS,SE\n"),
                "kind": "subsidiaries",
            },
            format="multipart",
        ),
        202,
    )
    # Conflicts as the detectors record them (the engine has tests of its own): one the
    # rep owns a record of (a hint row for them), one between two owners' opportunities.
    with tenant_context(w.acme):
        duplicate = Subsidiary.objects.get(pk=duplicate["id"])
        make_conflict(
            ConflictKind.DUPLICATE_CUSTOMER,
            [("subsidiary", w.sub_se), ("subsidiary", duplicate)],
            global_account=w.account,
            countries=["SE"],
        )
        make_conflict(
            ConflictKind.PARALLEL_OPPORTUNITY,
            [
                ("opportunity", Opportunity.objects.get(pk=deal["id"])),
                ("opportunity", Opportunity.objects.get(pk=parallel["id"])),
            ],
            global_account=w.account,
            countries=["SE"],
        )
    return w


def _csv(text: str):
    return SimpleUploadedFile("subsidiaries.csv", text.encode(), content_type="text/csv")


_PARAM = re.compile(r"\{(\w+)\}")


def _get_paths(schema: dict) -> tuple[list[str], list[str]]:
    lists, details = [], []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        (details if "{" in path else lists).append(path)
    return lists, details


def _list_for(detail_path: str) -> str:
    return detail_path.split("{", 1)[0]


@pytest.mark.parametrize("role", ROLES)
def test_every_get_answers_what_the_schema_documents(rich_world, api, openapi, client, role):
    schema = client.get("/api/schema/?format=json").json()
    lists, details = _get_paths(schema)
    user = api(getattr(rich_world, role))
    first_rows: dict[str, dict] = {}
    checked = 0
    for path in lists:
        response = user.get(path)
        # 403: an admin-only list (audit log): its error body must be documented too.
        assert response.status_code in (200, 403), (role, path, response.content[:300])
        check(openapi, response)
        checked += 1
        if response.status_code != 200:
            continue
        body = response.json()
        rows = body.get("results") if isinstance(body, dict) else body
        if isinstance(rows, list) and rows:
            first_rows[path] = rows[0]
    assert first_rows, role
    for path in details:
        row = first_rows.get(_list_for(path))
        if row is None:
            continue  # nothing of that kind visible to this role
        key = _PARAM.search(path).group(1)
        url = _PARAM.sub(str(row[key]), path, count=1)
        query = {}
        if path.endswith("/merge/"):
            records = [r for r in row.get("records", []) if r["type"] == "subsidiary"]
            if row.get("kind") != "duplicate_customer" or not records:
                continue
            query = {"survivor": records[0]["id"]}
        if path.endswith("/create-account/") and (
            row.get("kind") != "unlinked_group" or row.get("global_account")
        ):
            continue  # only a group without a global account has a preview
        response = user.get(url, query)
        if response.status_code in (403, 404):
            # A detail the role may not open (a hint row's conflict records ...): the error
            # must be documented too.
            assert "{" in path
        else:
            assert response.status_code == 200, (role, url, response.content[:300])
        check(openapi, response)
        checked += 1
    assert checked > len(lists)


def test_a_rep_reads_global_accounts_without_their_details(rich_world, api, openapi):
    response = api(rich_world.rep).get("/api/v1/global-accounts/")
    row = response.json()["results"][0]
    assert row["details_visible"] is False
    assert "score" not in row
    check(openapi, response)


def test_create_and_update_answers_with_warnings_conform(rich_world, api, openapi):
    rep = api(rich_world.rep)
    response = rep.post(
        "/api/v1/subsidiaries/",
        {"name": "Volvia Deutschland GmbH", "country": "DE"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["warnings"]
    check(openapi, response, "post")


def test_documented_errors_conform(rich_world, api, openapi):
    w = rich_world
    anonymous = api(None).get("/api/v1/subsidiaries/")
    assert anonymous.status_code == 401
    check(openapi, anonymous)

    missing = api(w.gam).get("/api/v1/subsidiaries/999999999/")
    assert missing.status_code == 404
    check(openapi, missing)

    other_tenant = api(w.gam).get(f"/api/v1/subsidiaries/{w.other_subsidiary.pk}/")
    assert other_tenant.status_code == 404
    check(openapi, other_tenant)

    forbidden = api(w.rep).patch(
        f"/api/v1/global-accounts/{w.account.pk}/", {"name": "Mine"}, format="json"
    )
    assert forbidden.status_code == 403
    check(openapi, forbidden, "patch")

    bad = api(w.gam).post("/api/v1/opportunities/", {"name": ""}, format="json")
    assert bad.status_code == 400
    check(openapi, bad, "post")

    stale = api(w.gam).patch(
        f"/api/v1/subsidiaries/{w.sub_se.pk}/",
        {"address": "Storgatan 1"},
        format="json",
        HTTP_IF_MATCH='"1000"',
    )
    assert stale.status_code == 409
    check(openapi, stale, "patch")


def test_validation_catches_a_body_that_differs(rich_world, api, openapi):
    """The check can fail: a body without a required field is refused."""
    response = api(rich_world.gam).get(f"/api/v1/subsidiaries/{rich_world.sub_se.pk}/")
    body = response.json()
    del body["name"]
    response.content = json.dumps(body).encode()
    with pytest.raises(Exception, match="name"):
        check(openapi, response)
