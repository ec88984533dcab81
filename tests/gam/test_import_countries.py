"""Countries in imports and settings: a row's own country wins over the file's default,
which only fills rows that name none (the preview says which); countries by code, English
or local name and alias; a country the tenant lacks is a row error naming it; settings
forms and API accept assigned ISO 3166 / ISO 4217 codes only."""

from __future__ import annotations

import pytest

from accounts.models import Subsidiary
from gam import iso
from gam.models import Country
from gam.tenancy import tenant_context
from tests import factories as f
from tests.gam.test_imports import by_row, csv_bytes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FI", "FI"),
        ("fin", "FI"),
        ("FINLAND", "FI"),
        ("Suomi", "FI"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Sverige", "SE"),
        ("United States", "US"),
        ("USA", "US"),
        ("Norge", "NO"),
        ("Österreich", "AT"),
        ("Côte d'Ivoire", "CI"),
        ("Japan", "JP"),
        ("XX", None),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_spellings(text, code):
    assert iso.country_code(text) == code


def test_the_files_country_wins_over_the_chosen_default(world, run_import, apply_job):
    """The HubSpot case: companies in FR, SE, US, JP imported with DE chosen on the form.
    Before, every row was written as German without an error."""
    with tenant_context(world.acme):
        f.CountryFactory(tenant=world.acme, code="US", currency="USD")
    data = csv_bytes(
        ["Company name", "Country/Region"],
        [
            ["Renault Trucks SAS", "France"],
            ["Sandvik Coromant AB", "Sweden"],
            ["Caterpillar Inc.", "United States"],
            ["Komatsu Ltd.", "Japan"],
            ["Bosch Rexroth AG", ""],
            ["Michelin", "FR"],
        ],
    )
    job = run_import(world.admin, "subsidiaries", data, country=world.de)
    rows = by_row(job)
    assert [rows[n]["action"] for n in range(2, 8)] == [
        "create",
        "create",
        "create",
        "error",
        "create",
        "create",
    ]
    assert rows[5]["errors"] == [
        {
            "field": "country",
            "message": "Japan (JP) is not one of your countries; a tenant admin adds it in "
            "Settings → Countries.",
        }
    ]
    assert [n for n in range(2, 8) if rows[n]["default_country"]] == [6]
    assert "the default chosen for the file" in rows[6]["notes"][0]
    # Nothing applies while a row has errors; without the Japanese row the rest lands.
    assert job.status == "invalid"
    data = csv_bytes(
        ["Company name", "Country/Region"],
        [
            ["Renault Trucks SAS", "France"],
            ["Sandvik Coromant AB", "Sweden"],
            ["Caterpillar Inc.", "United States"],
            ["Bosch Rexroth AG", ""],
        ],
    )
    job = apply_job(run_import(world.admin, "subsidiaries", data, country=world.de))
    assert job.status == "done", job.errors
    with tenant_context(world.acme):
        got = dict(
            Subsidiary.objects.filter(
                name__in=["Renault Trucks SAS", "Sandvik Coromant AB", "Caterpillar Inc.",
                          "Bosch Rexroth AG"]
            ).values_list("name", "country__code")
        )  # fmt: skip
    assert got == {
        "Renault Trucks SAS": "FR",
        "Sandvik Coromant AB": "SE",
        "Caterpillar Inc.": "US",
        "Bosch Rexroth AG": "DE",
    }


def test_country_names_and_unknown_countries(world, run_import):
    with tenant_context(world.acme):
        f.CountryFactory(tenant=world.acme, code="FI", currency="EUR")
    data = csv_bytes(
        ["name", "country"],
        [["Wärtsilä Oyj", "FINLAND"], ["Kone", "Suomi"], ["X GmbH", "Deutschland"],
         ["Y Ltd", "UK"], ["Z", "Atlantis"], ["Q", ""]],
    )  # fmt: skip
    rows = by_row(run_import(world.admin, "subsidiaries", data))
    assert rows[2]["label"] == "Wärtsilä Oyj (FI)" and rows[3]["label"] == "Kone (FI)"
    assert rows[4]["label"] == "X GmbH (DE)"
    assert rows[5]["errors"][0]["message"].startswith("United Kingdom (GB) is not one of")
    assert rows[6]["errors"][0]["message"] == "“Atlantis” is not a country."
    assert rows[7]["errors"][0]["field"] == "country"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"code": "XX", "currency": "EUR"}, "code", "XX is not an ISO 3166 country code"),
        ({"code": "UK", "currency": "GBP"}, "code", "use GB (United Kingdom)"),
        ({"code": "NO", "currency": "KRO"}, "currency", "KRO is not an ISO 4217 currency"),
    ],
)
def test_settings_refuse_codes_that_are_not_iso(world, api, web, payload, field, message):
    response = api(world.admin).post("/api/v1/countries/", {"name": "X", **payload})
    assert response.status_code == 400
    assert message in response.json()[field][0]
    page = web(world.admin).post("/settings/countries/new/", {"name": "X", **payload})
    assert page.status_code == 200 and message in page.content.decode()
    with tenant_context(world.acme):
        assert not Country.objects.filter(code=payload["code"]).exists()


def test_exchange_rate_currency_is_iso(world, api):
    response = api(world.admin).post(
        "/api/v1/exchange-rates/", {"currency": "KRO", "rate": "1", "valid_from": "2026-01-01"}
    )
    assert response.status_code == 400 and "ISO 4217" in response.json()["currency"][0]
