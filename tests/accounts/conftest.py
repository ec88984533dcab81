"""Customer records of ``world`` for the sharing tests.

  other_group   a second global account of acme, with no team
  contact_se    a contact at Volvia Sverige (SE)
  contact_de    a contact at Volvia Deutschland (DE), reporting to contact_se
  contact_local a contact at the local customer
  agreement     Volvia's framework agreement for DE and FR (2026)
  rel_gam       the GAM knows contact_se well
Globex: other_contact, other_agreement.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.models import Relationship
from gam.tenancy import tenant_context
from tests import factories as f


@pytest.fixture
def customers(world):
    w = world
    w.other_group = f.GlobalAccountFactory(tenant=w.acme, name="Nordic Steel Group")
    w.contact_se = f.ContactFactory(
        tenant=w.acme, subsidiary=w.sub_se, name="Sven Svensson", buying_role="decision_maker"
    )
    w.contact_de = f.ContactFactory(
        tenant=w.acme, subsidiary=w.sub_de, name="Dora Dietrich", reports_to=w.contact_se
    )
    w.contact_local = f.ContactFactory(
        tenant=w.acme, subsidiary=w.local_customer, name="Lars Larsson"
    )
    w.agreement = f.FrameworkAgreementFactory(
        tenant=w.acme,
        global_account=w.account,
        name="Volvia frame 2026",
        countries=[w.de, w.fr],
        discount_percent=Decimal("8.00"),
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    with tenant_context(w.acme):
        w.rel_gam = Relationship.objects.create(user=w.gam, contact=w.contact_se, strength=3)
    w.other_contact = f.ContactFactory(tenant=w.globex, subsidiary=w.other_subsidiary)
    w.other_agreement = f.FrameworkAgreementFactory(
        tenant=w.globex, global_account=w.other_account, countries=[w.other_se]
    )
    return w
