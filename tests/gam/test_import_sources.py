"""Real export files (tests/data/imports/): Salesforce Account/Contact/Opportunity exports,
HubSpot companies/contacts/deals, a Dynamics 365 accounts export, a Swedish .xlsx with a
title row and a Windows-1252 CSV with ``;``. Each is imported with its preset (detected
from the headers) or the suggested mapping, and the result is checked record by record,
with the group structure built from the parent links and the source ids that make a
re-import update instead of duplicate."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Contact, GlobalAccount, Subsidiary
from gam.imports import services
from gam.models import ImportMapping, SourceId
from gam.tenancy import tenant_context
from opportunities.models import Opportunity
from tests import factories as f
from tests.gam.test_imports import by_row

DATA = Path(__file__).parent.parent / "data" / "imports"
OWNERS = {"0055g00000AbCdEAA1": "owner@acme.test", "0055g00000FgHiJAA2": "Lukas LAM"}


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def fi(world):
    return f.CountryFactory(tenant=world.acme, code="FI", currency="EUR")


def subsidiaries(world, names):
    with tenant_context(world.acme):
        subs = Subsidiary.objects.filter(name__in=names).select_related(
            "country", "global_account", "owner"
        )
        return {s.name: s for s in subs}


def groups(world) -> dict[str, set[str]]:
    with tenant_context(world.acme):
        return {
            account.name: {s.name for s in account.subsidiaries.all()}
            for account in GlobalAccount.objects.prefetch_related("subsidiaries")
        }


def run(run_import, user, kind, name, **kwargs):
    return run_import(user, kind, read(name), filename=name, **kwargs)


def test_salesforce_accounts_with_their_preset(world, fi, run_import, apply_job):
    with tenant_context(world.acme):
        services.owner_ids_link(user=world.admin, source="salesforce", owners=OWNERS)
    job = run(run_import, world.admin, "subsidiaries", "salesforce_accounts.csv")
    assert job.source == "salesforce"
    mapping = dict(zip(job.headers, job.mapping, strict=True))
    assert mapping["Id"] == "source_id" and "id" not in job.mapping
    assert mapping["BillingCountry"] == "country" and mapping["ShippingCountry"] == ""
    assert mapping["VAT_Number__c"] == "registration_number"
    assert mapping["ParentId"] == "parent" and mapping["OwnerId"] == "owner"
    assert job.status == "preview", job.errors
    assert job.summary["create"] == 7
    assert "Part of the group of “Nordvik Group AB”." in by_row(job)[3]["notes"]
    job = apply_job(job)
    assert job.status == "done", job.errors
    assert job.summary["groups"] == 2 and job.summary["global_accounts_created"] == 2
    got = subsidiaries(
        world,
        ["Nordvik Group AB", "Nordvik Finland Oy", "Nordvik Deutschland GmbH",
         "Nordvik France SAS", "Lindqvist Logistik AB", "Lindqvist Transport GmbH",
         "Solo Konsult AB"],
    )  # fmt: skip
    assert {n: s.country.code for n, s in got.items()} == {
        "Nordvik Group AB": "SE",
        "Nordvik Finland Oy": "FI",
        "Nordvik Deutschland GmbH": "DE",
        "Nordvik France SAS": "FR",
        "Lindqvist Logistik AB": "SE",
        "Lindqvist Transport GmbH": "DE",
        "Solo Konsult AB": "SE",
    }
    de = got["Nordvik Deutschland GmbH"]
    assert de.registration_number == "DE123456789"
    assert de.website == "nordvik.example/de"
    assert de.address == "Hafenstraße 12\nGebäude B, Hamburg, 20457"
    assert de.owner == world.lam_de and got["Nordvik Group AB"].owner == world.owner
    assert groups(world)["Nordvik Group AB"] == {
        "Nordvik Group AB", "Nordvik Finland Oy", "Nordvik Deutschland GmbH",
        "Nordvik France SAS",
    }  # fmt: skip
    assert groups(world)["Lindqvist Logistik AB"] == {
        "Lindqvist Logistik AB",
        "Lindqvist Transport GmbH",
    }
    assert got["Solo Konsult AB"].global_account is None
    with tenant_context(world.acme):
        assert (
            SourceId.objects.filter(source="salesforce", model="accounts.subsidiary").count() == 7
        )
        versions = dict(Subsidiary.objects.values_list("name", "version"))

    # The same file again changes nothing.
    again = apply_job(run(run_import, world.admin, "subsidiaries", "salesforce_accounts.csv"))
    assert again.summary["create"] == 0 and again.summary["update"] == 0
    assert again.summary["match"] == 7
    with tenant_context(world.acme):
        assert dict(Subsidiary.objects.values_list("name", "version")) == versions
        assert GlobalAccount.objects.count() == 3  # Volvia Group and the two new ones

    # A renamed account in Salesforce: the same record (by its Id), renamed.
    text = read("salesforce_accounts.csv").replace(b'"Solo Konsult AB"', b'"Solo Konsult & Co AB"')
    renamed = apply_job(run_import(world.admin, "subsidiaries", text, filename="sf.csv"))
    assert renamed.summary["update"] == 1 and renamed.summary["create"] == 0
    with tenant_context(world.acme):
        assert not Subsidiary.objects.filter(name="Solo Konsult AB").exists()
        assert Subsidiary.objects.get(name="Solo Konsult & Co AB").version == (
            versions["Solo Konsult AB"] + 1
        )


def test_salesforce_contacts_and_opportunities_find_their_accounts_by_source_id(
    world, fi, run_import, apply_job
):
    with tenant_context(world.acme):
        services.owner_ids_link(user=world.admin, source="salesforce", owners=OWNERS)
    apply_job(run(run_import, world.admin, "subsidiaries", "salesforce_accounts.csv"))
    job = apply_job(run(run_import, world.admin, "contacts", "salesforce_contacts.csv"))
    assert job.source == "salesforce" and job.status == "done", job.errors
    with tenant_context(world.acme):
        contacts = {c.email: c for c in Contact.objects.select_related("subsidiary")}
    anna = contacts["anna.berg@nordvik.example"]
    assert (anna.name, anna.title, anna.subsidiary.name) == ("Anna Berg", "CFO", "Nordvik Group AB")
    mikko = contacts["mikko.virtanen@nordvik.example"]
    assert mikko.subsidiary.name == "Nordvik Finland Oy"
    assert mikko.title == "Head of Procurement\nNordic region"
    assert contacts["joerg.mueller@nordvik.example"].name == "Jörg Müller"

    for slug in ("prospecting", "negotiation", "closed_won"):
        f.StageFactory(tenant=world.acme, slug=slug)
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK", rate=Decimal("0.09"))
    job = run(run_import, world.admin, "opportunities", "salesforce_opportunities.csv")
    assert job.source == "salesforce" and job.status == "preview", job.errors
    job = apply_job(job)
    with tenant_context(world.acme):
        opps = {o.name: o for o in Opportunity.objects.select_related("stage", "subsidiary")}
    line3 = opps["Nordvik – Line 3 automation"]
    assert (line3.stage.slug, line3.amount, line3.currency) == (
        "prospecting",
        Decimal("250000.00"),
        "SEK",
    )
    assert line3.subsidiary.name == "Nordvik Group AB" and line3.owner == world.owner
    assert line3.next_step == "Site visit\nwith plant manager"
    service = opps["Nordvik DE – Service 2027"]
    assert (service.stage.slug, service.amount, service.owner) == (
        "negotiation",
        Decimal("84000.50"),
        world.lam_de,
    )
    won = opps["Lindqvist – Fleet sensors"]
    assert won.stage.slug == "closed_won" and won.status == "won"
    again = run(run_import, world.admin, "opportunities", "salesforce_opportunities.csv")
    assert again.summary["match"] == 3 and again.summary["create"] == 0


def test_hubspot_companies_contacts_and_deals(world, run_import, apply_job):
    with tenant_context(world.acme):
        f.CountryFactory(tenant=world.acme, code="US", currency="USD")
    # The form's country (DE) only fills the row without one (Bäckström, in Västerås).
    job = run(run_import, world.admin, "subsidiaries", "hubspot_companies.csv", country=world.de)
    assert job.source == "hubspot"
    rows = by_row(job)
    assert rows[5]["errors"][0]["message"].startswith("Japan (JP) is not one of your")
    assert rows[6]["default_country"] and rows[6]["label"] == "Bäckström Mekaniska AB (DE)"
    # Without the Japanese row (the admin adds Japan), the rest lands in its own countries.
    with tenant_context(world.acme):
        f.CountryFactory(tenant=world.acme, code="JP", currency="JPY")
    job = apply_job(
        run(run_import, world.admin, "subsidiaries", "hubspot_companies.csv", country=world.de)
    )
    assert job.status == "done", job.errors
    got = subsidiaries(
        world,
        ["Kestrel Foods SAS", "Kestrel Foods Sverige AB", "Kestrel Foods Inc.",
         "Kestrel Foods K.K.", "Bäckström Mekaniska AB"],
    )  # fmt: skip
    assert {n: s.country.code for n, s in got.items()} == {
        "Kestrel Foods SAS": "FR",
        "Kestrel Foods Sverige AB": "SE",
        "Kestrel Foods Inc.": "US",
        "Kestrel Foods K.K.": "JP",
        "Bäckström Mekaniska AB": "DE",
    }
    assert got["Kestrel Foods SAS"].owner == world.gam  # "Greta GAM", by name
    assert got["Kestrel Foods SAS"].website == "kestrelfoods.example"
    assert got["Kestrel Foods SAS"].address == "8 avenue Foch, Lyon, 69006"
    assert groups(world)["Kestrel Foods SAS"] == {
        "Kestrel Foods SAS", "Kestrel Foods Sverige AB", "Kestrel Foods Inc.",
        "Kestrel Foods K.K.",
    }  # fmt: skip

    job = apply_job(run(run_import, world.admin, "contacts", "hubspot_contacts.csv"))
    assert job.source == "hubspot" and job.status == "done", job.errors
    with tenant_context(world.acme):
        claire = Contact.objects.select_related("subsidiary").get(email__startswith="claire")
    assert claire.name == "Claire Dubois" and claire.subsidiary.name == "Kestrel Foods SAS"
    assert claire.title == "Directrice achats"

    for slug in ("qualification", "negotiation"):
        f.StageFactory(tenant=world.acme, slug=slug)
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK", rate=Decimal("0.09"))
    job = apply_job(run(run_import, world.admin, "opportunities", "hubspot_deals.csv"))
    assert job.status == "done", job.errors
    with tenant_context(world.acme):
        deals = {o.name: o for o in Opportunity.objects.select_related("stage", "subsidiary")}
    retrofit = deals["Kestrel – packaging line retrofit"]
    assert retrofit.stage.slug == "negotiation" and retrofit.subsidiary.name == "Kestrel Foods SAS"
    assert retrofit.amount == Decimal("1200000.00") and retrofit.currency == "EUR"
    spare = deals["Kestrel SE – spare parts 2027"]
    assert spare.stage.slug == "qualification" and spare.subsidiary.country.code == "SE"


def test_dynamics_365_accounts_export(world, fi, run_import, apply_job):
    job = run(run_import, world.admin, "subsidiaries", "dynamics365_accounts.xlsx")
    assert job.source == "dynamics"
    mapping = dict(zip(job.headers, job.mapping, strict=True))
    assert mapping["(Do Not Modify) Account"] == "source_id"
    assert mapping["(Do Not Modify) Row Checksum"] == ""
    job = apply_job(job)
    assert job.status == "done", job.errors
    got = subsidiaries(
        world,
        ["Helvar Holding Oyj", "Helvar Sverige AB", "Helvar Deutschland GmbH",
         "Brunnsvik Bygg AB"],
    )  # fmt: skip
    assert {n: (s.country.code, s.owner.email) for n, s in got.items()} == {
        "Helvar Holding Oyj": ("FI", "gam@acme.test"),
        "Helvar Sverige AB": ("SE", "gam@acme.test"),
        "Helvar Deutschland GmbH": ("DE", "lam.de@acme.test"),
        "Brunnsvik Bygg AB": ("SE", "owner@acme.test"),
    }
    assert got["Helvar Deutschland GmbH"].address == "Leopoldstraße 9, München, 80802"
    assert groups(world)["Helvar Holding Oyj"] == {
        "Helvar Holding Oyj",
        "Helvar Sverige AB",
        "Helvar Deutschland GmbH",
    }
    assert got["Brunnsvik Bygg AB"].global_account is None
    again = run(run_import, world.admin, "subsidiaries", "dynamics365_accounts.xlsx")
    assert again.summary["match"] == 4


def test_swedish_xlsx_with_a_title_row(world, run_import, apply_job):
    job = run(run_import, world.admin, "subsidiaries", "kunder_sverige.xlsx")
    assert job.source == ""
    assert dict(zip(job.headers, job.mapping, strict=True)) == {
        "Kund": "name",
        "Org.nr": "registration_number",
        "Webbplats": "website",
        "Land": "country",
        "Ansvarig": "owner",
        "Adress": "address",
        "Koncern": "global_account",
    }
    assert [r["row"] for r in job.preview] == [4, 5, 6]  # rows of the sheet
    job = apply_job(job)
    assert job.status == "done", job.errors
    got = subsidiaries(world, ["Älvdalens Trä AB", "Norrsken Energi AB", "Volvia Sverige AB"])
    assert got["Älvdalens Trä AB"].registration_number == "556123-4567"
    assert got["Älvdalens Trä AB"].owner == world.owner  # "olle owner", by name
    assert got["Norrsken Energi AB"].country.code == "SE"
    assert got["Volvia Sverige AB"].pk == world.sub_se.pk  # matched, not duplicated


def test_windows_1252_with_semicolons(world, run_import, apply_job):
    job = run(
        run_import, world.admin, "subsidiaries", "kunder_cp1252_semikolon.csv", country=world.se
    )
    assert job.mapping == [
        "name", "registration_number", "website", "country", "owner", "address", "address",
        "address",
    ]  # fmt: skip
    rows = by_row(job)
    assert rows[3]["default_country"] and not rows[2]["default_country"]
    job = apply_job(job)
    assert job.status == "done", job.errors
    got = subsidiaries(
        world,
        ["Åkerlund & Rausing Förpackning AB", "Mälardalens Stål AB", "Öresund Müller GmbH"],
    )
    assert got["Åkerlund & Rausing Förpackning AB"].address == "Råbyvägen 7, 223 57, Lund"
    assert got["Öresund Müller GmbH"].country.code == "DE"  # "Tyskland"
    assert got["Mälardalens Stål AB"].country.code == "SE"


def test_a_mapping_given_through_the_api_and_saved_mappings(world, api):
    client = api(world.admin)
    data = b"Firm,Land code,Ignore me\r\nKalmar Kran AB,SE,x\r\n"
    response = client.post(
        "/api/v1/imports/",
        {
            "kind": "subsidiaries",
            "file": SimpleUploadedFile("k.csv", data, content_type="text/csv"),
            "mapping": '{"Firm": "name", "Land code": "country", "Ignore me": ""}',
        },
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    assert response.json()["mapping"] == ["name", "country", ""]
    bad = client.post(
        "/api/v1/imports/",
        {
            "kind": "subsidiaries",
            "file": SimpleUploadedFile("k.csv", data, content_type="text/csv"),
            "mapping": '{"Firm": "name", "Land code": "nonsense"}',
        },
        format="multipart",
    )
    assert bad.status_code == 400 and "not a field" in str(bad.json()["mapping"])

    with tenant_context(world.acme):
        services.mapping_save(
            user=world.admin, kind="subsidiaries", name="Kalmar list",
            headers=["Firm", "Land code", "Ignore me"], mapping=["name", "country", ""],
        )  # fmt: skip
        assert ImportMapping.objects.count() == 1
        suggestion = services.suggest("subsidiaries", ["Firm", "Land code", "Ignore me"])
    assert suggestion.origin == "Kalmar list" and suggestion.mapping == ["name", "country", ""]
