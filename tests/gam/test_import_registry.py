"""The import engine knows no record type: the apps register theirs (gam.imports.registry),
and what must follow an apply is a receiver of ``import_applied`` (the conflict scan)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.importers import ContactImporter, SubsidiaryImporter
from gam.imports import registry, services
from gam.imports.base import CREATE, MATCH, Importer, RowResult
from gam.imports.cells import cell
from gam.imports.fields import Field
from gam.imports.signals import import_applied
from gam.models import ImportJob
from gam.tenancy import tenant_context
from opportunities.conflicts import tasks as opportunity_tasks
from opportunities.importers import OpportunityImporter
from tests.gam.test_imports import csv_bytes

WRITTEN: list[str] = []


class NoteImporter(Importer):
    """A record type of the test's own: a note per row, kept in a list."""

    kind = "notes"
    label = "Notes"
    model = ImportJob
    fields = (Field("text", "text", aliases=("note", "Notiz"), required=True),)

    def prefetch(self, chunk):
        self.known = set(WRITTEN)

    def check(self, row):
        result = RowResult(row=row["_row"], label=cell(row, "text"))
        if not result.label:
            result.error("text", "A note needs a text.")
        elif result.label in self.known:
            result.action = MATCH
        return result

    def write(self, results):
        WRITTEN.extend(r.label for r in results if r.action == CREATE)


@pytest.fixture
def notes():
    registry.register(NoteImporter)
    WRITTEN.clear()
    yield
    registry.unregister("notes")


def test_the_apps_register_their_kinds_in_the_order_of_the_apps():
    assert [kind for kind, _label in registry.kinds()] == [
        "subsidiaries",
        "global_accounts",
        "contacts",
        "opportunities",
    ]
    assert registry.get("subsidiaries") is SubsidiaryImporter
    assert registry.get("contacts") is ContactImporter
    assert registry.get("opportunities") is OpportunityImporter
    assert registry.label("contacts") == "Contacts"
    with pytest.raises(registry.UnknownKind):
        registry.get("notes")


def test_one_importer_per_kind(notes):
    registry.register(NoteImporter)  # the same class again: nothing changes
    impostor = type("Impostor", (NoteImporter,), {})
    with pytest.raises(ImproperlyConfigured, match="Two importers for the kind 'notes'"):
        registry.register(impostor)
    assert registry.get("notes") is NoteImporter


def test_the_engine_runs_a_kind_it_does_not_know(
    world, notes, web, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs["created"], kwargs["matched"], len(kwargs["results"])))

    import_applied.connect(receiver, sender=NoteImporter, weak=False)
    try:
        data = csv_bytes(["Notiz", "colour"], [["first"], ["second"], ["first"]])
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            job = services.import_job_create(
                user=world.rep, kind="notes", country=None, filename="n.csv", data=data
            )
        with tenant_context(world.acme):
            job.refresh_from_db()
        assert job.status == ImportJob.Status.PREVIEW
        assert job.rows[0] == {"_row": 2, "text": "first"}
        assert job.summary["ignored_columns"] == ["colour"]
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            services.import_job_apply(job=job, user=world.rep)
        with tenant_context(world.acme):
            job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE
        assert WRITTEN == ["first", "second", "first"]  # matching is the importer's business
        assert received == [(NoteImporter, 3, 0, 3)]
    finally:
        import_applied.disconnect(receiver, sender=NoteImporter)

    client = web(world.rep)
    assert b'value="notes"' in client.get(reverse("imports:import_home")).content
    template = client.get(reverse("imports:template_csv", args=["notes"]))
    assert template.content.decode("utf-8-sig").strip() == "text"
    missing = client.post(
        reverse("imports:import_home"),
        {"kind": "notes", "file": _upload(b"other\nx\n")},
        follow=True,
    )
    assert "Required fields without a column: “text”" in missing.content.decode()


def test_a_kind_no_app_registers_is_a_400_and_its_old_jobs_still_show(world, api, web):
    response = api(world.rep).post(
        "/api/v1/imports/",
        {"kind": "notes", "file": _upload(b"text\nx\n")},
        format="multipart",
    )
    assert response.status_code == 400 and "kind" in response.json()
    with tenant_context(world.acme):
        job = ImportJob.objects.create(
            kind="notes", filename="old.csv", created_by=world.rep, status="done"
        )
    page = web(world.rep).get(reverse("imports:job_detail", args=[job.pk]))
    assert page.status_code == 200 and b"notes \xc2\xb7 old.csv" in page.content
    assert web(world.rep).get("/import/templates/notes.csv").status_code == 404


@pytest.fixture
def scans(monkeypatch):
    """The conflict scans the receiver of import_applied queues, by tenant."""
    queued = []

    class FakeScan:
        @staticmethod
        def delay(tenant_id):
            queued.append(tenant_id)

        @staticmethod
        def apply_async(args, **kwargs):  # how gam.tasks.send_task queues
            queued.append(*args)

    monkeypatch.setattr(opportunity_tasks, "scan_tenant_conflicts", FakeScan)
    return queued


def test_an_import_of_customers_or_opportunities_queues_one_conflict_scan(
    world, scans, django_capture_on_commit_callbacks
):
    def apply(kind, header, rows):
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            services.import_job_create(
                user=world.admin,
                kind=kind,
                country=None,
                filename="x.csv",
                data=csv_bytes(header, rows),
                dry_run=False,
            )

    apply("subsidiaries", ["name", "country"], [["Scan Me AB", "SE"], ["Scan Me Too AB", "SE"]])
    assert scans == [world.acme.pk]
    apply("contacts", ["subsidiary", "name"], [[world.sub_se.pk, "Anna"]])
    assert scans == [world.acme.pk]  # contacts are no duplicate work
    apply("subsidiaries", ["name", "country"], [["Scan Me AB", "SE"]])
    assert scans == [world.acme.pk]  # only matches: nothing new to scan


def _upload(data: bytes):
    return SimpleUploadedFile("n.csv", data, content_type="text/csv")
