"""Exports that round-trip: the customers list as CSV (in the user's locale or as chosen)
and .xlsx, with an id column and the source ids; export -> edit in a spreadsheet -> import
updates exactly the edited records (a "Mueller AG" row never lands on "Müller GmbH")."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Subsidiary
from gam.exports import csv_response, xlsx_response
from gam.tenancy import tenant_context
from tests import factories as f


def _customers(world):
    with tenant_context(world.acme):
        f.SubsidiaryFactory(tenant=world.acme, country=world.de, name="Müller GmbH",
                            website="mueller.de", owner=world.lam_de)  # fmt: skip
        f.SubsidiaryFactory(tenant=world.acme, country=world.de, name="Mueller AG",
                            website="mueller-ag.de", owner=world.lam_de)  # fmt: skip
        return dict(Subsidiary.objects.values_list("name", "version"))


def test_csv_export_edit_import_updates_exactly_the_edited_row(world, web, run_import, apply_job):
    versions = _customers(world)
    client = web(world.admin)
    response = client.get("/customers/?format=csv&sep=semicolon")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert header[:2] == ["Id", "Name"] and "Source ids" in header
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == set(versions)
    by_name["Mueller AG"][header.index("Owner")] = world.owner.email
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    job = run_import(world.admin, "subsidiaries", out.getvalue().encode("utf-8-sig"))
    assert job.status == "preview", job.errors
    assert job.summary["update"] == 1 and job.summary["create"] == 0
    assert job.summary["match"] == len(versions) - 1
    apply_job(job)
    with tenant_context(world.acme):
        after = dict(Subsidiary.objects.values_list("name", "version"))
        assert Subsidiary.objects.get(name="Mueller AG").owner == world.owner
        assert Subsidiary.objects.get(name="Müller GmbH").owner == world.lam_de
    assert {n for n in after if after[n] != versions[n]} == {"Mueller AG"}


def test_xlsx_export_edit_import_changes_only_the_edited_cells(world, web, run_import, apply_job):
    versions = _customers(world)
    response = web(world.admin).get("/customers/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "Müller GmbH":
            row[header.index("Website")].value = "www.mueller-neu.de"
    out = io.BytesIO()
    workbook.save(out)
    job = run_import(world.admin, "subsidiaries", out.getvalue(), filename="x.xlsx")
    assert job.status == "preview", (job.mapping, job.errors[:3])
    assert job.summary["update"] == 1
    job = apply_job(job)
    assert job.status == "done" and job.summary["update"] == 1, job.errors
    with tenant_context(world.acme):
        after = dict(Subsidiary.objects.values_list("name", "version"))
        assert Subsidiary.objects.get(name="Müller GmbH").website == "www.mueller-neu.de"
        assert Subsidiary.objects.get(name="Mueller AG").website == "mueller-ag.de"
    assert {n for n in after if after[n] != versions[n]} == {"Müller GmbH"}
    # The same file again changes nothing.
    again = run_import(world.admin, "subsidiaries", out.getvalue(), filename="x.xlsx")
    assert again.summary["update"] == 0 and again.summary["create"] == 0


def test_csv_follows_the_language_and_numbers_get_its_decimal_separator():
    columns = [("Name", lambda r: r[0]), ("Amount", lambda r: r[1])]
    rows = [("=SUM(A1)", Decimal("1234.50")), ("＝1+1", 2.5)]
    with translation.override("sv"):
        body = b"".join(csv_response("x.csv", columns, rows).streaming_content).decode()
    assert body.splitlines()[1:] == ["'=SUM(A1);1234,50", "'＝1+1;2,5"]
    with translation.override("en"):
        body = b"".join(csv_response("x.csv", columns, rows).streaming_content).decode()
    assert body.splitlines()[1:] == ["'=SUM(A1),1234.50", "'＝1+1,2.5"]
    sheet = load_workbook(io.BytesIO(xlsx_response("x.xlsx", columns, rows).content)).active
    assert sheet["A2"].value == "=SUM(A1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 1234.5


def test_the_export_respects_the_sharing_model(world, web):
    _customers(world)
    admin = web(world.admin).get("/customers/?format=xlsx")
    rep = web(world.rep).get("/customers/?format=xlsx")
    names = {c.value for c in load_workbook(io.BytesIO(admin.content)).active["B"] if c.row > 1}
    rep_names = {c.value for c in load_workbook(io.BytesIO(rep.content)).active["B"] if c.row > 1}
    assert rep_names <= names
