"""CSV / Excel import: dry run, per-row errors, matching with the duplicate detectors,
all-or-nothing apply, the sharing model per role, other tenants' ids, the Celery task with
its progress, file formats, pages and API, and a query count that does not grow per row."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from accounts.importers import SubsidiaryImporter
from accounts.models import Contact, Subsidiary
from gam.imports import progress, runner, services
from gam.imports.tasks import run_import as run_import_task
from gam.models import AuditLogEntry, ImportJob
from gam.renderers import CSVRenderer
from gam.tenancy import tenant_context
from opportunities.models import CreditSplit, Opportunity, StageChange
from tests import factories as f

SUB_HEADER = ["name", "country", "registration_number", "website", "global_account", "owner"]


def csv_bytes(header, rows, *, delimiter=",", bom=False, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def count(world, model):
    with tenant_context(world.acme):
        return model.objects.count()


def by_row(job):
    return {r["row"]: r for r in job.preview}


# --- dry run and apply ------------------------------------------------------------------------


def test_dry_run_creates_nothing(world, run_import):
    before = count(world, Subsidiary)
    data = csv_bytes(
        SUB_HEADER,
        [
            ["Nordkap Maskin AB", "SE", "556677-8899", "nordkap.se", "", ""],
            ["Rhein Pumpen GmbH", "DE", "DE123456789", "rhein-pumpen.de", "", ""],
        ],
    )
    job = run_import(world.admin, "subsidiaries", data)
    assert job.status == ImportJob.Status.PREVIEW
    assert job.summary["create"] == 2 and job.summary["error"] == 0
    assert [r["action"] for r in job.preview] == ["create", "create"]
    assert job.progress == 100 and job.processed_rows == 2
    assert count(world, Subsidiary) == before


def test_apply_creates_with_matching_keys_history_and_audit(world, run_import, apply_job):
    data = csv_bytes(
        SUB_HEADER,
        [["Nordkap Maskin AB", "SE", "SE556677889901", "https://www.nordkap.se/", "", ""]],
    )
    job = apply_job(run_import(world.admin, "subsidiaries", data))
    assert job.status == ImportJob.Status.DONE
    with tenant_context(world.acme):
        sub = Subsidiary.objects.get(name="Nordkap Maskin AB")
        assert sub.registration_key == "SE:5566778899"
        assert sub.domain_key == "nordkap.se"
        assert sub.name_block == "nordkap"
        assert sub.owner == world.admin
        assert sub.history.count() == 1
        assert AuditLogEntry.objects.filter(action="import.apply", object_id=str(job.pk)).exists()


def test_bad_rows_change_nothing_and_every_bad_row_is_listed(world, run_import, apply_job):
    before = count(world, Subsidiary)
    data = csv_bytes(
        SUB_HEADER,
        [
            ["Good One AB", "SE", "", "", "", ""],
            ["", "SE", "", "", "", ""],  # row 3: no name
            ["Nowhere Ltd", "XX", "", "", "", ""],  # row 4: not a country of the tenant
            ["Good Two AB", "SE", "", "", "", ""],
            ["Foreign Link AB", "SE", "", "", str(world.other_account.pk), ""],  # row 6
            ["Ghost Owner AB", "SE", "", "", "", "nobody@acme.test"],  # row 7
        ],
    )
    job = run_import(world.admin, "subsidiaries", data)
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "name"),
        (4, "country"),
        (6, "global_account"),
        (7, "owner"),
    ]
    assert all(e["message"] for e in job.errors)
    assert job.summary["create"] == 2 and job.summary["error"] == 4
    # Applying is refused for a job with errors, and running the write anyway writes nothing.
    with pytest.raises(Exception, match="Only an import that was checked"):
        apply_job(job)
    with tenant_context(world.acme):
        runner.import_apply(job=job)
        job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert count(world, Subsidiary) == before


def test_a_failing_write_rolls_back_every_row(world, run_import, apply_job, monkeypatch):
    f.StageFactory(tenant=world.acme, slug="proposal")
    data = csv_bytes(
        ["subsidiary", "name", "stage", "close_date", "amount", "currency"],
        [
            [world.sub_de.pk, "Pumps A", "proposal", "2026-12-01", "100", "EUR"],
            [world.sub_de.pk, "Pumps B", "proposal", "2026-12-01", "200", "EUR"],
        ],
    )
    job = run_import(world.admin, "opportunities", data)
    assert job.status == ImportJob.Status.PREVIEW

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The opportunities are written first, then their splits: the second write fails.
    monkeypatch.setattr(CreditSplit.objects, "bulk_create", explode)
    job = apply_job(job)
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was changed" in job.message
    assert count(world, Opportunity) == 0


# --- matching -------------------------------------------------------------------------------


@pytest.fixture
def registered(world):
    with tenant_context(world.acme):
        world.sub_se.registration_number = "556012-5790"
        world.sub_se.website = "volvia.se"
        world.sub_se.save()
    return world


def test_matching_finds_existing_customers(registered, run_import, apply_job):
    w = registered
    data = csv_bytes(
        ["name", "country", "registration_number", "website", "address"],
        [
            # VAT number in another format than the stored organisation number
            ["Volvia Sweden Aktiebolag", "SE", "SE556012579001", "", "Box 1, Göteborg"],
            # the same web domain, written as a URL
            ["Volvia Svenska", "SE", "", "https://www.volvia.se/kontakt", ""],
            # the same company in another country is another subsidiary: created, with a hint
            ["Volvia France SAS", "FR", "", "volvia.se", ""],
            # nothing changes: matched and left alone
            ["VOLVIA SVERIGE", "SE", "", "", ""],
        ],
    )
    job = run_import(w.admin, "subsidiaries", data)
    rows = by_row(job)
    # Rows 2 and 3 are the same existing customer: the second is reported, not doubled.
    assert rows[2]["action"] == "update" and rows[2]["target"] == w.sub_se.pk
    assert rows[2]["changes"] == {"address": ["", "Box 1, Göteborg"]}
    assert "same registration number" in rows[2]["notes"][0]
    assert rows[3]["action"] == "error"
    assert "Row 2 of this file" in rows[3]["errors"][0]["message"]
    assert rows[4]["action"] == "create"
    assert any("Volvia Sverige AB in SE" in n for n in rows[4]["notes"])
    assert rows[5]["action"] == "error"  # also the same customer as row 2


def test_match_by_domain_and_name_without_change_is_match(registered, run_import):
    w = registered
    job = run_import(
        w.admin,
        "subsidiaries",
        csv_bytes(["name", "country", "website"], [["Volvia Svenska", "SE", "www.volvia.se"]]),
    )
    row = job.preview[0]
    assert row["action"] == "match" and row["target"] == w.sub_se.pk
    assert "same website" in row["notes"][0]
    job = run_import(
        w.admin, "subsidiaries", csv_bytes(["name", "country"], [["Volvia Sverige", "SE"]])
    )
    assert job.preview[0]["action"] == "match" and job.preview[0]["target"] == w.sub_se.pk


def test_update_by_id_and_apply_writes_keys(registered, run_import, apply_job):
    w = registered
    data = csv_bytes(
        ["id", "name", "country", "website"],
        [[w.sub_de.pk, "Volvia Deutschland GmbH", "DE", "volvia.de"]],
    )
    job = apply_job(run_import(w.admin, "subsidiaries", data))
    assert job.summary["update"] == 1
    with tenant_context(w.acme):
        w.sub_de.refresh_from_db()
        assert w.sub_de.website == "volvia.de" and w.sub_de.domain_key == "volvia.de"
        assert w.sub_de.version == 2


def test_contacts_are_matched_by_email_at_the_subsidiary(world, run_import, apply_job):
    f.ContactFactory(
        tenant=world.acme, subsidiary=world.sub_se, name="Anna Berg", email="anna@volvia.se"
    )
    data = csv_bytes(
        ["subsidiary", "name", "email", "title", "buying_role"],
        [
            [world.sub_se.pk, "Anna Berg", "ANNA@volvia.se", "CFO", "Decision maker"],
            [world.sub_de.pk, "Anna Berg", "anna@volvia.se", "", "influencer"],
            ["Volvia Sverige AB", "Nils Ek", "nils@volvia.se", "Buyer", ""],
        ],
    )
    job = apply_job(run_import(world.gam, "contacts", data))
    assert [r["action"] for r in job.preview] == ["update", "create", "create"]
    with tenant_context(world.acme):
        anna = Contact.objects.get(subsidiary=world.sub_se, email="anna@volvia.se")
        assert anna.title == "CFO" and anna.buying_role == "decision_maker"
        assert Contact.objects.filter(subsidiary=world.sub_de, email="anna@volvia.se").exists()
        assert Contact.objects.get(email="nils@volvia.se").subsidiary == world.sub_se


def test_opportunities_are_matched_by_name_at_the_subsidiary(world, run_import, apply_job):
    proposal = f.StageFactory(tenant=world.acme, slug="proposal")
    negotiation = f.StageFactory(tenant=world.acme, slug="negotiation")
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK", rate=Decimal("0.09"))
    existing = f.OpportunityFactory(
        tenant=world.acme, subsidiary=world.sub_se, name="Pumps 2027", stage=proposal
    )
    data = csv_bytes(
        ["subsidiary", "name", "stage", "close_date", "amount", "currency", "owner"],
        [
            [world.sub_se.pk, "pumps 2027", "Negotiation", "2026-11-30", "12000", "EUR", ""],
            [world.sub_se.pk, "Valves 2027", "proposal", "15.12.2026", "100 000,60", "SEK", ""],
        ],
    )
    job = apply_job(run_import(world.gam, "opportunities", data))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert [r["action"] for r in job.preview] == ["update", "create"]
    with tenant_context(world.acme):
        existing.refresh_from_db()
        assert existing.stage == negotiation and existing.amount == Decimal("12000")
        assert StageChange.objects.filter(opportunity=existing, to_stage=negotiation).exists()
        valves = Opportunity.objects.get(name="Valves 2027")
        assert valves.amount == Decimal("100000.60") and valves.currency == "SEK"
        assert valves.amount_reporting == Decimal("9000.05")
        assert valves.close_date == datetime.date(2026, 12, 15)
        assert valves.owner == world.gam and valves.country == world.se
        assert valves.global_account == world.account and valves.status == "open"
        split = CreditSplit.objects.get(opportunity=valves)
        assert split.user == world.gam and split.percent == 100
        assert StageChange.objects.filter(opportunity=valves, from_stage=None).count() == 1
        assert valves.history.count() == 1


def test_opportunity_rows_report_stage_date_amount_and_rate_errors(world, run_import):
    f.StageFactory(tenant=world.acme, slug="proposal")
    data = csv_bytes(
        ["subsidiary", "name", "stage", "close_date", "amount", "currency"],
        [
            [world.sub_se.pk, "A", "launch", "2026-12-01", "1", "EUR"],
            [world.sub_se.pk, "B", "proposal", "31/31/2026", "1", "EUR"],
            [world.sub_se.pk, "C", "proposal", "2026-12-01", "1,234", "EUR"],
            [world.sub_se.pk, "D", "proposal", "2026-12-01", "10", "NOK"],
            [world.sub_se.pk, "E", "proposal", "2026-12-01", "-5", "EUR"],
            [world.sub_se.pk, "F", "", "", "", ""],
        ],
    )
    job = run_import(world.admin, "opportunities", data)
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (2, "stage"),
        (3, "close_date"),
        (4, "amount"),
        (5, "currency"),
        (6, "amount"),
        (7, "stage"),
        (7, "close_date"),
    ]
    assert "1234 or 1.234" in job.errors[2]["message"]


# --- permissions ------------------------------------------------------------------------------


def test_rep_may_add_local_customers_but_not_to_a_global_account(world, run_import):
    data = csv_bytes(
        ["name", "country", "global_account"],
        [["Rita Kunde SARL", "FR", ""], ["Volvia France SAS", "FR", "Volvia Group"]],
    )
    job = run_import(world.rep, "subsidiaries", data)
    rows = by_row(job)
    assert rows[2]["action"] == "create"
    assert rows[3]["action"] == "error" and rows[3]["errors"][0]["field"] == "global_account"


def test_local_account_manager_only_in_their_country(world, run_import):
    data = csv_bytes(
        ["name", "country", "global_account"],
        [["Volvia Pumpen GmbH", "DE", str(world.account.pk)], ["Volvia SAS", "FR", "Volvia Group"]],
    )
    rows = by_row(run_import(world.lam_de, "subsidiaries", data))
    assert rows[2]["action"] == "create"
    assert rows[3]["action"] == "error"
    contacts = csv_bytes(
        ["subsidiary", "name", "email"],
        [[world.sub_de.pk, "Jan", "jan@volvia.de"], [world.sub_se.pk, "Per", "per@volvia.se"]],
    )
    rows = by_row(run_import(world.lam_de, "contacts", contacts))
    assert rows[2]["action"] == "create"
    assert rows[3]["action"] == "error" and "may not change" in rows[3]["errors"][0]["message"]


def test_gam_and_admin_change_everything_at_the_account(world, run_import):
    contacts = csv_bytes(
        ["subsidiary", "name"], [[world.sub_de.pk, "Jan"], [world.sub_se.pk, "Per"]]
    )
    assert run_import(world.gam, "contacts", contacts).summary["create"] == 2
    assert run_import(world.admin, "contacts", contacts).summary["create"] == 2
    sponsor = run_import(world.sponsor, "contacts", contacts)
    assert sponsor.summary["error"] == 2


def test_match_that_the_user_may_not_change_is_left_alone(registered, run_import):
    job = run_import(
        registered.rep,
        "subsidiaries",
        csv_bytes(["name", "country", "website"], [["Volvia AB", "SE", "volvia.se"]]),
    )
    row = job.preview[0]
    # Same website, name differs only in spelling: "match", and the rep's values are not used
    assert row["action"] == "match" and row["target"] == registered.sub_se.pk
    by_id = run_import(
        registered.rep,
        "subsidiaries",
        csv_bytes(["id", "name", "country"], [[registered.sub_se.pk, "Renamed AB", "SE"]]),
    )
    assert by_id.errors[0]["field"] == "id" and "may not change" in by_id.errors[0]["message"]


def test_opportunity_owner_and_change_rights(world, run_import):
    f.StageFactory(tenant=world.acme, slug="proposal")
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK")
    theirs = f.OpportunityFactory(
        tenant=world.acme, subsidiary=world.sub_se, name="Greta deal", owner=world.gam
    )
    data = csv_bytes(
        ["subsidiary", "name", "stage", "close_date", "owner"],
        [
            [world.sub_se.pk, "Rita deal", "proposal", "2026-12-01", ""],
            [world.sub_se.pk, "For Greta", "proposal", "2026-12-01", "gam@acme.test"],
            [world.sub_se.pk, theirs.name, "proposal", "2026-12-01", ""],
        ],
    )
    rows = by_row(run_import(world.rep, "opportunities", data))
    assert rows[2]["action"] == "create"  # anyone records their own work at a customer
    assert rows[3]["errors"][0]["field"] == "owner"
    assert rows[4]["errors"][0]["field"] == "name"


def test_other_tenants_ids_are_row_errors(world, run_import):
    other = world.other_subsidiary
    contacts = csv_bytes(["subsidiary", "name"], [[other.pk, "Spy"], [other.name, "Spy 2"]])
    job = run_import(world.admin, "contacts", contacts)
    assert [e["field"] for e in job.errors] == ["subsidiary", "subsidiary"]
    subs = csv_bytes(["id", "name", "country"], [[other.pk, "Initech AB", "SE"]])
    assert run_import(world.admin, "subsidiaries", subs).errors[0]["field"] == "id"
    owners = csv_bytes(["name", "country", "owner"], [["X AB", "SE", world.other_admin.email]])
    assert run_import(world.admin, "subsidiaries", owners).errors[0]["field"] == "owner"
    with tenant_context(world.globex):
        assert Contact.objects.count() == 0


def test_the_chosen_country_only_fills_rows_without_one(world, run_import):
    data = csv_bytes(["name", "country"], [["A AB", ""], ["B GmbH", "DE"]])
    job = run_import(world.admin, "subsidiaries", data, country=world.se)
    rows = by_row(job)
    assert rows[2]["action"] == "create" and rows[2]["label"] == "A AB (SE)"
    assert rows[2]["default_country"] is True
    assert rows[3]["action"] == "create" and rows[3]["label"] == "B GmbH (DE)"
    assert rows[3]["default_country"] is False


# --- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "bom", "encoding"),
    [(",", False, "utf-8"), (";", True, "utf-8"), (";", False, "cp1252"), ("\t", True, "utf-8")],
)
def test_csv_dialects(world, run_import, delimiter, bom, encoding):
    data = csv_bytes(
        ["Name", "Country code", "VAT number"],
        [["Åkerlund & Söner AB", "SE", "556001-0001"], ["Müller GmbH", "DE", ""]],
        delimiter=delimiter,
        bom=bom,
        encoding=encoding,
    )
    job = run_import(world.admin, "subsidiaries", data)
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    assert [r["label"] for r in job.preview] == ["Åkerlund & Söner AB (SE)", "Müller GmbH (DE)"]


def test_excel_file_with_dates_and_numbers(world, run_import, apply_job):
    f.StageFactory(tenant=world.acme, slug="proposal")
    data = xlsx_bytes(
        ["Customer", "Name", "Stage", "Close date", "Amount", "Currency"],
        [
            [
                world.sub_de.pk,
                "Excel deal",
                "Proposal",
                datetime.datetime(2026, 10, 1),
                2500.5,
                "EUR",
            ],
            [None, None, None, None, None, None],  # a blank line is skipped
            [world.sub_de.pk, "Second", "proposal", "2026-10-02", 10, None],
        ],
    )
    job = apply_job(run_import(world.admin, "opportunities", data, filename="deals.xlsx"))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert [r["row"] for r in job.preview] == [2, 4]
    with tenant_context(world.acme):
        deal = Opportunity.objects.get(name="Excel deal")
        assert deal.amount == Decimal("2500.50") and deal.close_date == datetime.date(2026, 10, 1)
        assert Opportunity.objects.get(name="Second").currency == "EUR"  # the country's


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "empty"),
        (b"foo,bar\n1,2\n", "x.csv", "no column"),
        (b"name,country\n", "x.csv", "no rows"),
        (b"PK\x03\x04garbage", "x.xlsx", "cannot be read"),
        (b"whatever", "x.xls", ".xlsx"),
    ],
)
def test_unreadable_files_are_refused_whole(world, data, filename, message):
    with tenant_context(world.acme), pytest.raises(Exception, match=message):
        services.import_job_create(
            user=world.admin, kind="subsidiaries", country=None, filename=filename, data=data
        )
    assert count(world, ImportJob) == 0


# --- task, progress, query counts -------------------------------------------------------------


def test_task_reports_progress_per_chunk(world, run_import, monkeypatch):
    monkeypatch.setattr(runner, "CHUNK_SIZE", 50)
    seen = []
    original = progress.report_checked

    def spy(job, processed, **kwargs):
        original(job, processed, **kwargs)
        with tenant_context(world.acme):
            seen.append(ImportJob.objects.values_list("progress", flat=True).get(pk=job.pk))

    monkeypatch.setattr(progress, "report_checked", spy)
    rows = [[f"Company {i} AB", "SE"] for i in range(120)]
    job = run_import(world.admin, "subsidiaries", csv_bytes(["name", "country"], rows))
    assert seen == [41, 83, 99]
    assert job.progress == 100 and job.processed_rows == 120
    assert job.status == ImportJob.Status.PREVIEW and job.summary["create"] == 120


def test_task_without_dry_run_checks_and_writes(world, run_import):
    rows = [[f"Firma {i} AB", "SE"] for i in range(30)]
    job = run_import(
        world.admin, "subsidiaries", csv_bytes(["name", "country"], rows), dry_run=False
    )
    assert job.status == ImportJob.Status.DONE
    with tenant_context(world.acme):
        assert Subsidiary.objects.filter(name__startswith="Firma ").count() == 30


def test_apply_reports_rows_written_while_its_transaction_is_open(
    world, run_import, apply_job, web, api, monkeypatch
):
    """The write is one transaction, so the job row cannot move during it: after each
    write step the rows written so far go to the cache, and the polled status box and the
    API show them."""
    monkeypatch.setattr(runner, "WRITE_CHUNK", 50)
    job = run_import(
        world.rep,
        "subsidiaries",
        csv_bytes(["name", "country"], [[f"W{i} AB", "SE"] for i in range(120)]),
    )
    seen = []
    original_write = SubsidiaryImporter.write

    def write_and_look(importer, chunk):
        original_write(importer, chunk)
        current = ImportJob.objects.get(pk=job.pk)  # inside the apply's transaction
        seen.append((progress.rows_written(current), progress.live_progress(current)))
        if len(seen) == 2:
            status = web(world.rep).get(reverse("imports:job_status", args=[job.pk]))
            seen.append(status.content.decode())
            seen.append(api(world.rep).get(f"/api/v1/imports/{job.pk}/").json())

    monkeypatch.setattr(SubsidiaryImporter, "write", write_and_look)
    before = count(world, Subsidiary)
    job = apply_job(job)
    # Looked at after each chunk's write, before the cache is told: 0, 50, then 100 of 120.
    assert [s for s in seen if isinstance(s, tuple)] == [(0, 80), (50, 88), (100, 96)]
    box, body = seen[2], seen[3]
    assert "50 of 120 rows written" in box and 'value="88"' in box
    assert body["written_rows"] == 50 and body["progress"] == 88
    assert job.status == ImportJob.Status.DONE and job.progress == 100
    assert progress.rows_written(job) is None
    assert count(world, Subsidiary) == before + 120


def test_a_redelivered_task_does_not_write_twice(world, run_import, apply_job):
    job = apply_job(
        run_import(world.admin, "subsidiaries", csv_bytes(["name", "country"], [["Once AB", "SE"]]))
    )
    run_import_task(world.acme.pk, job.pk, True)
    with tenant_context(world.acme):
        assert Subsidiary.objects.filter(name="Once AB").count() == 1


def _queries_to_check(user, kind, rows):
    with tenant_context(user.tenant_id), CaptureQueriesContext(connection) as ctx:
        _importer, results = runner.check_rows(kind=kind, rows=rows, user=user, country=None)
    assert all(r.action != "error" for r in results), [r.errors for r in results]
    return len(ctx.captured_queries)


def _rows(header, values):
    return [{"_row": i + 2, **dict(zip(header, v, strict=True))} for i, v in enumerate(values)]


@pytest.mark.parametrize("user_name", ["admin", "lam_de"])
def test_checking_costs_the_same_queries_for_10_and_100_rows(world, user_name):
    user = getattr(world, user_name)
    f.StageFactory(tenant=world.acme, slug="proposal")
    for i in range(30):
        f.SubsidiaryFactory(tenant=world.acme, country=world.de, name=f"Volvia Filiale {i} GmbH")
    header = ["name", "country", "global_account", "owner", "website"]
    make = lambda n: _rows(  # noqa: E731
        header,
        [
            [f"Volvia Neu {i} GmbH", "DE", str(world.account.pk), user.email, f"neu{i}.de"]
            for i in range(n)
        ],
    )
    assert _queries_to_check(user, "subsidiaries", make(10)) == _queries_to_check(
        user, "subsidiaries", make(100)
    )
    contact_header = ["subsidiary", "name", "email"]
    contacts = lambda n: _rows(  # noqa: E731
        contact_header, [[str(world.sub_de.pk), f"C {i}", f"c{i}@volvia.de"] for i in range(n)]
    )
    assert _queries_to_check(user, "contacts", contacts(10)) == _queries_to_check(
        user, "contacts", contacts(100)
    )
    opp_header = ["subsidiary", "name", "stage", "close_date", "owner"]
    opps = lambda n: _rows(  # noqa: E731
        opp_header,
        [[str(world.sub_de.pk), f"O {i}", "proposal", "2026-12-01", user.email] for i in range(n)],
    )
    assert _queries_to_check(user, "opportunities", opps(10)) == _queries_to_check(
        user, "opportunities", opps(100)
    )


# --- pages --------------------------------------------------------------------------------------


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_upload_page_preview_apply(world, web, django_capture_on_commit_callbacks):
    client = web(world.admin)
    page = client.get(reverse("imports:import_home"))
    assert page.status_code == 200 and b"Upload and check" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:import_home"),
            {
                "kind": "subsidiaries",
                "country": "SE",
                "file": upload("c.csv", csv_bytes(["name"], [["Page Import AB"]])),
            },
        )
    assert response.status_code == 302
    with tenant_context(world.acme):
        job = ImportJob.objects.get()
    # First the mapping step: the column "name" is suggested as the name; nothing checked yet.
    mapping = client.get(response.url).content.decode()
    assert job.status == "mapping" and "Check the rows" in mapping
    assert '<option value="name" selected>' in mapping
    with django_capture_on_commit_callbacks(execute=True):
        checked = client.post(reverse("imports:job_map", args=[job.pk]), {"column_0": "name"})
    assert checked.status_code == 302
    detail = client.get(response.url)
    assert b"Page Import AB (SE)" in detail.content and b"Apply import" in detail.content
    status = client.get(reverse("imports:job_status", args=[job.pk]))
    assert status["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_apply", args=[job.pk]))
    assert count(world, Subsidiary) == 4
    assert b"The import was applied" in client.get(response.url).content


def test_upload_page_shows_file_errors(world, web):
    client = web(world.rep)
    response = client.post(
        reverse("imports:import_home"),
        {"kind": "contacts", "file": upload("c.csv", b"")},
    )
    assert response.status_code == 200 and "file is empty" in response.content.decode()
    assert count(world, ImportJob) == 0
    # A file without the required columns goes to the mapping step, which names them and
    # refuses to go on until a column is mapped to each.
    response = client.post(
        reverse("imports:import_home"),
        {"kind": "contacts", "file": upload("c.csv", b"foo\n1\n")},
    )
    page = client.get(response.url).content.decode()
    assert "Required fields without a column: “subsidiary”, “name”" in page
    with tenant_context(world.acme):
        job = ImportJob.objects.get()
    refused = client.post(reverse("imports:job_map", args=[job.pk]), {"column_0": ""})
    assert refused.status_code == 400
    assert "no column “subsidiary”, “name”" in refused.content.decode()
    mixed = client.post(reverse("imports:job_map", args=[job.pk]), {"column_0": "bogus"})
    assert mixed.status_code == 400 and "“bogus” is not a field" in mixed.content.decode()
    with tenant_context(world.acme):
        job.refresh_from_db()
    assert job.status == "mapping"


def test_running_job_polls_with_htmx(world, web, run_import):
    job = run_import(world.rep, "subsidiaries", csv_bytes(["name", "country"], [["A", "SE"]]))
    with tenant_context(world.acme):
        ImportJob.objects.filter(pk=job.pk).update(status="validating", progress=40)
    client = web(world.rep)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page
    status = client.get(reverse("imports:job_status", args=[job.pk]))
    assert "HX-Refresh" not in status


def test_errors_page_filter_and_csv(world, web, run_import):
    job = run_import(
        world.rep, "subsidiaries", csv_bytes(["name", "country"], [["", "SE"], ["B AB", "SE"]])
    )
    client = web(world.rep)
    page = client.get(reverse("imports:job_detail", args=[job.pk]) + "?show=error")
    assert b"A name is required." in page.content and b"B AB" not in page.content
    errors = b"".join(
        client.get(reverse("imports:job_errors_csv", args=[job.pk])).streaming_content
    )
    assert "2,name,A name is required." in errors.decode("utf-8-sig")


def test_jobs_are_private_to_their_user_and_tenant(world, web, run_import):
    job = run_import(world.rep, "subsidiaries", csv_bytes(["name", "country"], [["A", "SE"]]))
    for url in (
        reverse("imports:job_detail", args=[job.pk]),
        reverse("imports:job_status", args=[job.pk]),
        reverse("imports:job_errors_csv", args=[job.pk]),
    ):
        assert web(world.other_admin).get(url).status_code == 404
        assert web(world.gam).get(url).status_code == 404
        assert web(world.admin).get(url).status_code == 200
    assert (
        web(world.other_admin).post(reverse("imports:job_apply", args=[job.pk])).status_code == 404
    )
    # The admin sees the job but only its author applies it.
    web(world.admin).post(reverse("imports:job_apply", args=[job.pk]))
    with tenant_context(world.acme):
        job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW
    listing = web(world.gam).get(reverse("imports:import_home"))
    assert b"No imports yet" in listing.content


def test_templates_are_csv_headers(world, web):
    response = web(world.rep).get(reverse("imports:template_csv", args=["opportunities"]))
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode("utf-8-sig").strip()
    assert header.split(",")[:3] == ["subsidiary", "country", "name"]
    assert web(world.rep).get("/import/templates/nope.csv").status_code == 404


# --- API --------------------------------------------------------------------------------------


def test_api_upload_poll_and_apply(world, api, django_capture_on_commit_callbacks):
    client = api(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports/",
            {
                "kind": "subsidiaries",
                "country": "DE",
                "file": upload(
                    "s.csv", csv_bytes(["name", "website"], [["API GmbH", ""], ["", "x.de"]])
                ),
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "invalid"
    assert job["errors"] == [{"row": 3, "field": "name", "message": "A name is required."}]
    assert client.post(f"/api/v1/imports/{job_id}/apply/").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports/",
            {"kind": "subsidiaries", "country": "DE", "file": upload("s.csv", b"name\nAPI GmbH\n")},
            format="multipart",
        )
    job_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/imports/{job_id}/apply/").status_code == 202
    assert client.get(f"/api/v1/imports/{job_id}/").json()["status"] == "done"
    assert [j["id"] for j in client.get("/api/v1/imports/").json()["results"]][0] == job_id
    # Another tenant sees nothing, and a foreign country code is a 400.
    other = api(world.other_admin)
    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert other.get("/api/v1/imports/").json()["count"] == 0
    assert other.post(f"/api/v1/imports/{job_id}/apply/").status_code == 404
    bad = other.post(
        "/api/v1/imports/",
        {"kind": "subsidiaries", "country": "DE", "file": upload("s.csv", b"name\nX\n")},
        format="multipart",
    )
    assert bad.status_code == 400 and "country" in bad.json()


def test_api_bad_file_is_400(world, api):
    response = api(world.rep).post(
        "/api/v1/imports/",
        {"kind": "contacts", "file": upload("c.csv", b"")},
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()


# --- exports of the settings lists ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("user_list", "Ada Admin,admin@acme.test,SE,yes,yes"),
        ("country_list", "DE,Germany,EUR"),
        ("exchange_rate_list", "SEK,0.09"),
    ],
)
def test_settings_lists_export_csv(world, web, url_name, expected):
    f.ExchangeRateFactory(tenant=world.acme, currency="SEK", rate=Decimal("0.09"))
    f.ExchangeRateFactory(tenant=world.globex, currency="NOK", rate=Decimal("0.1"))
    response = web(world.admin).get(reverse(url_name) + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert expected in body
    # Only this tenant's rows.
    assert "globex" not in body and "Otto" not in body and "NOK" not in body
    assert web(world.rep).get(reverse(url_name) + "?format=csv").status_code == 404


def test_csv_renderer_flattens_api_rows():
    data = {
        "count": 2,
        "results": [
            {"id": 1, "name": "=cmd()", "tenant": {"slug": "acme"}, "countries": ["SE", "DE"]},
            {"id": 2, "name": "B", "records": [{"type": "subsidiary", "id": 3}]},
        ],
    }
    text = CSVRenderer().render(data).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "id,name,tenant.slug,countries,records"
    assert lines[1] == "1,'=cmd(),acme,SE; DE,"
    assert lines[2].startswith("2,B,,,") and '""type"": ""subsidiary""' in lines[2]


def test_api_lists_as_csv(world, api):
    response = api(world.admin).get("/api/v1/countries/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "code,name,currency,sales_unit"
    assert sorted(lines[1:]) == ["DE,Germany,EUR,", "FR,France,EUR,", "SE,Sweden,SEK,"]
    other = api(world.other_admin).get("/api/v1/countries/?format=csv").content.decode("utf-8-sig")
    assert "Germany" not in other
