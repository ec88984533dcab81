"""The audit log: tenant admin actions and permission changes, as a settings page and a
read-only API for tenant admins."""

from __future__ import annotations

import pytest

from gam.audit import audit
from gam.models import AuditLogEntry
from teams.models import TeamRole
from teams.services import team_member_add


@pytest.fixture
def logged(world, api, in_tenant):
    """Real admin actions through the API, plus a team change and another tenant's entry."""
    admin = api(world.admin)
    assert admin.post("/api/v1/countries/", {"code": "NO", "name": "Norway", "currency": "NOK"},
                      format="json").status_code == 201  # fmt: skip
    assert admin.patch(f"/api/v1/users/{world.rep.pk}/", {"name": "Rita R."},
                       format="json").status_code == 200  # fmt: skip
    with in_tenant(world.acme):
        team_member_add(
            account=world.account, user=world.rep, role=TeamRole.SPONSOR, actor=world.admin
        )
    with in_tenant(world.globex):
        audit(world.other_admin, "country.create", world.other_se, code="SE")
    return world


def test_admin_changes_and_permission_changes_are_audited(logged, in_tenant):
    with in_tenant(logged.acme):
        actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"country.create", "user.update", "team_member.add"} <= actions


def test_api_lists_the_tenants_entries_newest_first(logged, api):
    response = api(logged.admin).get("/api/v1/audit-log/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows[0]["action"] == "team_member.add"
    assert {r["action"] for r in rows} >= {"country.create", "user.update"}
    assert all(r["actor_email"] in ("admin@acme.test", None) for r in rows)
    assert "admin@globex.test" not in response.content.decode()
    other = api(logged.other_admin).get("/api/v1/audit-log/").json()["results"]
    assert [r["action"] for r in other] == ["country.create"]


def test_api_filters(logged, api):
    client = api(logged.admin)
    by_area = client.get("/api/v1/audit-log/?action=country").json()["results"]
    assert {r["action"] for r in by_area} == {"country.create"}
    exact = client.get("/api/v1/audit-log/?action=user.update").json()["results"]
    assert [r["object_id"] for r in exact] == [str(logged.rep.pk)]
    by_actor = client.get(f"/api/v1/audit-log/?actor={logged.admin.pk}").json()["count"]
    assert by_actor >= 3
    by_type = client.get("/api/v1/audit-log/?object_type=User").json()["results"]
    assert {r["object_type"] for r in by_type} == {"User"}
    dated = client.get("/api/v1/audit-log/?since=2000-01-01&until=2000-01-02").json()
    assert dated["count"] == 0


def test_api_rejects_foreign_ids_and_bad_input(logged, api):
    client = api(logged.admin)
    assert client.get(f"/api/v1/audit-log/?actor={logged.other_admin.pk}").status_code == 400
    assert client.get("/api/v1/audit-log/?since=yesterday").status_code == 400
    other_entry = api(logged.other_admin).get("/api/v1/audit-log/").json()["results"][0]
    assert client.get(f"/api/v1/audit-log/{other_entry['id']}/").status_code == 404


def test_api_is_read_only_and_for_tenant_admins(logged, api):
    assert api(logged.rep).get("/api/v1/audit-log/").status_code == 403
    assert api(logged.gam).get("/api/v1/audit-log/").status_code == 403
    assert api().get("/api/v1/audit-log/").status_code in (401, 403)
    admin = api(logged.admin)
    entry = admin.get("/api/v1/audit-log/").json()["results"][0]
    assert admin.delete(f"/api/v1/audit-log/{entry['id']}/").status_code == 405
    assert admin.post("/api/v1/audit-log/", {"action": "x"}, format="json").status_code == 405


def test_api_query_count_is_constant(logged, api, in_tenant, django_assert_max_num_queries):
    with in_tenant(logged.acme):
        for i in range(30):
            audit(logged.admin, "exchange_rate.create", None, currency=f"C{i}")
    # token, savepoint pair (test transaction), count, page with actors
    with django_assert_max_num_queries(6):
        response = api(logged.admin).get("/api/v1/audit-log/")
    assert response.json()["count"] >= 33


def test_page_lists_filters_and_exports(logged, web):
    client = web(logged.admin)
    page = client.get("/settings/audit-log/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<code>team_member.add</code>" in text and "<code>country.create</code>" in text
    filtered = client.get("/settings/audit-log/?action=country").content.decode()
    assert (
        "<code>country.create</code>" in filtered and "<code>team_member.add</code>" not in filtered
    )
    empty = client.get("/settings/audit-log/?object_type=Nothing").content.decode()
    assert "No entry matches these filters." in empty
    bad = client.get(f"/settings/audit-log/?actor={logged.other_admin.pk}")
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    export = client.get("/settings/audit-log/?action=user&format=csv")
    csv = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert csv[0].startswith("When (UTC),Who,Action")
    assert len(csv) == 2 and ",user.update," in csv[1]


def test_page_is_for_tenant_admins_of_the_tenant_only(logged, web):
    assert web(logged.rep).get("/settings/audit-log/").status_code == 404
    other = web(logged.other_admin).get("/settings/audit-log/").content.decode()
    assert "<code>team_member.add</code>" not in other
