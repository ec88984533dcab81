"""An admin uploads a customer file with a bad row (every bad row is listed, nothing
changes), fixes it, checks the dry run and applies it. Screenshots:
tests/e2e/output/import-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Subsidiary
from gam.models import User
from gam.tenancy import tenant_context

DATA = Path(__file__).parent.parent / "data" / "imports"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BAD = (
    "name;country;registration_number;website\n"
    "Nordkap Maskin AB;SE;556677-8899;nordkap.se\n"
    ";SE;;\n"
    "Volvia Sverige Aktiebolag;SE;;volvia.se\n"
    "Rhein Pumpen GmbH;XX;;\n"
)
GOOD = BAD.replace(";SE;;\n", "Lyon Hydraulique SARL;FR;;\n").replace(";XX;", ";DE;")


def test_import_with_a_bad_row_then_apply(world, page, live_server, login, screenshot, tmp_path):
    w = world
    with tenant_context(w.acme):
        w.sub_se.website = "volvia.se"
        w.sub_se.save()
    login("admin@acme.test")
    page.goto(f"{live_server.url}/import/")
    expect(page.locator("h1")).to_contain_text("Import")
    screenshot("import-upload")
    bad = tmp_path / "customers.csv"
    bad.write_text(BAD, encoding="utf-8")
    page.select_option("#id_kind", "subsidiaries")
    page.set_input_files("#id_file", str(bad))
    page.click("button[type=submit]:has-text('Upload and check')")
    page.wait_for_load_state("networkidle")
    # The mapping step: each column's field, suggested from the headers.
    expect(page.locator("#column_0")).to_have_value("name")
    expect(page.locator("#column_2")).to_have_value("registration_number")
    page.click("button:has-text('Check the rows')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".error-box")).to_contain_text("2 rows have errors")
    expect(page.locator(".import-preview")).to_contain_text("A name is required.")
    expect(page.locator(".import-preview")).to_contain_text("“XX” is not a country.")
    expect(page.locator("text=Apply import")).to_have_count(0)
    screenshot("import-errors")

    good = tmp_path / "customers-fixed.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.goto(f"{live_server.url}/import/")
    page.select_option("#id_kind", "subsidiaries")
    page.set_input_files("#id_file", str(good))
    page.click("button[type=submit]:has-text('Upload and check')")
    page.wait_for_load_state("networkidle")
    page.click("button:has-text('Check the rows')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".import-preview")).to_contain_text("Already in GAM as Volvia Sverige AB")
    screenshot("import-preview")
    with tenant_context(w.acme):
        assert not Subsidiary.objects.filter(name="Nordkap Maskin AB").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Apply import')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".message-success")).to_contain_text("The import was applied")
    screenshot("import-done")
    with tenant_context(w.acme):
        assert (
            Subsidiary.objects.filter(
                name__in=["Nordkap Maskin AB", "Lyon Hydraulique SARL", "Rhein Pumpen GmbH"]
            ).count()
            == 3
        )
        assert not Subsidiary.objects.filter(name="Volvia Sverige Aktiebolag").exists()


def test_salesforce_export_through_the_mapping_step(world, page, live_server, login, screenshot):
    """A Salesforce Account export: its preset recognized, one column remapped by hand, the
    owner ids mapped to users once, the group structure shown in the preview and built."""
    from gam.models import Country  # noqa: PLC0415

    with tenant_context(world.acme):
        Country.objects.create(code="FI", name="Finland", currency="EUR")
    login("admin@acme.test")
    page.goto(f"{live_server.url}/import/")
    page.select_option("#id_kind", "subsidiaries")
    page.set_input_files("#id_file", str(DATA / "salesforce_accounts.csv"))
    page.click("button[type=submit]:has-text('Upload and check')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("Columns suggested by: Salesforce accounts")
    expect(page.locator("#column_0")).to_have_value("source_id")  # "Id": never GAM's id
    expect(page.locator("#column_10")).to_have_value("country")  # BillingCountry
    expect(page.locator("#column_5")).to_have_value("parent")  # ParentId
    # Shipping country instead of the billing one? Not here: keep billing, ignore Website.
    page.select_option("#column_19", "")
    page.select_option("select[name=owner_user_0]", "owner@acme.test")
    page.select_option("select[name=owner_user_1]", "lam.de@acme.test")
    page.fill("#save_as", "Salesforce Nordics")
    screenshot("import-mapping-salesforce")
    page.click("button:has-text('Check the rows')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".import-preview")).to_contain_text("Nordvik Finland Oy (FI)")
    expect(page.locator(".import-preview")).to_contain_text("Part of the group of")
    screenshot("import-preview-salesforce")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Apply import')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".message-success")).to_contain_text("2 groups were built")
    screenshot("import-done-salesforce")
    with tenant_context(world.acme):
        finland = Subsidiary.objects.select_related("global_account").get(name="Nordvik Finland Oy")
        assert finland.global_account.name == "Nordvik Group AB"
        assert finland.website == ""  # the column was ignored on the page
        assert finland.owner.email == "owner@acme.test"


def test_swedish_user_profile_and_import_page(world, page, live_server, login, screenshot):
    User.objects.filter(pk=world.lam_de.pk).update(language="sv", time_zone="Europe/Stockholm")
    login("lam.de@acme.test")
    page.goto(f"{live_server.url}/profile/")
    expect(page.locator("h1")).to_have_text("Min profil")
    expect(page.locator(".main-nav")).to_contain_text("Globala konton")
    expect(page.locator(".number-sample")).to_have_text("1\xa0234\xa0567,50")
    screenshot("profile-sv")
    page.select_option("#id_language", "en")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".message-success")).to_contain_text("Your profile was saved.")
    page.goto(f"{live_server.url}/profile/")
    page.select_option("#id_language", "sv")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/import/")
    expect(page.locator("h1")).to_have_text("Importera kunder, kontakter och affärsmöjligheter")
    screenshot("import-upload-sv")
