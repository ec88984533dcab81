"""Pages of the conflict inbox: per role, the hint page, the actions, link and merge with its
confirmation page, the scan state and "scan now", notifications and the nav count, the other
tenant, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Subsidiary
from opportunities.conflicts.models import Conflict, ConflictEvent, Notification, ScanRun
from tests import factories as f
from tests.conflicts import conflict_world
from tests.conflicts.conflict_world import ACCESS, ACME_CONFLICTS, make_conflict

conflicts = conflict_world.conflicts  # the fixture


@pytest.mark.parametrize("role", ACCESS)
def test_inbox_lists_what_the_role_may_see(conflicts, web, role):
    w = conflicts
    response = web(getattr(w, role)).get("/conflicts/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ACME_CONFLICTS:
        link = f'href="/conflicts/{getattr(w, name).pk}/"'
        assert (link in body) == (name in ACCESS[role]), name
    if role == "other_admin":
        assert f'href="/conflicts/{w.c_globex.pk}/"' in body
    elif not ACCESS[role]:
        assert "No open conflicts" in body


@pytest.mark.parametrize("role", ACCESS)
def test_detail_per_role(conflicts, web, role):
    w = conflicts
    client = web(getattr(w, role))
    for name in ACME_CONFLICTS:
        response = client.get(f"/conflicts/{getattr(w, name).pk}/")
        access = ACCESS[role].get(name)
        assert response.status_code == (200 if access else 404), name
        if access == "full":
            assert "Records side by side" in response.content.decode()
        if access == "hint":
            assert "Your record is part of a conflict" in response.content.decode()


def test_gam_sees_records_side_by_side_with_countries_and_owners(conflicts, web):
    w = conflicts
    body = web(w.gam).get(f"/conflicts/{w.c_parallel.pk}/").content.decode()
    for text in ("Volvia SE pump fleet", "Småland pumps", "Olle Owner", "Greta GAM", "Negotiation"):
        assert text in body
    assert "Detected" in body  # the history
    # links only to what the GAM may open: the local customer's deal stays its owner's
    assert f'href="/opportunities/{w.big_se.pk}/"' in body
    assert f'href="/opportunities/{w.opp_local.pk}/"' not in body
    assert 'value="resolve"' in body and 'value="dismiss"' in body


def test_hint_page_and_inbox_row_leak_nothing(conflicts, web):
    w = conflicts
    client = web(w.owner)
    for url in (f"/conflicts/{w.c_parallel.pk}/", "/conflicts/"):
        body = client.get(url).content.decode()
        for secret in ("Volvia SE pump fleet", "777", "Negotiation"):
            assert secret not in body, (url, secret)
        assert "Småland pumps" in body  # their own record
        assert "Greta GAM" in body  # whom to talk to
    detail = client.get(f"/conflicts/{w.c_parallel.pk}/").content.decode()
    assert "Pumps" in detail and "SE" in detail
    assert 'value="resolve"' not in detail


@pytest.mark.parametrize("role,expected", [("owner", 403), ("rep", 404), ("other_admin", 404)])
def test_actions_are_refused_to_others(conflicts, web, in_tenant, role, expected):
    w = conflicts
    client = web(getattr(w, role))
    pk = w.c_parallel.pk
    assert client.post(f"/conflicts/{pk}/status/", {"action": "acknowledge"}).status_code == (
        expected
    )
    dup = w.c_duplicate.pk
    dup_expected = 403 if role == "rep" else 404
    assert (
        client.post(f"/conflicts/{dup}/link/", {"global_account": w.account.pk}).status_code
        == dup_expected
    )
    assert client.get(f"/conflicts/{dup}/merge/?survivor={w.sub_de.pk}").status_code == (
        dup_expected
    )
    with in_tenant(w.acme):
        assert not Conflict.objects.exclude(status="open").exists()


def test_acknowledge_then_resolve_with_a_note(conflicts, web, in_tenant):
    w = conflicts
    client = web(w.gam)
    url = f"/conflicts/{w.c_parallel.pk}/status/"
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    # resolving needs a note
    response = client.post(url, {"action": "resolve", "note": " "})
    assert response.status_code == 400
    assert "Say how the conflict was resolved." in response.content.decode()
    with in_tenant(w.acme):
        assert Conflict.objects.get(pk=w.c_parallel.pk).status == "acknowledged"
    response = client.post(url, {"action": "resolve", "note": "FR hands over to SE"}, follow=True)
    assert "Conflict resolved." in response.content.decode()
    assert "FR hands over to SE" in response.content.decode()
    with in_tenant(w.acme):
        conflict = Conflict.objects.get(pk=w.c_parallel.pk)
        assert conflict.status == "resolved"
        assert conflict.resolution_note == "FR hands over to SE"
    # closed: no more actions, and a late POST is refused with a message
    response = client.post(url, {"action": "dismiss", "note": "late"})
    assert response.status_code == 400
    assert "cannot be set to dismissed" in response.content.decode()


def test_dismiss_needs_a_note(conflicts, web, in_tenant):
    w = conflicts
    client = web(w.admin)
    url = f"/conflicts/{w.c_other.pk}/status/"
    assert client.post(url, {"action": "dismiss"}).status_code == 400
    assert client.post(url, {"action": "bogus", "note": "x"}).status_code == 400
    assert client.post(url, {"action": "dismiss", "note": "Same buyer, agreed"}).status_code == 302
    with in_tenant(w.acme):
        assert Conflict.objects.get(pk=w.c_other.pk).status == "dismissed"


def test_link_from_the_page(conflicts, web, in_tenant):
    w = conflicts
    client = web(w.gam)
    body = client.get(f"/conflicts/{w.c_duplicate.pk}/").content.decode()
    assert "Link to this account" in body and "Merge…" in body
    response = client.post(
        f"/conflicts/{w.c_duplicate.pk}/link/", {"global_account": w.other_account.pk}
    )
    assert response.status_code == 400  # another tenant's account is no choice
    response = client.post(f"/conflicts/{w.c_duplicate.pk}/link/", {"global_account": w.account.pk})
    assert response.status_code == 302
    with in_tenant(w.acme):
        assert Subsidiary.objects.get(pk=w.dup_de.pk).global_account_id == w.account.pk
        assert Conflict.objects.get(pk=w.c_duplicate.pk).status == "resolved"


def test_merge_confirmation_lists_exactly_what_moves(conflicts, web, in_tenant):
    w = conflicts
    with in_tenant(w.acme):
        f.ContactFactory(tenant=w.acme, subsidiary=w.dup_de, name="Hanna Hint")
        f.OpportunityFactory(tenant=w.acme, subsidiary=w.dup_de, name="Dup deal")
        f.CampaignFactory(tenant=w.acme, subsidiary=w.dup_de, name="Dup mailing")
    client = web(w.gam)
    url = f"/conflicts/{w.c_duplicate.pk}/merge/"
    page = client.get(f"{url}?survivor={w.sub_de.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "“Volvia Germany GmbH” will be merged into “Volvia Deutschland GmbH”" in body
    for text in ("Hanna Hint", "Dup deal", "Dup mailing", "1 contacts", "1 opportunities"):
        assert text in body, text
    # without the box ticked nothing happens
    response = client.post(url, {"survivor": w.sub_de.pk})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk=w.dup_de.pk).exists()
    response = client.post(url, {"survivor": w.sub_de.pk, "confirm": "on"})
    assert response.status_code == 302
    with in_tenant(w.acme):
        assert not Subsidiary.objects.filter(pk=w.dup_de.pk).exists()
        assert w.sub_de.contacts.filter(name="Hanna Hint").exists()
        assert w.sub_de.campaigns.filter(name="Dup mailing").exists()


def test_merge_rejects_a_foreign_survivor(conflicts, web, in_tenant):
    w = conflicts
    client = web(w.gam)
    url = f"/conflicts/{w.c_duplicate.pk}/merge/"
    response = client.post(url, {"survivor": w.other_subsidiary.pk, "confirm": "on"})
    assert response.status_code == 400
    with in_tenant(w.acme):
        assert Subsidiary.objects.filter(pk=w.dup_de.pk).exists()
    # not a duplicate customer: back to the conflict
    assert client.get(f"/conflicts/{w.c_parallel.pk}/merge/").status_code == 302


def test_filters_and_csv(conflicts, web):
    w = conflicts
    client = web(w.admin)

    def listed(query):
        body = client.get(f"/conflicts/?{query}").content.decode()
        return {n for n in ACME_CONFLICTS if f'href="/conflicts/{getattr(w, n).pk}/"' in body}

    assert listed("kind=duplicate_customer") == {"c_duplicate", "c_cross"}
    assert listed("country=DE") == {"c_duplicate"}
    assert listed(f"global_account={w.account2.pk}") == {"c_other", "c_cross"}
    assert listed("status=resolved") == set()
    assert listed("kind=bogus&global_account=abc") == set(ACME_CONFLICTS)  # junk ignored
    csv = b"".join(client.get("/conflicts/?format=csv").streaming_content).decode()
    assert csv.count("\n") == 1 + len(ACME_CONFLICTS)
    owner_csv = b"".join(web(w.owner).get("/conflicts/?format=csv").streaming_content).decode()
    assert "Volvia SE" not in owner_csv and owner_csv.count("\n") == 1


def test_scan_state_and_scan_now(conflicts, web, in_tenant, django_capture_on_commit_callbacks):
    w = conflicts
    with in_tenant(w.acme):
        ScanRun.objects.create(
            started_at=timezone.now() - datetime.timedelta(hours=3),
            finished_at=timezone.now() - datetime.timedelta(hours=3),
            status=ScanRun.Status.FINISHED,
        )
    body = web(w.gam).get("/conflicts/").content.decode()
    assert "Last full scan" in body
    assert "Scan now" not in body  # tenant admins only
    assert web(w.gam).post("/conflicts/scan/").status_code == 404
    admin = web(w.admin)
    assert "Scan now" in admin.get("/conflicts/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert admin.post("/conflicts/scan/").status_code == 302
    assert len(callbacks) == 1  # the scan task is queued after commit
    with in_tenant(w.acme):
        ScanRun.objects.create(status=ScanRun.Status.RUNNING)
    body = admin.get("/conflicts/").content.decode()
    assert "A full scan is running" in body
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin.post("/conflicts/scan/")
    assert callbacks == []  # not twice at once


def test_inbox_query_count_is_constant(conflicts, web, in_tenant, django_assert_max_num_queries):
    w = conflicts
    with in_tenant(w.acme):
        for i in range(30):
            opp = f.OpportunityFactory(tenant=w.acme, subsidiary=w.sub_se, name=f"Other {i}")
            make_conflict(
                "parallel_opportunity",
                [("opportunity", opp), ("opportunity", w.opp_local)],
                global_account=w.account,
            )
    for user in (w.gam, w.owner, w.admin):
        client = web(user)
        with django_assert_max_num_queries(14):
            assert client.get("/conflicts/").status_code == 200
    client = web(w.gam)
    with django_assert_max_num_queries(12):
        assert client.get(f"/conflicts/{w.c_parallel.pk}/").status_code == 200


def test_notifications_page_and_nav_count(conflicts, web, in_tenant):
    w = conflicts
    with in_tenant(w.acme):
        n1 = Notification.objects.create(user=w.gam, conflict=w.c_parallel, text="Parallel work")
        Notification.objects.create(user=w.gam, text="Second")
        other = Notification.objects.create(user=w.owner, text="Not yours")
    client = web(w.gam)
    body = client.get("/conflicts/").content.decode()
    assert 'class="notifications-link">Notifications <span class="badge badge-bad">2' in body
    page = client.get("/notifications/").content.decode()
    assert "Parallel work" in page and "Not yours" not in page
    response = client.post(f"/notifications/{n1.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response.url == f"/conflicts/{w.c_parallel.pk}/"
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert "Second" in client.get("/notifications/?show=unread").content.decode()
    client.post("/notifications/read-all/")
    assert "Nothing unread." in client.get("/notifications/?show=unread").content.decode()
    with in_tenant(w.acme):
        assert Notification.objects.get(pk=other.pk).read_at is None
        assert not Notification.objects.filter(user=w.gam, read_at__isnull=True).exists()


def test_notification_url_must_stay_on_site(conflicts, web, in_tenant):
    w = conflicts
    with in_tenant(w.acme):
        n = Notification.objects.create(user=w.gam, text="x", url="https://evil.example/")
    response = web(w.gam).post(f"/notifications/{n.pk}/read/", {"open": "1"})
    assert response.url == "/notifications/"


def test_events_record_every_page_action(conflicts, web, in_tenant):
    w = conflicts
    client = web(w.gam)
    client.post(f"/conflicts/{w.c_parallel.pk}/status/", {"action": "acknowledge", "note": "On it"})
    with in_tenant(w.acme):
        event = ConflictEvent.objects.filter(conflict=w.c_parallel).last()
    assert (event.action, event.note, event.actor_id) == ("acknowledged", "On it", w.gam.pk)


def test_anonymous_is_sent_to_login(conflicts, client):
    assert client.get("/conflicts/").status_code == 302
    assert client.get("/notifications/").status_code == 302
