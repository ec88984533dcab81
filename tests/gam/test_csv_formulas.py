"""CSV exports escape whatever a spreadsheet would run as a formula: ASCII and full-width
starters (＝ ＋ － ＠), a leading tab or carriage return, after leading spaces too; numbers
stay numbers. On the page export and the API's ?format=csv alike."""

from __future__ import annotations

import pytest

from gam.exports import _cell
from gam.tenancy import tenant_context
from tests import factories as f


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-1+A1", "@SUM(A1)", "＝1+1", "＋1", "－1+1", "＠SUM(A1)", "\t=1", "\r=1",
     " =1+1", "  ＝HYPERLINK(1)"],
)  # fmt: skip
def test_formula_starters_are_escaped(text):
    assert _cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-5", "+3.5", "Volvia AB", "1=1", ""])
def test_numbers_and_plain_text_stay(text):
    assert _cell(text) == text


def test_api_csv_escapes_a_full_width_formula(world, api):
    with tenant_context(world.acme):
        f.SubsidiaryFactory(tenant=world.acme, country=world.se, name="＝HYPERLINK(1) AB")
    body = api(world.admin).get("/api/v1/subsidiaries/?format=csv").content.decode()
    assert "'＝HYPERLINK(1) AB" in body
