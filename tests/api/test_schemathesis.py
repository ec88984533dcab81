"""API fuzzing: schemathesis generates requests for every operation of ``/api/schema/`` and
sends them as a logged-in tenant admin (token). Every response must be free of server errors
(5xx) and conform to the schema (body for documented statuses, content type).

Kept fast: a few examples per operation, no deadline; the generated data lands in the test
transaction like any test's.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from gam import tokens
from tests import factories as f


def _served_schema() -> dict:
    """What /api/schema/ serves (same generator and renderer), built at collection time,
    when no database access is allowed yet (a request would open a transaction)."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


RAW_SCHEMA = _served_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = WSGIHandler()

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_the_fuzzed_schema_is_the_served_one(db, client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json() == RAW_SCHEMA


@pytest.fixture
def token(db):
    """A tenant admin (who may call every operation) of a small tenant, and a second tenant
    whose rows must never show up. Lighter than ``world``: this runs once per operation."""
    acme = f.TenantFactory(slug="acme")
    f.CountryFactory(tenant=acme, code="SE")
    admin = f.UserFactory(tenant=acme, is_tenant_admin=True)
    f.SubsidiaryFactory(tenant=acme, name="Volvia Sverige AB")
    other = f.TenantFactory(slug="globex")
    f.SubsidiaryFactory(tenant=other, name="Initech AB")
    return tokens.issue(admin, name="schemathesis", expires_at=None)[1]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: requests must not close the test transaction's
    connection (request_started/finished close old connections)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


# --- the hostile cases, on every operation of the schema --------------------------------------

NESTED = 40  # past gam.parsers.MAX_DEPTH, well inside what the JSON encoder itself handles


def _operations():
    return [result.ok() for result in schema.get_all_operations()]


def _path_parameters(operation) -> dict:
    return {
        p.name: ("SE" if "code" in p.name or "slug" in p.name else "1")
        for p in operation.path_parameters
    }


def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


JSON_BODY = [
    op for op in _operations() if "application/json" in schema.get_request_payload_content_types(op)
]
WITH_QUERY = [op for op in _operations() if list(op.query)]


@pytest.mark.parametrize("operation", JSON_BODY, ids=lambda op: op.label)
def test_nested_json_is_refused_by_every_operation(operation, token):
    case = operation.Case(
        path_parameters=_path_parameters(operation),
        body={"name": _nested(NESTED)},
        media_type="application/json",
    )
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, response.text[:500]
    assert response.status_code in (400, 403, 404, 405), response.status_code


@pytest.mark.parametrize("operation", WITH_QUERY, ids=lambda op: op.label)
def test_nul_in_every_query_parameter_is_400(operation, token):
    for parameter in operation.query:
        case = operation.Case(
            path_parameters=_path_parameters(operation), query={parameter.name: "a\x00b"}
        )
        response = case.call(headers={"Authorization": f"Token {token}"})
        assert response.status_code == 400, (parameter.name, response.status_code)
