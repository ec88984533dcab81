"""What /api/schema/ promises a client generated from it: every writable foreign key is in the
request models, bodies are JSON (multipart only for an upload), and the responses are
documented as they are sent."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    # The generator introspects views with a stand-in user: no database needed.
    return SchemaGenerator().get_schema(request=None, public=True)


def _components(schema):
    return schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("component", "fields"),
    [
        ("OpportunityRequest", {"subsidiary", "product_line", "owner", "framework_agreement"}),
        ("CreditSplitRequest", {"user", "country"}),
        ("ContactRequest", {"subsidiary", "reports_to"}),
        ("CampaignRequest", {"subsidiary"}),
        ("FrameworkAgreementRequest", {"global_account", "countries"}),
        ("TeamMemberRequest", {"global_account", "user", "country"}),
        ("SubsidiaryRequest", {"global_account", "owner", "country"}),
        ("PatchedSubsidiaryRequest", {"global_account", "owner"}),
        ("ActivityRequest", {"subsidiary", "contact", "opportunity", "owner"}),
        ("ConflictLinkRequest", {"global_account"}),
        ("ConflictMergeRequest", {"survivor", "duplicate"}),
        ("GlobalAccountRequest", {"tier", "headquarters_country"}),
    ],
)
def test_foreign_keys_are_writable_in_request_models(schema, component, fields):
    properties = _components(schema)[component]["properties"]
    assert fields <= set(properties), fields - set(properties)
    for name in fields:
        assert not properties[name].get("readOnly"), name


def test_foreign_keys_in_responses_keep_their_type_and_nullability(schema):
    opportunity = _components(schema)["Opportunity"]["properties"]
    assert opportunity["subsidiary"] == {"type": "integer"}
    assert opportunity["framework_agreement"]["nullable"] is True
    assert opportunity["stage"]["type"] == "string"


def test_request_bodies_are_json_and_multipart_only_for_uploads(schema):
    uploads = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content")
            if not content:
                continue
            if list(content) == ["multipart/form-data"]:
                uploads.append((method, path))
            else:
                assert list(content) == ["application/json"], (method, path, list(content))
    assert uploads == [("post", "/api/v1/imports/")]
