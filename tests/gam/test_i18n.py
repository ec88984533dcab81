"""Languages and time zones: a Swedish user gets Swedish pages with Swedish dates and
numbers, a user's time zone moves displayed times, and both are set on "My profile"."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse

from gam.models import ImportJob, User
from gam.tenancy import tenant_context
from tests import factories as f

NBSP = "\xa0"


def set_prefs(user, **fields):
    User.objects.filter(pk=user.pk).update(**fields)
    user.refresh_from_db()
    return user


def test_a_swedish_user_sees_swedish_navigation(world, web):
    set_prefs(world.rep, language="sv")
    page = web(world.rep).get("/").content.decode()
    assert '<html lang="sv"' in page
    assert "Globala konton" in page and "Kunder" in page and "Logga ut" in page
    assert "Global accounts" not in page


def test_an_english_user_keeps_english_whatever_the_browser_says(world, web):
    page = web(world.rep).get("/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Global accounts" in page and "Globala konton" not in page


def test_before_login_the_browser_language_applies(db, client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Logga in" in page


def test_amounts_and_dates_follow_the_users_locale(world, web):
    opportunity = f.OpportunityFactory(
        tenant=world.acme,
        subsidiary=world.sub_se,
        owner=world.rep,
        amount=Decimal("1234567.50"),
        close_date=datetime.date(2026, 12, 15),
    )
    url = reverse("opportunities:opportunity_detail", args=[opportunity.pk])
    english = web(world.rep).get(url).content.decode()
    assert "1,234,567.50 EUR" in english
    set_prefs(world.rep, language="sv")
    swedish = web(world.rep).get(url).content.decode()
    assert f"1{NBSP}234{NBSP}567,50 EUR" in swedish
    assert "Avslutsdatum" in swedish or "avslutsdatum" in swedish.lower()


def test_the_time_zone_moves_a_displayed_time(world, web):
    with tenant_context(world.acme):
        job = ImportJob.objects.create(
            kind="subsidiaries",
            created_by=world.rep,
            filename="t.csv",
            status=ImportJob.Status.PREVIEW,
            created_at=datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC),
        )
    url = reverse("imports:job_detail", args=[job.pk])
    set_prefs(world.rep, language="sv", time_zone="UTC")
    assert "2026-12-01 12:00" in web(world.rep).get(url).content.decode()
    set_prefs(world.rep, time_zone="Asia/Tokyo")
    page = web(world.rep).get(url).content.decode()
    assert "2026-12-01 21:00" in page and "12:00" not in page
    set_prefs(world.rep, language="en", time_zone="America/New_York")
    assert "12/01/2026 7 a.m." in web(world.rep).get(url).content.decode()


def test_an_unknown_time_zone_falls_back_to_utc(world, web):
    set_prefs(world.rep, time_zone="Mars/Olympus_Mons")
    assert web(world.rep).get("/").status_code == 200


def test_profile_sets_language_and_time_zone(world, web):
    client = web(world.rep)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and b"My profile" in page.content
    response = client.post(
        reverse("profile"),
        {"name": "Rita Rep", "language": "sv", "time_zone": "Europe/Stockholm"},
        follow=True,
    )
    world.rep.refresh_from_db()
    assert (world.rep.language, world.rep.time_zone) == ("sv", "Europe/Stockholm")
    text = response.content.decode()
    assert "Din profil sparades." in text and "Min profil" in text
    assert "Europe/Stockholm" in text


def test_profile_refuses_unknown_values(world, web):
    response = web(world.rep).post(
        reverse("profile"), {"name": "X", "language": "xx", "time_zone": "Nowhere/City"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"language", "time_zone"}
    world.rep.refresh_from_db()
    assert (world.rep.language, world.rep.time_zone) == ("en", "UTC")


def test_profile_needs_login(db, client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and "/login/" in response.url


def test_me_shows_and_patches_language_and_time_zone(world, api):
    client = api(world.rep)
    me = client.get("/api/v1/me/").json()
    assert (me["language"], me["time_zone"]) == ("en", "UTC")
    response = client.patch(
        "/api/v1/me/", {"language": "sv", "time_zone": "Europe/Stockholm"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "sv"
    world.rep.refresh_from_db()
    assert (world.rep.language, world.rep.time_zone) == ("sv", "Europe/Stockholm")
    bad = client.patch(
        "/api/v1/me/", {"time_zone": "Nowhere/City", "email": "x@y.z"}, format="json"
    )
    assert bad.status_code == 400 and "time_zone" in bad.json()
    # Only the own preferences: other fields are not writable here.
    client.patch("/api/v1/me/", {"email": "new@acme.test", "is_tenant_admin": True}, format="json")
    world.rep.refresh_from_db()
    assert world.rep.email == "rep@acme.test" and not world.rep.is_tenant_admin
    assert api().patch("/api/v1/me/", {"language": "sv"}, format="json").status_code == 401


def test_an_unknown_time_zone_is_a_clear_400_and_the_schema_has_no_enum(world, api, client):
    response = api(world.rep).patch("/api/v1/me/", {"time_zone": "Mars/Base"}, format="json")
    assert response.status_code == 400
    assert "Mars/Base" in response.json()["time_zone"][0]
    assert "Europe/Stockholm" in response.json()["time_zone"][0]
    world.rep.refresh_from_db()
    assert world.rep.time_zone == "UTC"
    schema = client.get("/api/schema/?format=json").json()
    request = schema["components"]["schemas"]["PatchedMePreferencesRequest"]
    field = request["properties"]["time_zone"]
    assert field["type"] == "string" and "enum" not in field
