"""Fixtures shared by the whole suite: two tenants with named personas, API clients that
log in with a real token, and the tenant context for direct ORM checks.

Personas in tenant "acme" (see DESIGN.md, sharing model):
  admin      tenant admin
  gam        global account manager of ``account`` (Volvia Group)
  lam_de     local account manager of ``account`` for Germany
  sponsor    sponsor of ``account``
  rep        a rep of the tenant, on no team
  owner      owner of ``local_customer`` (a subsidiary with no global account)
Tenant "globex" has ``other_admin`` and ``other_account`` / ``other_subsidiary``.
"""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gam import tokens
from gam.context import identity_lookup
from gam.models import ApiToken
from gam.tenancy import tenant_context
from teams.models import TeamRole
from teams.services import team_member_add
from tests import factories as f


@pytest.fixture
def world(db):
    acme = f.TenantFactory(name="Acme Industrial", slug="acme")
    globex = f.TenantFactory(name="Globex", slug="globex", currency="USD")
    se = f.CountryFactory(tenant=acme, code="SE")
    de = f.CountryFactory(tenant=acme, code="DE")
    fr = f.CountryFactory(tenant=acme, code="FR")
    w = SimpleNamespace(acme=acme, globex=globex, se=se, de=de, fr=fr)
    w.admin = f.UserFactory(
        tenant=acme, email="admin@acme.test", name="Ada Admin", is_tenant_admin=True, country=se
    )
    w.gam = f.UserFactory(tenant=acme, email="gam@acme.test", name="Greta GAM", country=se)
    w.lam_de = f.UserFactory(tenant=acme, email="lam.de@acme.test", name="Lukas LAM", country=de)
    w.sponsor = f.UserFactory(tenant=acme, email="sponsor@acme.test", name="Sofia Sponsor")
    w.rep = f.UserFactory(tenant=acme, email="rep@acme.test", name="Rita Rep", country=fr)
    w.owner = f.UserFactory(tenant=acme, email="owner@acme.test", name="Olle Owner", country=se)
    w.account = f.GlobalAccountFactory(tenant=acme, name="Volvia Group", headquarters_country=se)
    w.sub_se = f.SubsidiaryFactory(
        tenant=acme, global_account=w.account, country=se, name="Volvia Sverige AB"
    )
    w.sub_de = f.SubsidiaryFactory(
        tenant=acme, global_account=w.account, country=de, name="Volvia Deutschland GmbH"
    )
    w.local_customer = f.SubsidiaryFactory(
        tenant=acme, country=se, owner=w.owner, name="Småland Verkstad AB"
    )
    with tenant_context(acme):
        team_member_add(account=w.account, user=w.gam, role=TeamRole.GLOBAL_ACCOUNT_MANAGER)
        team_member_add(
            account=w.account, user=w.lam_de, role=TeamRole.LOCAL_ACCOUNT_MANAGER, country=de
        )
        team_member_add(account=w.account, user=w.sponsor, role=TeamRole.SPONSOR)
        w.account.refresh_from_db()
    w.other_se = f.CountryFactory(tenant=globex, code="SE")
    w.other_admin = f.UserFactory(
        tenant=globex, email="admin@globex.test", name="Otto Other", is_tenant_admin=True
    )
    w.other_account = f.GlobalAccountFactory(
        tenant=globex, name="Initech Holding", headquarters_country=w.other_se
    )
    w.other_subsidiary = f.SubsidiaryFactory(
        tenant=globex, global_account=w.other_account, country=w.other_se, name="Initech AB"
    )
    return w


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated with a real API token of the user (one per
    user and test)."""
    secrets: dict[int, str] = {}

    def make(user=None):
        client = APIClient()
        if user is not None:
            if user.pk not in secrets:
                # In the user's tenant, as the API does it (the token follows its user under
                # row-level security).
                scope = tenant_context(user.tenant_id) if user.tenant_id else nullcontext()
                with scope:
                    token, secrets[user.pk] = tokens.issue(user, name="tests", expires_at=None)
                    # As if just used: its last use is then written at most once a minute,
                    # not on the first request (query-count tests compare two requests).
                    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
            client.credentials(HTTP_AUTHORIZATION=f"Token {secrets[user.pk]}")
        return client

    return make


@pytest.fixture
def web(client):
    """web(user) -> a Django test client logged in with a session."""

    def make(user):
        # As the login view does it: users and django-axes' log are read and written with no
        # tenant in context (row-level security, gam.rls).
        with identity_lookup():
            client.force_login(user)
        return client

    return make


@pytest.fixture
def in_tenant():
    """``with in_tenant(tenant):`` for direct ORM reads in tests."""
    return tenant_context
