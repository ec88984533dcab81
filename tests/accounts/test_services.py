"""accounts.services beyond the API: refusals, validation, the reports-to hierarchy, history
and audit, and the incremental conflict check queued on commit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import serializers as drf_serializers

from accounts import serializers as account_serializers
from accounts import services
from accounts.models import Contact, GlobalAccount, Subsidiary
from gam.drf import TenantPrimaryKeyRelatedField, TenantSlugRelatedField
from gam.models import AuditLogEntry
from opportunities.conflicts import receivers as conflict_receivers
from teams import serializers as team_serializers


@pytest.fixture
def queued(monkeypatch):
    """The conflict checks the services queue: (record_type, record_id), after commit. The
    services announce the change (gam.signals.record_changed); the conflict engine's receiver
    queues the check."""
    calls = []
    monkeypatch.setattr(
        conflict_receivers,
        "queue_conflict_check",
        lambda *, tenant_id, record_type, record_id: calls.append((record_type, record_id)),
    )
    return calls


def test_changed_subsidiaries_and_agreements_queue_a_conflict_check(customers, in_tenant, queued):
    w = customers
    with in_tenant(w.acme):
        sub = services.subsidiary_create(actor=w.rep, name="Kestrel Oy", country=w.se)
        services.subsidiary_update(actor=w.rep, subsidiary=sub, website="kestrel.fi")
        services.subsidiary_update(actor=w.rep, subsidiary=sub, website="kestrel.fi")  # no-op
        agreement = services.framework_agreement_create(
            actor=w.gam,
            global_account=w.account,
            name="Volvia SE frame",
            countries=[w.se],
            discount_percent=Decimal("4"),
            valid_from=datetime.date(2026, 1, 1),
        )
        services.framework_agreement_update(actor=w.gam, agreement=agreement, countries=[w.de])
    assert queued == [
        ("subsidiary", sub.pk),
        ("subsidiary", sub.pk),
        ("framework_agreement", agreement.pk),
        ("framework_agreement", agreement.pk),
    ]


def test_the_real_queue_runs_after_commit(customers, in_tenant, django_capture_on_commit_callbacks):
    w = customers
    with in_tenant(w.acme), django_capture_on_commit_callbacks() as callbacks:
        services.subsidiary_create(actor=w.rep, name="Kestrel Oy", country=w.se)
    assert len(callbacks) == 1  # sent only once the transaction commits


def test_a_failed_write_queues_nothing_and_saves_nothing(customers, in_tenant, queued):
    w = customers
    with in_tenant(w.acme):
        with pytest.raises(ValidationError) as err:
            services.subsidiary_create(
                actor=w.rep, name="Volvia Norge", country=w.se, global_account=w.account
            )
        assert "Greta GAM" in err.value.message_dict["global_account"][0]
        assert not Subsidiary.objects.filter(name="Volvia Norge").exists()
    assert queued == []


def test_services_refuse_what_the_sharing_model_does_not_allow(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        refusals = [
            lambda: services.global_account_create(actor=w.gam, name="New Group"),
            lambda: services.global_account_update(actor=w.lam_de, account=w.account, industry="x"),
            lambda: services.global_account_delete(actor=w.gam, account=w.account),
            lambda: services.subsidiary_update(actor=w.lam_de, subsidiary=w.sub_se, address="x"),
            lambda: services.subsidiary_delete(actor=w.rep, subsidiary=w.local_customer),
            lambda: services.contact_update(actor=w.sponsor, contact=w.contact_se, title="x"),
            lambda: services.contact_delete(actor=w.lam_de, contact=w.contact_se),
            lambda: services.framework_agreement_update(
                actor=w.lam_de, agreement=w.agreement, name="x"
            ),
            lambda: services.framework_agreement_delete(actor=w.sponsor, agreement=w.agreement),
            lambda: services.relationship_delete(actor=w.sponsor, relationship=w.rel_gam),
            lambda: services.tier_override_set(
                actor=w.sponsor, account=w.account, tier=None, reason="x"
            ),
        ]
        for refuse in refusals:
            with pytest.raises(PermissionDenied):
                refuse()
        assert GlobalAccount.objects.get(pk=w.account.pk).industry == ""


def test_reports_to_stays_inside_the_group_and_has_no_loops(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        # contact_de reports to contact_se; contact_se reporting to contact_de is a loop
        with pytest.raises(ValidationError) as err:
            services.contact_update(actor=w.gam, contact=w.contact_se, reports_to=w.contact_de)
        assert "loop" in err.value.message_dict["reports_to"][0]
        with pytest.raises(ValidationError):
            services.contact_update(actor=w.gam, contact=w.contact_se, reports_to=w.contact_se)
        with pytest.raises(ValidationError) as err:
            services.contact_update(actor=w.gam, contact=w.contact_de, reports_to=w.contact_local)
        assert "same customer group" in err.value.message_dict["reports_to"][0]
        boss = services.contact_create(
            actor=w.lam_de, subsidiary=w.sub_de, name="Grete Groß", buying_role="decision_maker"
        )
        services.contact_update(actor=w.gam, contact=w.contact_se, reports_to=boss)
        assert Contact.objects.get(pk=w.contact_se.pk).reports_to == boss


def test_moving_a_contact_needs_the_right_at_both_ends(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        with pytest.raises(ValidationError) as err:
            services.contact_update(actor=w.lam_de, contact=w.contact_de, subsidiary=w.sub_se)
        assert "subsidiary" in err.value.message_dict
        assert Contact.objects.get(pk=w.contact_de.pk).subsidiary == w.sub_de


def test_history_records_who_changed_what(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        services.global_account_update(actor=w.gam, account=w.account, industry="Trucks")
        services.subsidiary_update(actor=w.lam_de, subsidiary=w.sub_de, website="volvia.de")
        services.contact_update(actor=w.lam_de, contact=w.contact_de, title="CFO")
        services.framework_agreement_update(
            actor=w.gam, agreement=w.agreement, discount_percent=Decimal("9")
        )
        for obj, user, field in [
            (w.account, w.gam, "industry"),
            (w.sub_de, w.lam_de, "website"),
            (w.contact_de, w.lam_de, "title"),
            (w.agreement, w.gam, "discount_percent"),
        ]:
            newest, previous = obj.history.order_by("-history_date")[:2]
            assert newest.history_user == user
            assert field in newest.diff_against(previous).changed_fields


def test_permission_relevant_changes_are_audited(customers, in_tenant):
    w = customers
    with in_tenant(w.acme):
        account = services.global_account_create(actor=w.admin, name="Kestrel Group")
        services.subsidiary_update(actor=w.admin, subsidiary=w.local_customer, owner=w.rep)
        services.tier_override_set(actor=w.gam, account=w.account, tier=None, reason="Review")
        services.global_account_delete(actor=w.admin, account=account)
        actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {
        "global_account.create",
        "subsidiary.move",
        "global_account.tier_override",
        "global_account.delete",
    } <= actions


def test_agreement_dates_and_discounts_are_validated(customers, in_tenant):
    w = customers
    base = {
        "global_account": w.account,
        "name": "X",
        "countries": [w.se],
        "discount_percent": Decimal("5"),
        "valid_from": datetime.date(2026, 6, 1),
    }
    with in_tenant(w.acme):
        for change, field in [
            ({"valid_until": datetime.date(2026, 5, 31)}, "valid_until"),
            ({"discount_percent": Decimal("-1")}, "discount_percent"),
            ({"discount_percent": Decimal("NaN")}, "discount_percent"),
            ({"countries": []}, "countries"),
            ({"countries": [w.other_se]}, "countries"),
            ({"name": "  "}, "name"),
        ]:
            with pytest.raises(ValidationError) as err:
                services.framework_agreement_create(actor=w.gam, **{**base, **change})
            assert field in err.value.message_dict, change
        same_day = services.framework_agreement_create(
            actor=w.gam, **{**base, "valid_until": datetime.date(2026, 6, 1)}
        )
        assert same_day.is_active_on(datetime.date(2026, 6, 1))


def _related_fields(serializer):
    for name, field in serializer.fields.items():
        if isinstance(field, drf_serializers.ManyRelatedField):
            yield name, field.child_relation
        elif isinstance(field, drf_serializers.RelatedField):
            yield name, field
        elif isinstance(field, drf_serializers.ListSerializer):
            yield from _related_fields(field.child)
        elif isinstance(field, drf_serializers.Serializer):
            yield from _related_fields(field)


@pytest.mark.parametrize(
    "serializer_class",
    [
        getattr(module, name)
        for module in (account_serializers, team_serializers)
        for name in dir(module)
        if name.endswith("Serializer")
        and isinstance(getattr(module, name), type)
        and issubclass(getattr(module, name), drf_serializers.Serializer)
        and getattr(module, name).__module__ == module.__name__
    ],
)
def test_every_writable_related_field_is_tenant_scoped(serializer_class):
    for name, field in _related_fields(serializer_class()):
        if field.read_only:
            continue
        assert isinstance(field, TenantPrimaryKeyRelatedField | TenantSlugRelatedField), (
            serializer_class.__name__,
            name,
        )
        if isinstance(field, TenantPrimaryKeyRelatedField) and field.queryset is not None:
            # an explicit queryset must be a tenant-scoped one (User.in_tenant ...)
            assert "CurrentTenantId" in repr(field.queryset.query.where), name
