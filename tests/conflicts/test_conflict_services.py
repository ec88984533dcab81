"""The conflict lifecycle, link and merge services: the status machine and its history, who
may act, link and merge moving everything and losing nothing, all or nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Contact, Relationship, Subsidiary
from gam.tenancy import tenant_context
from opportunities import services as sales_services
from opportunities.conflicts import selectors as cs
from opportunities.conflicts import services
from opportunities.conflicts.models import Conflict, ConflictEvent, Notification
from opportunities.models import Activity, Campaign, CreditSplit, Lead, Opportunity, StageChange
from tests import factories as f
from tests.conflicts import conflict_world
from tests.conflicts.conflict_world import make_conflict

conflicts = conflict_world.conflicts  # the fixture


def _status(conflict) -> str:
    return Conflict.objects.get(pk=conflict.pk).status


# --- the status machine ---------------------------------------------------------------------

VALID = [
    ("open", "acknowledged"),
    ("open", "resolved"),
    ("open", "dismissed"),
    ("acknowledged", "resolved"),
    ("acknowledged", "dismissed"),
]
INVALID = [
    ("acknowledged", "acknowledged"),
    ("resolved", "acknowledged"),
    ("resolved", "dismissed"),
    ("resolved", "resolved"),
    ("dismissed", "acknowledged"),
    ("dismissed", "resolved"),
    ("open", "open"),
    ("open", "reopened"),
]


@pytest.mark.parametrize("start,target", VALID)
def test_valid_transitions_write_history(conflicts, start, target):
    w = conflicts
    with tenant_context(w.acme):
        Conflict.objects.filter(pk=w.c_parallel.pk).update(status=start)
        conflict = cs.conflicts_visible_to(w.gam).get(pk=w.c_parallel.pk)
        services.conflict_set_status(conflict=conflict, actor=w.gam, status=target, note="why")
        stored = Conflict.objects.get(pk=conflict.pk)
        assert stored.status == target
        assert stored.status_changed_at is not None
        if target in ("resolved", "dismissed"):
            assert stored.resolution_note == "why"
        event = ConflictEvent.objects.filter(conflict=conflict).last()
        assert (event.action, event.note, event.actor_id) == (target, "why", w.gam.pk)


@pytest.mark.parametrize("start,target", INVALID)
def test_invalid_transitions_are_rejected_and_change_nothing(conflicts, start, target):
    w = conflicts
    with tenant_context(w.acme):
        Conflict.objects.filter(pk=w.c_parallel.pk).update(status=start)
        events = ConflictEvent.objects.count()
        conflict = Conflict.objects.get(pk=w.c_parallel.pk)
        with pytest.raises(ValidationError) as info:
            services.conflict_set_status(conflict=conflict, actor=w.admin, status=target)
        assert "status" in info.value.message_dict
        assert _status(conflict) == start
        assert ConflictEvent.objects.count() == events


@pytest.mark.parametrize("role", ["lam_de", "sponsor", "rep", "owner", "gam2"])
def test_only_the_gam_and_the_admin_may_act(conflicts, role):
    w = conflicts
    with tenant_context(w.acme):
        conflict = Conflict.objects.get(pk=w.c_parallel.pk)
        for action in (
            services.conflict_acknowledge,
            services.conflict_resolve,
            services.conflict_dismiss,
        ):
            with pytest.raises(PermissionDenied):
                action(conflict=conflict, actor=getattr(w, role), note="no")
        assert _status(conflict) == "open"


def test_selectors_work_inside_subqueries_and_filter_by_country(conflicts):
    """RecordsInvolve compiles against the resolved column, so the visible set can be
    used as a subquery (where Django aliases the table)."""
    w = conflicts
    with tenant_context(w.acme):
        direct = set(cs.conflicts_visible_to(w.owner).values_list("pk", flat=True))
        nested = set(
            Conflict.objects.filter(
                pk__in=cs.conflicts_visible_to(w.owner).values("pk")
            ).values_list("pk", flat=True)
        )
        assert direct == nested == {w.c_parallel.pk}
        de = set(Conflict.objects.filter(cs.CountriesInclude("DE")).values_list("pk", flat=True))
        assert de == {w.c_duplicate.pk}
        assert cs.open_conflict_count(w.gam, w.account) == 2
        assert cs.open_conflict_count(w.rep, w.account) == 0


def test_hint_view_names_only_the_own_records(conflicts):
    w = conflicts
    with tenant_context(w.acme):
        conflict = cs.conflicts_visible_to(w.owner).get(pk=w.c_parallel.pk)
        assert cs.conflict_access(w.owner, conflict) == cs.HINT
        hint = cs.hint_view(w.owner, conflict, cs.record_summaries([conflict]))
        assert [r.name for r in hint.own_records] == ["Småland pumps"]
        assert [(h.type, h.country, h.product_line) for h in hint.others] == [
            ("opportunity", "SE", "Pumps")
        ]
        assert hint.contact == w.gam


def test_record_summaries_take_one_query_per_record_type(conflicts, django_assert_num_queries):
    w = conflicts
    with tenant_context(w.acme):
        rows = list(Conflict.objects.all())
        with django_assert_num_queries(2):  # subsidiaries, opportunities
            summaries = cs.record_summaries(rows)
        assert len(summaries) == 8


# --- link -----------------------------------------------------------------------------------


def test_link_sets_one_account_with_history(conflicts):
    w = conflicts
    with tenant_context(w.acme):
        opp = f.OpportunityFactory(tenant=w.acme, subsidiary=w.dup_de)
        history = w.dup_de.history.count()
        services.conflict_link_to_account(
            conflict=w.c_duplicate, actor=w.gam, account=w.account, note="Same group"
        )
        dup = Subsidiary.objects.get(pk=w.dup_de.pk)
        assert dup.global_account_id == w.account.pk
        assert Opportunity.objects.get(pk=opp.pk).global_account_id == w.account.pk
        assert dup.history.count() == history + 1
        assert dup.history.first().history_user_id == w.gam.pk
        conflict = Conflict.objects.get(pk=w.c_duplicate.pk)
        assert conflict.status == "resolved"
        assert "Same group" in conflict.resolution_note
        with pytest.raises(ValidationError):  # closed now
            services.conflict_link_to_account(conflict=conflict, actor=w.gam, account=w.account)


def test_link_is_all_or_nothing(conflicts, monkeypatch):
    w = conflicts
    with tenant_context(w.acme):
        Subsidiary.objects.filter(pk=w.sub_de.pk).update(global_account=None)
        calls = []

        def failing_follow(subsidiary):
            calls.append(subsidiary.pk)
            if len(calls) == 2:
                raise RuntimeError("database went away")

        monkeypatch.setattr(services, "_follow_account", failing_follow)
        with pytest.raises(RuntimeError):
            services.conflict_link_to_account(
                conflict=w.c_duplicate, actor=w.admin, account=w.account2
            )
        assert len(calls) == 2
        assert Subsidiary.objects.get(pk=w.sub_de.pk).global_account_id is None
        assert Subsidiary.objects.get(pk=w.dup_de.pk).global_account_id is None
        assert _status(w.c_duplicate) == "open"


def test_link_needs_an_account_the_actor_manages(conflicts):
    w = conflicts
    with tenant_context(w.acme), pytest.raises(PermissionDenied):
        services.conflict_link_to_account(conflict=w.c_duplicate, actor=w.gam, account=w.account2)


# --- merge ----------------------------------------------------------------------------------


@pytest.fixture
def crowded_duplicate(conflicts):
    """Everything that can hang off a customer, at the duplicate ``dup_de``."""
    w = conflicts
    with tenant_context(w.acme):
        w.dup_contact = f.ContactFactory(tenant=w.acme, subsidiary=w.dup_de, name="Dora Dup")
        f.ContactFactory(tenant=w.acme, subsidiary=w.dup_de, name="Dirk Dup")
        Relationship.objects.create(user=w.rep, contact=w.dup_contact)
        w.dup_opp = sales_services.opportunity_create(
            actor=w.rep,
            name="Dup pumps",
            subsidiary=w.dup_de,
            product_line=w.pumps,
            stage=w.stages["proposal"],
            amount=1234,
            currency="EUR",
            close_date=datetime.date(2026, 9, 1),
        )
        sales_services.activity_create(
            actor=w.rep, kind="call", subject="Dup call", subsidiary=w.dup_de, opportunity=w.dup_opp
        )
        sales_services.campaign_create(
            actor=w.rep,
            name="Dup fair",
            subsidiary=w.dup_de,
            starts_on=datetime.date(2026, 10, 1),
            ends_on=datetime.date(2026, 10, 2),
        )
        f.LeadFactory(tenant=w.acme, country=w.de, converted_opportunity=w.dup_opp)
        Subsidiary.objects.filter(pk=w.dup_de.pk).update(
            registration_number="DE123456789", website="volvia.de"
        )
        w.dup_de.refresh_from_db()
        # another open conflict of the duplicate, closed by the merge
        w.c_dup_other = make_conflict(
            "campaign_during_negotiation",
            [("subsidiary", w.dup_de), ("opportunity", w.opp_de)],
            global_account=w.account,
        )
    return w


COUNTED = (Opportunity, Contact, Activity, Campaign, Relationship, CreditSplit, StageChange, Lead)


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def _at(subsidiary):
    return {
        "opportunities": Opportunity.objects.filter(subsidiary=subsidiary).count(),
        "contacts": Contact.objects.filter(subsidiary=subsidiary).count(),
        "activities": Activity.objects.filter(subsidiary=subsidiary).count(),
        "campaigns": Campaign.objects.filter(subsidiary=subsidiary).count(),
    }


def test_merge_moves_everything_and_loses_nothing(crowded_duplicate):
    w = crowded_duplicate
    with tenant_context(w.acme):
        before_totals = _counts()
        at_survivor, at_duplicate = _at(w.sub_de), _at(w.dup_de)
        assert all(at_duplicate.values())
        subsidiaries = Subsidiary.objects.count()
        opp_history = w.dup_opp.history.count()

        moved = services.subsidiaries_merge(
            survivor=w.sub_de, duplicate=w.dup_de, actor=w.gam, conflict=w.c_duplicate
        )

        assert _counts() == before_totals  # nothing lost, nothing made up
        assert Subsidiary.objects.count() == subsidiaries - 1
        assert not Subsidiary.objects.filter(pk=w.dup_de.pk).exists()
        assert _at(w.sub_de) == {k: at_survivor[k] + at_duplicate[k] for k in at_survivor}
        assert moved == {
            "opportunities": 1,
            "activities": 1,
            "campaigns": 1,
            "contacts": 2,
        }
        opp = Opportunity.objects.get(pk=w.dup_opp.pk)
        # denormalized place follows the survivor (Volvia's account, Germany)
        assert (opp.global_account_id, opp.country_id) == (w.account.pk, w.de.pk)
        assert Activity.objects.get(subject="Dup call").global_account_id == w.account.pk
        assert Campaign.objects.get(name="Dup fair").global_account_id == w.account.pk
        assert Relationship.objects.get(contact=w.dup_contact).contact.subsidiary_id == w.sub_de.pk
        assert Lead.objects.get(converted_opportunity=opp).converted_opportunity_id == opp.pk
        # blank fields of the survivor filled from the duplicate
        survivor = Subsidiary.objects.get(pk=w.sub_de.pk)
        assert (survivor.registration_number, survivor.website) == ("DE123456789", "volvia.de")
        # history kept: the moved opportunity and the deleted duplicate have history rows
        assert opp.history.count() == opp_history + 1
        assert opp.history.first().history_change_reason == f"merged into subsidiary {w.sub_de.pk}"
        gone = Subsidiary.history.filter(id=w.dup_de.pk).first()
        assert gone.history_type == "-" and gone.history_user_id == w.gam.pk
        conflict = Conflict.objects.get(pk=w.c_duplicate.pk)
        assert conflict.status == "resolved"
        actions = list(
            ConflictEvent.objects.filter(conflict=conflict).values_list("action", flat=True)
        )
        assert actions == ["detected", "merged", "resolved"]
        other = Conflict.objects.get(pk=w.c_dup_other.pk)
        assert other.status == "resolved" and "Merged" in other.resolution_note


def test_merge_is_all_or_nothing(crowded_duplicate, monkeypatch):
    w = crowded_duplicate
    with tenant_context(w.acme):
        before_totals = _counts()
        at_survivor, at_duplicate = _at(w.sub_de), _at(w.dup_de)
        events = ConflictEvent.objects.count()

        def failing_delete(self, *args, **kwargs):
            raise RuntimeError("worker killed mid-merge")

        # everything has moved by the time the duplicate is deleted: then it fails
        monkeypatch.setattr(Subsidiary, "delete", failing_delete)
        with pytest.raises(RuntimeError):
            services.subsidiaries_merge(
                survivor=w.sub_de, duplicate=w.dup_de, actor=w.gam, conflict=w.c_duplicate
            )
        assert _counts() == before_totals
        assert _at(w.sub_de) == at_survivor
        assert _at(w.dup_de) == at_duplicate
        assert Subsidiary.objects.get(pk=w.sub_de.pk).registration_number == ""
        assert _status(w.c_duplicate) == "open" and _status(w.c_dup_other) == "open"
        assert ConflictEvent.objects.count() == events


def test_merge_checks_its_input_and_rights(crowded_duplicate):
    w = crowded_duplicate
    with tenant_context(w.acme):
        with pytest.raises(ValidationError):
            services.subsidiaries_merge(
                survivor=w.sub_de, duplicate=w.sub_de, actor=w.gam, conflict=w.c_duplicate
            )
        with pytest.raises(ValidationError):  # not a customer of this conflict
            services.subsidiaries_merge(
                survivor=w.sub_se, duplicate=w.dup_de, actor=w.gam, conflict=w.c_duplicate
            )
        with pytest.raises(ValidationError):  # not a duplicate-customer conflict
            services.subsidiaries_merge(
                survivor=w.sub_de, duplicate=w.dup_de, actor=w.gam, conflict=w.c_parallel
            )
        with pytest.raises(PermissionDenied):
            services.subsidiaries_merge(
                survivor=w.sub_de, duplicate=w.dup_de, actor=w.rep, conflict=w.c_duplicate
            )
        with pytest.raises(PermissionDenied):  # outside a conflict: tenant admins only
            services.subsidiaries_merge(survivor=w.sub_de, duplicate=w.dup_de, actor=w.gam)
        # across accounts, the GAM of one may not delete the other account's customer
        with pytest.raises(PermissionDenied):
            services.subsidiaries_merge(
                survivor=w.sub_se, duplicate=w.sub2_se, actor=w.gam, conflict=w.c_cross
            )
        assert Subsidiary.objects.filter(pk__in=[w.dup_de.pk, w.sub2_se.pk]).count() == 2


def test_merge_plan_lists_what_moves(crowded_duplicate, django_assert_max_num_queries):
    w = crowded_duplicate
    with tenant_context(w.acme):
        with django_assert_max_num_queries(12):
            plan = services.subsidiaries_merge_plan(
                survivor=w.sub_de, duplicate=w.dup_de, conflict=w.c_duplicate
            )
        items = {i.label: i for i in plan.items}
        assert sorted(items["contacts"].names) == ["Dirk Dup", "Dora Dup"]
        assert items["opportunities"].names == ["Dup pumps"]
        assert items["campaigns"].count == 1 and items["activities"].count == 1
        assert ("registration / VAT number", "DE123456789") in plan.copied_fields
        assert plan.other_conflicts == 1  # the campaign conflict


# --- notifications --------------------------------------------------------------------------


def test_notification_services(conflicts):
    w = conflicts
    with tenant_context(w.acme):
        mine = Notification.objects.create(user=w.gam, text="a")
        Notification.objects.create(user=w.gam, text="b")
        theirs = Notification.objects.create(user=w.owner, text="c")
        with pytest.raises(PermissionDenied):
            services.notification_mark_read(user=w.gam, notification=theirs)
        read = services.notification_mark_read(user=w.gam, notification=mine)
        first = read.read_at
        assert first is not None
        assert services.notification_mark_read(user=w.gam, notification=mine).read_at == first
        assert services.notifications_mark_all_read(user=w.gam) == 1
        assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_a_local_survivor_takes_the_account_of_the_duplicate(conflicts):
    """Keeping the local record: it gains the duplicate's global account, and the records
    already at it follow (denormalized account of opportunities, activities, campaigns)."""
    w = conflicts
    with tenant_context(w.acme):
        own = f.OpportunityFactory(tenant=w.acme, subsidiary=w.dup_de)
        assert own.global_account_id is None
        services.subsidiaries_merge(
            survivor=w.dup_de, duplicate=w.sub_de, actor=w.gam, conflict=w.c_duplicate
        )
        assert Subsidiary.objects.get(pk=w.dup_de.pk).global_account_id == w.account.pk
        assert Opportunity.objects.get(pk=own.pk).global_account_id == w.account.pk
        assert Opportunity.objects.get(pk=w.opp_de.pk).subsidiary_id == w.dup_de.pk
