"""The contract an integration relies on: a Python client generated with openapi-python-client
from the live ``/api/schema/`` creates, reads and lists records against a running server,
through typed models only (no raw dicts). A field the schema gets wrong fails here: a
read-only foreign key is missing from a request model, a required field the server omits
raises while parsing, a body sent as multipart cannot carry nested credit splits.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import date

import httpx
import pytest

from accounts.models import GlobalAccount, Subsidiary
from gam.tenancy import tenant_context
from opportunities.conflicts.models import ConflictKind
from tests import factories as f
from tests.conflicts.conflict_world import make_conflict

pytest.importorskip(
    "openapi_python_client",
    reason="openapi-python-client (a dev dependency, pyproject.toml) is not installed",
)

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "gam_typed_client"


@pytest.fixture
def client_package(tmp_path, live_server, transactional_db):
    """A client generated from the schema the live server serves."""
    root = tmp_path
    schema = root / "schema.json"
    served = httpx.get(f"{live_server.url}/api/schema/?format=json")
    assert served.status_code == 200, served.text[:500]
    schema.write_bytes(served.content)
    config = root / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _op(name: str):
    return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


def _models():
    return importlib.import_module(f"{PACKAGE}.models")


def _login(package, live_server, email):
    """POST auth/token/ through the generated client, then a client with that token."""
    m = _models()
    anonymous = package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    answer = _op("v1_auth_token_create").sync(
        client=anonymous, body=m.TokenRequestRequest(email=email, password=f.PASSWORD)
    )
    assert isinstance(answer, m.Token), answer
    return package.AuthenticatedClient(
        base_url=live_server.url, token=answer.token, raise_on_unexpected_status=True
    )


def _created(answer, model):
    assert isinstance(answer, model), getattr(answer, "to_dict", lambda: answer)()
    return answer


@pytest.fixture
def people(db):
    acme = f.TenantFactory(name="Acme Industrial", slug="acme")
    admin = f.UserFactory(tenant=acme, email="admin@acme.test", is_tenant_admin=True)
    gam = f.UserFactory(tenant=acme, email="gam@acme.test")
    lam = f.UserFactory(tenant=acme, email="lam@acme.test")
    rep = f.UserFactory(tenant=acme, email="rep@acme.test")
    return acme, admin, gam, lam, rep


def test_an_integration_builds_an_account_with_the_generated_client(
    client_package, live_server, people
):
    acme, admin_user, gam_user, lam_user, rep_user = people
    m = _models()
    admin = _login(client_package, live_server, "admin@acme.test")

    # Configuration, as a tenant admin's integration would set it up.
    for code, name, currency in (("SE", "Sweden", "SEK"), ("DE", "Germany", "EUR")):
        _created(
            _op("v1_countries_create").sync(
                client=admin, body=m.CountryRequest(code=code, name=name, currency=currency)
            ),
            m.Country,
        )
    for slug, phase, order in (
        ("qualification", m.PhaseEnum.QUALIFICATION, 1),
        ("negotiation", m.PhaseEnum.NEGOTIATION, 3),
    ):
        _created(
            _op("v1_stages_create").sync(
                client=admin,
                body=m.StageRequest(slug=slug, name=slug.title(), phase=phase, order=order),
            ),
            m.Stage,
        )
    _created(
        _op("v1_exchange_rates_create").sync(
            client=admin,
            body=m.ExchangeRateRequest(currency="SEK", rate="0.09", valid_from=date(2026, 1, 1)),
        ),
        m.ExchangeRate,
    )
    pumps = _created(
        _op("v1_product_lines_create").sync(client=admin, body=m.ProductLineRequest(name="Pumps")),
        m.ProductLine,
    )

    account = _created(
        _op("v1_global_accounts_create").sync(
            client=admin,
            body=m.GlobalAccountRequest(name="Volvia Group", headquarters_country="SE"),
        ),
        m.GlobalAccount,
    )
    _created(
        _op("v1_team_members_create").sync(
            client=admin,
            body=m.TeamMemberRequest(
                global_account=account.id, user=gam_user.pk, role=m.RoleEnum.GLOBAL_ACCOUNT_MANAGER
            ),
        ),
        m.TeamMember,
    )
    gam = _login(client_package, live_server, "gam@acme.test")
    _created(
        _op("v1_team_members_create").sync(
            client=gam,
            body=m.TeamMemberRequest(
                global_account=account.id,
                user=lam_user.pk,
                role=m.RoleEnum.LOCAL_ACCOUNT_MANAGER,
                country="DE",
            ),
        ),
        m.TeamMember,
    )

    # A local customer entered by a rep, then linked to the account by its GAM.
    rep = _login(client_package, live_server, "rep@acme.test")
    local = _created(
        _op("v1_subsidiaries_create").sync(
            client=rep,
            body=m.SubsidiaryRequest(name="Volvia Sverige AB", country="SE", owner=rep_user.pk),
        ),
        m.Subsidiary,
    )
    linked = _created(
        _op("v1_subsidiaries_partial_update").sync(
            id=local.id,
            client=admin,
            body=m.PatchedSubsidiaryRequest(global_account=account.id, owner=gam_user.pk),
        ),
        m.Subsidiary,
    )
    assert linked.global_account == account.id
    assert linked.owner == gam_user.pk
    sub_de = _created(
        _op("v1_subsidiaries_create").sync(
            client=gam,
            body=m.SubsidiaryRequest(
                name="Volvia Deutschland GmbH", country="DE", global_account=account.id
            ),
        ),
        m.Subsidiary,
    )

    agreement = _created(
        _op("v1_framework_agreements_create").sync(
            client=gam,
            body=m.FrameworkAgreementRequest(
                global_account=account.id,
                name="Volvia frame 2026",
                countries=["SE", "DE"],
                valid_from=date(2026, 1, 1),
                discount_percent="7.50",
            ),
        ),
        m.FrameworkAgreement,
    )
    deal = _created(
        _op("v1_opportunities_create").sync(
            client=gam,
            body=m.OpportunityRequest(
                name="Volvia SE pumps",
                subsidiary=linked.id,
                product_line=pumps.id,
                stage="negotiation",
                amount="120000.00",
                currency="SEK",
                close_date=date(2026, 11, 30),
                framework_agreement=agreement.id,
                credit_splits=[
                    m.CreditSplitRequest(user=gam_user.pk, country="SE", percent="60.00"),
                    m.CreditSplitRequest(user=lam_user.pk, country="DE", percent="40.00"),
                ],
            ),
        ),
        m.Opportunity,
    )
    assert {(s.user, s.country, s.percent) for s in deal.credit_splits} == {
        (gam_user.pk, "SE", "60.00"),
        (lam_user.pk, "DE", "40.00"),
    }
    assert isinstance(deal.warnings, list)
    contact = _created(
        _op("v1_contacts_create").sync(
            client=gam,
            body=m.ContactRequest(subsidiary=sub_de.id, name="Karin Berg", title="CPO"),
        ),
        m.Contact,
    )
    assert contact.subsidiary == sub_de.id
    campaign = _created(
        _op("v1_campaigns_create").sync(
            client=gam,
            body=m.CampaignRequest(
                name="Spring fair",
                subsidiary=sub_de.id,
                starts_on=date(2026, 3, 1),
                ends_on=date(2026, 3, 31),
            ),
        ),
        m.Campaign,
    )
    assert campaign.subsidiary == sub_de.id

    # A rep reads the accounts list: no details of an account outside their team.
    page = _op("v1_global_accounts_list").sync(client=rep, search="volvia")
    assert isinstance(page, m.PaginatedGlobalAccountList)
    (row,) = page.results
    assert row.id == account.id
    assert row.details_visible is False
    assert isinstance(row.score, importlib.import_module(f"{PACKAGE}.types").Unset)

    # A second entry of the same customer is flagged; its GAM links it to the account.
    duplicate = _created(
        _op("v1_subsidiaries_create").sync(
            client=rep,
            body=m.SubsidiaryRequest(name="Volvia Deutschland GmbH", country="DE"),
        ),
        m.Subsidiary,
    )
    assert duplicate.warnings
    with tenant_context(acme):  # recorded as the detectors record it (tested on their own)
        conflict = make_conflict(
            ConflictKind.DUPLICATE_CUSTOMER,
            [
                ("subsidiary", Subsidiary.objects.get(pk=sub_de.id)),
                ("subsidiary", Subsidiary.objects.get(pk=duplicate.id)),
            ],
            global_account=GlobalAccount.objects.get(pk=account.id),
            countries=["DE"],
        )
    answer = _op("v1_conflicts_link_create").sync(
        id=conflict.pk,
        client=gam,
        body=m.ConflictLinkRequest(global_account=account.id, note="Same company"),
    )
    assert isinstance(answer, m.Conflict), answer
    assert answer.status == m.ConflictStatusEnum.RESOLVED
    moved = _op("v1_subsidiaries_retrieve").sync(id=duplicate.id, client=gam)
    assert moved.global_account == account.id
