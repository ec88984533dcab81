"""The database unreachable: the API answers 503 with a JSON body, pages a plain maintenance
page with 503, both with Retry-After; never a bare 500."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down():
    """Point the connection at a port nothing listens on, as when PostgreSQL is down."""
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = 1
    yield
    connection.close()
    connection.settings_dict["PORT"] = saved


def test_api_answers_503_json(world, database_down):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Token abc")
    for call in (
        lambda: client.get("/api/v1/subsidiaries/"),
        lambda: client.post("/api/v1/auth/token/", {"email": "a@b.c", "password": "x"}),
    ):
        response = call()
        assert response.status_code == 503
        assert response["Content-Type"].startswith("application/json")
        assert "database" in response.json()["detail"].lower()
        assert int(response["Retry-After"]) > 0


def test_pages_answer_a_maintenance_page(world, database_down):
    response = Client(raise_request_exception=False).get("/customers/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "maintenance" in response.content.decode().lower()
    assert int(response["Retry-After"]) > 0
