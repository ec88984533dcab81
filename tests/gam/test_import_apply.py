"""Applying an import: all rows, or only the valid ones (the rest stay in the errors file);
the apply checks again and refuses, with the differences, when a row would now do
something else than the approved preview showed."""

from __future__ import annotations

from accounts.models import Subsidiary
from gam.tenancy import tenant_context
from tests import factories as f
from tests.gam.test_imports import csv_bytes


def test_apply_only_the_valid_rows(world, run_import, api, django_capture_on_commit_callbacks):
    data = csv_bytes(
        ["name", "country"], [["Valid One AB", "SE"], ["Nowhere Ltd", "XX"], ["Valid Two", "DE"]]
    )
    job = run_import(world.admin, "subsidiaries", data)
    assert job.status == "invalid" and job.summary["create"] == 2
    client = api(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/api/v1/imports/{job.pk}/apply/", {}, format="json")
    assert refused.status_code == 400 and "only its valid rows" in str(refused.json())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/imports/{job.pk}/apply/", {"only_valid": True}, format="json"
        )
    assert response.status_code == 202, response.json()
    body = client.get(f"/api/v1/imports/{job.pk}/").json()
    assert body["status"] == "done" and body["summary"]["skipped"] == 1
    assert [e["row"] for e in body["errors"]] == [3]
    with tenant_context(world.acme):
        assert set(
            Subsidiary.objects.filter(name__startswith="Valid").values_list("name", flat=True)
        ) == {"Valid One AB", "Valid Two"}
        assert not Subsidiary.objects.filter(name="Nowhere Ltd").exists()


def test_apply_refuses_when_the_data_changed_since_the_preview(world, run_import, apply_job):
    data = csv_bytes(["name", "country"], [["Late Arrival AB", "SE"], ["Steady AB", "SE"]])
    job = run_import(world.admin, "subsidiaries", data)
    assert [r["action"] for r in job.preview] == ["create", "create"]
    # Someone adds the company meanwhile: the row would now match it instead of creating.
    with tenant_context(world.acme):
        f.SubsidiaryFactory(tenant=world.acme, country=world.se, name="Late Arrival AB")
        before = Subsidiary.objects.count()
    job = apply_job(job)
    assert job.status == "preview"
    assert job.summary["difference_count"] == 1
    assert job.summary["differences"][0]["row"] == 2
    assert job.summary["differences"][0]["before"] == "create Late Arrival AB (SE)"
    assert job.summary["differences"][0]["after"].startswith("match Late Arrival AB (SE)")
    assert "Nothing was written" in job.message
    with tenant_context(world.acme):
        assert Subsidiary.objects.count() == before
    # The new preview is what the person approves next.
    job = apply_job(job)
    assert job.status == "done" and job.message == ""
    with tenant_context(world.acme):
        assert Subsidiary.objects.count() == before + 1
        assert Subsidiary.objects.filter(name="Late Arrival AB").count() == 1


def test_the_summary_says_what_the_scan_after_the_import_found(world, run_import, apply_job, api):
    # The same company entered in two countries (same registration number and website).
    data = csv_bytes(
        ["name", "country", "registration_number", "website"],
        [["Kobalt Systems AB", "SE", "556677-8899", "kobalt.se"],
         ["Kobalt Systems AB", "DE", "5566778899", "www.kobalt.se"]],
    )  # fmt: skip
    job = apply_job(run_import(world.admin, "subsidiaries", data))
    assert job.status == "done"
    body = api(world.admin).get(f"/api/v1/imports/{job.pk}/").json()
    found = {item["label"]: item for item in body["followups"]}
    assert not any(item["pending"] for item in found.values())
    # The scan ran after the apply; the counts are its findings since (with main's current
    # detectors this pair is not flagged in a test transaction: counts not asserted here).
    assert set(found) == {"Duplicate customer", "Unlinked group", "Parallel opportunity"}
    assert found["Duplicate customer"]["url"] == "/conflicts/?kind=duplicate_customer"
    page = api(world.admin)
    page.force_login(world.admin)
    html = page.get(f"/import/{job.pk}/").content.decode()
    assert "Found after the import" in html and "?kind=duplicate_customer" in html
