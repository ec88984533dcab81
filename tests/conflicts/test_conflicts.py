"""The duplicate-work detectors: each kind on positive cases and close negatives, reruns,
dismissed conflicts, auto-resolution, the incremental check on commit, tenant isolation,
alerts that respect the sharing model, and constant query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opportunities import services
from opportunities.conflicts import recording
from opportunities.conflicts.detectors.findings import conflict_key
from opportunities.conflicts.models import (
    ACTIVE_STATUSES,
    Conflict,
    ConflictEvent,
    ConflictKind,
    ConflictStatus,
    Notification,
    ScanRun,
)
from opportunities.conflicts.tasks import check_record_conflicts, scan_tenant_conflicts
from opportunities.models import Opportunity
from tests import factories as f

TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=30)
DUP = ConflictKind.DUPLICATE_CUSTOMER
GROUP = ConflictKind.UNLINKED_GROUP
PARALLEL = ConflictKind.PARALLEL_OPPORTUNITY
CAMPAIGN = ConflictKind.CAMPAIGN_DURING_NEGOTIATION
AGREEMENT = ConflictKind.FRAMEWORK_AGREEMENT_MISSED


def scan():
    return recording.scan_tenant()


def open_conflicts(kind=None):
    qs = Conflict.objects.filter(status__in=ACTIVE_STATUSES)
    return qs.filter(kind=kind) if kind else qs


def refs(conflict):
    return {(r["type"], r["id"]) for r in conflict.records}


def opp(w, *, subsidiary, owner, product_line=None, stage="proposal", **extra):
    extra.setdefault("close_date", SOON)
    return services.opportunity_create(
        actor=owner,
        name=extra.pop("name", f"{subsidiary.name} deal"),
        subsidiary=subsidiary,
        stage=w.stages[stage],
        product_line=product_line if product_line is not None else w.pumps,
        amount=extra.pop("amount", Decimal("50000")),
        **extra,
    )


# --- duplicate_customer ---------------------------------------------------------------------


def sub(w, name, country, **extra):
    return f.SubsidiaryFactory(tenant=w.acme, name=name, country=country, **extra)


def dup_pairs():
    return {
        frozenset(r[1] for r in refs(c)): c
        for c in open_conflicts(DUP)
        if all(t == "subsidiary" for t, _i in refs(c))
    }


@pytest.mark.django_db
def test_duplicate_customer_found_by_registration_domain_and_name(sales, in_tenant):
    """One legal entity (the same number, or one country and one name) is a duplicate; the
    same company entered in two countries is two entities of one group."""
    w = sales
    # The Swedish VAT number and the organisation number are one legal entity.
    a = sub(w, "Nordic Steel AB", w.se, registration_number="556677-8899")
    b = sub(w, "Nordic Steel Sverige", w.de, registration_number="SE 5566778899 01")
    # One country: legal forms spelled out, accents, case.
    e = sub(w, "Société Générale des Pompes S.A.", w.fr)
    g = sub(w, "SOCIETE GENERALE DES POMPES SA", w.fr)
    # Across borders: the same domain, legal forms, a typo: one group, two entities.
    c = sub(w, "Baltic Foods GmbH", w.de, website="https://www.balticfoods.eu/de")
    d = sub(w, "BF Nordic", w.fr, website="balticfoods.eu")
    h = sub(w, "Hansa Logistik Gesellschaft mit beschränkter Haftung", w.de)
    i = sub(w, "HANSA LOGISTIK GMBH", w.se)
    j = sub(w, "Kronberg Maschinenbau AG", w.de)
    k = sub(w, "Kronberg Maschinebau", w.fr)
    with in_tenant(w.acme):
        scan()
        pairs = dup_pairs()
        for x, y in [(a, b), (e, g)]:
            assert frozenset({x.pk, y.pk}) in pairs, (x.name, y.name)
        groups = [{r[1] for r in refs(c)} for c in open_conflicts(GROUP)]
        for x, y in [(c, d), (h, i), (j, k)]:
            assert frozenset({x.pk, y.pk}) not in pairs, (x.name, y.name)
            assert any({x.pk, y.pk} <= members for members in groups), (x.name, y.name)
        conflict = pairs[frozenset({a.pk, b.pk})]
        assert conflict.reason.startswith("Same registration number")
        assert conflict.countries == ["DE", "SE"]
        assert conflict.assignee == w.admin  # no global account: the tenant admin handles it
        assert conflict.evidence and conflict.score is not None
        assert "web domain" not in pairs[frozenset({e.pk, g.pk})].reason


@pytest.mark.django_db
def test_duplicate_customer_not_found_for_close_negatives(sales, in_tenant):
    w = sales
    pairs_expected_absent = [
        # similar but different companies
        (sub(w, "Nordic Steel AB", w.se), sub(w, "Nordic Stone AB", w.se)),
        (sub(w, "Alpen Pharma GmbH", w.de), sub(w, "Alpen Farm GmbH", w.de)),
        # the registry proves two legal entities in one country
        (
            sub(w, "Delta Trading AB", w.se, registration_number="5561234567"),
            sub(w, "Delta Trading AB", w.se, registration_number="5569876543"),
        ),
        # same name, but their websites say they are different companies
        (
            sub(w, "Apex Tools", w.se, website="apex-tools.se"),
            sub(w, "Apex Tools", w.de, website="apexgroup.de"),
        ),
        # a shared webmail domain proves nothing
        (
            sub(w, "Kaffebaren", w.se, website="kaffebaren@gmail.com"),
            sub(w, "Blommor i Lund", w.se, website="gmail.com"),
        ),
    ]
    # Group companies already linked to one global account (same domain, different
    # countries, even the same short name) are not duplicates.
    w.sub_se.website = "volvia.com"
    w.sub_se.save()
    w.sub_de.website = "https://volvia.com/de"
    w.sub_de.save()
    group_fr = sub(w, "Volvia AB", w.fr, global_account=w.account, website="volvia.com")
    group_de = sub(w, "Volvia GmbH", w.de, global_account=w.account)
    with in_tenant(w.acme):
        scan()
        pairs = dup_pairs()
        for x, y in pairs_expected_absent:
            assert frozenset({x.pk, y.pk}) not in pairs, (x.name, y.name)
        for x, y in [(w.sub_se, w.sub_de), (group_fr, w.sub_se), (group_fr, group_de)]:
            assert frozenset({x.pk, y.pk}) not in pairs, (x.name, y.name)


@pytest.mark.django_db
def test_duplicate_customer_same_legal_entity_under_one_account_is_a_duplicate(sales, in_tenant):
    w = sales
    twice = sub(
        w, "Volvia Svenska AB", w.se, global_account=w.account, registration_number="5560125790"
    )
    w.sub_se.registration_number = "SE556012579001"
    w.sub_se.save()
    # same name as sub_de, entered in France: another entity of the account's group
    unlinked = sub(w, "Volvia Deutschland GmbH", w.fr)
    with in_tenant(w.acme):
        scan()
        pairs = dup_pairs()
        conflict = pairs[frozenset({twice.pk, w.sub_se.pk})]
        assert conflict.global_account == w.account
        assert conflict.assignee == w.gam
        assert frozenset({unlinked.pk, w.sub_de.pk}) not in pairs
        (group,) = [c for c in open_conflicts(GROUP) if ("subsidiary", unlinked.pk) in refs(c)]
        assert group.global_account == w.account


# --- parallel_opportunity -------------------------------------------------------------------


@pytest.mark.django_db
def test_parallel_opportunity_positive_and_negatives(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        # opp_se (SE, pumps) and opp_de (DE, valves) differ in product line: nothing yet.
        scan()
        assert not open_conflicts(PARALLEL).exists()
        de_pumps = opp(w, subsidiary=w.sub_de, owner=w.lam_de, product_line=w.pumps)
        # Same country, same owner, same product line: one seller's own two deals.
        seals = f.ProductLineFactory(tenant=w.acme, name="Seals")
        opp(w, subsidiary=w.sub_se, owner=w.gam, product_line=seals)
        opp(w, subsidiary=w.sub_se, owner=w.gam, product_line=seals)
        # Closed opportunities do not count.
        opp(w, subsidiary=w.sub_de, owner=w.lam_de, product_line=w.valves, stage="closed_lost")
        # The local customer is not at the account.
        opp(w, subsidiary=w.local_customer, owner=w.owner, product_line=w.pumps)
        scan()
        found = list(open_conflicts(PARALLEL))
        assert [refs(c) for c in found] == [
            {("opportunity", w.opp_se.pk), ("opportunity", de_pumps.pk)}
        ]
        conflict = found[0]
        assert conflict.countries == ["DE", "SE"]
        assert conflict.global_account == w.account
        assert conflict.assignee == w.gam
        assert "Pumps" in conflict.reason and "SE" in conflict.reason
        assert "50000" not in conflict.reason and "Proposal" not in conflict.reason


@pytest.mark.django_db
def test_parallel_opportunity_same_country_different_owners(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        other = opp(w, subsidiary=w.sub_se, owner=w.rep, product_line=w.pumps)
        scan()
        (conflict,) = open_conflicts(PARALLEL)
        assert refs(conflict) == {("opportunity", w.opp_se.pk), ("opportunity", other.pk)}
        assert "different owners" in conflict.reason


# --- campaign_during_negotiation ------------------------------------------------------------


def campaign(w, *, subsidiary, owner, starts_on, ends_on, name="Spring mailing"):
    return services.campaign_create(
        actor=owner, name=name, subsidiary=subsidiary, starts_on=starts_on, ends_on=ends_on
    )


@pytest.mark.django_db
def test_campaign_during_negotiation_positive_and_negatives(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        negotiation = opp(
            w, subsidiary=w.sub_de, owner=w.lam_de, stage="negotiation", close_date=SOON
        )
        clash = campaign(
            w, subsidiary=w.sub_se, owner=w.gam, starts_on=TODAY, ends_on=SOON, name="Clash"
        )
        # ended yesterday
        campaign(
            w,
            subsidiary=w.sub_se,
            owner=w.gam,
            starts_on=TODAY - datetime.timedelta(days=20),
            ends_on=TODAY - datetime.timedelta(days=1),
        )
        # starts after the negotiation is expected to close
        campaign(
            w,
            subsidiary=w.sub_se,
            owner=w.gam,
            starts_on=SOON + datetime.timedelta(days=1),
            ends_on=SOON + datetime.timedelta(days=10),
        )
        # the negotiating seller's own campaign
        campaign(w, subsidiary=w.sub_de, owner=w.lam_de, starts_on=TODAY, ends_on=SOON)
        # at the local customer (no global account)
        campaign(w, subsidiary=w.local_customer, owner=w.owner, starts_on=TODAY, ends_on=SOON)
        scan()
        found = list(open_conflicts(CAMPAIGN))
        assert [refs(c) for c in found] == [
            {("campaign", clash.pk), ("opportunity", negotiation.pk)}
        ]
        assert found[0].countries == ["DE", "SE"]
        # opp_se is in the proposal phase: no conflict with it.
        assert all(("opportunity", w.opp_se.pk) not in refs(c) for c in found)


@pytest.mark.django_db
def test_negotiation_past_its_close_date_still_runs_today(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        late = opp(
            w,
            subsidiary=w.sub_de,
            owner=w.lam_de,
            stage="negotiation",
            close_date=TODAY - datetime.timedelta(days=5),
        )
        running = campaign(
            w,
            subsidiary=w.sub_se,
            owner=w.gam,
            starts_on=TODAY - datetime.timedelta(days=3),
            ends_on=TODAY + datetime.timedelta(days=3),
        )
        scan()
        assert [refs(c) for c in open_conflicts(CAMPAIGN)] == [
            {("campaign", running.pk), ("opportunity", late.pk)}
        ]


# --- framework_agreement_missed -------------------------------------------------------------


def agreement(w, countries, *, valid_from=None, valid_until=None, name="Volvia frame 2026"):
    return f.FrameworkAgreementFactory(
        tenant=w.acme,
        global_account=w.account,
        name=name,
        countries=countries,
        valid_from=valid_from or TODAY - datetime.timedelta(days=100),
        valid_until=valid_until,
    )


@pytest.mark.django_db
def test_framework_agreement_missed_positive_and_negatives(sales, in_tenant):
    w = sales
    active = agreement(w, [w.se])
    agreement(
        w,
        [w.de],
        valid_from=TODAY - datetime.timedelta(days=400),
        valid_until=TODAY - datetime.timedelta(days=1),
        name="expired",
    )
    agreement(w, [w.de], valid_from=TODAY + datetime.timedelta(days=10), name="not yet")
    with in_tenant(w.acme):
        referencing = opp(w, subsidiary=w.sub_se, owner=w.gam, framework_agreement=active)
        opp(w, subsidiary=w.sub_se, owner=w.gam, stage="closed_won")
        scan()
        found = list(open_conflicts(AGREEMENT))
        # opp_se in SE misses it; opp_de is in DE (expired / future agreements only).
        assert [refs(c) for c in found] == [
            {("opportunity", w.opp_se.pk), ("framework_agreement", active.pk)}
        ]
        assert found[0].countries == ["SE"]
        assert ("opportunity", referencing.pk) not in refs(found[0])


# --- recording: reruns, dismissed, reopened, auto-resolved ----------------------------------


def parallel_world(w):
    return opp(w, subsidiary=w.sub_de, owner=w.lam_de, product_line=w.pumps, name="DE pumps")


@pytest.mark.django_db
def test_reruns_make_no_new_rows(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        parallel_world(w)
        sub(w, "Volvia Sverige", w.de)  # a duplicate of sub_se
        agreement(w, [w.se, w.de])
        first = scan()
        counts = (Conflict.objects.count(), ConflictEvent.objects.count())
        notes = Notification.objects.count()
        assert counts[0] >= 4 and notes > 0
        second = scan()
        assert (Conflict.objects.count(), ConflictEvent.objects.count()) == counts
        assert Notification.objects.count() == notes
        assert sum(k["new"] for k in first.counts.values()) == counts[0]
        assert sum(k["new"] for k in second.counts.values()) == 0
        assert second.status == ScanRun.Status.FINISHED and second.finished_at
        assert second.counts[PARALLEL]["open"] == 1
        # the incremental check of a record in a known conflict adds nothing either
        recording.check_record(record_type="opportunity", record_id=w.opp_se.pk)
        assert (Conflict.objects.count(), ConflictEvent.objects.count()) == counts


@pytest.mark.django_db
def test_dismissed_stays_dismissed_until_a_material_change(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        de_pumps = parallel_world(w)
        scan()
        conflict = Conflict.objects.get(kind=PARALLEL)
        conflict.status = ConflictStatus.DISMISSED
        conflict.save()
        # Non-material changes (amount, stage within the open phases) keep it dismissed.
        services.opportunity_update(
            opportunity=de_pumps,
            actor=w.lam_de,
            amount=Decimal("99"),
            stage=w.stages["negotiation"],
        )
        scan()
        recording.check_record(record_type="opportunity", record_id=de_pumps.pk)
        conflict.refresh_from_db()
        assert conflict.status == ConflictStatus.DISMISSED
        before = Notification.objects.filter(conflict=conflict).count()
        # A new owner is material: the conflict reopens, with an event and alerts.
        services.opportunity_update(opportunity=de_pumps, actor=w.gam, owner=w.rep)
        recording.check_record(record_type="opportunity", record_id=de_pumps.pk)
        conflict.refresh_from_db()
        assert conflict.status == ConflictStatus.OPEN
        assert conflict.events.filter(action="reopened").count() == 1
        assert Notification.objects.filter(conflict=conflict).count() > before
        assert Conflict.objects.filter(kind=PARALLEL).count() == 1


@pytest.mark.django_db
def test_full_scan_resolves_what_disappeared_but_not_dismissed(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        de_pumps = parallel_world(w)
        frame = agreement(w, [w.se])
        scan()
        parallel = Conflict.objects.get(kind=PARALLEL)
        missed = Conflict.objects.get(kind=AGREEMENT)
        missed.status = ConflictStatus.DISMISSED
        missed.save()
        # Closing the German deal and referencing the agreement end both conditions; the
        # queued checks do not run here (no commit), the full scan finds it out.
        de_pumps.stage = w.stages["closed_lost"]
        de_pumps.status = "lost"
        de_pumps.save()
        Opportunity.objects.filter(pk=w.opp_se.pk).update(framework_agreement=frame)
        run = scan()
        parallel.refresh_from_db()
        missed.refresh_from_db()
        assert parallel.status == ConflictStatus.RESOLVED
        assert parallel.events.filter(action="auto-resolved").exists()
        assert run.counts[PARALLEL]["resolved"] == 1
        assert missed.status == ConflictStatus.DISMISSED  # dismissed ones are left alone
        # The condition coming back reopens the auto-resolved conflict (same row).
        de_pumps.stage = w.stages["proposal"]
        de_pumps.status = "open"
        de_pumps.save()
        scan()
        parallel.refresh_from_db()
        assert parallel.status == ConflictStatus.OPEN
        assert Conflict.objects.filter(kind=PARALLEL).count() == 1


# --- the incremental check on commit --------------------------------------------------------


@pytest.mark.django_db
def test_saving_an_opportunity_checks_it_after_commit(
    sales, in_tenant, django_capture_on_commit_callbacks
):
    w = sales
    with in_tenant(w.acme):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            de_pumps = parallel_world(w)
            assert not Conflict.objects.exists()  # nothing before the commit
        assert len(callbacks) >= 1
        (conflict,) = open_conflicts(PARALLEL)
        assert refs(conflict) == {("opportunity", w.opp_se.pk), ("opportunity", de_pumps.pk)}
        assert conflict.events.get().action == "detected"
        # Moving it to another product line resolves the conflict at the next commit.
        with django_capture_on_commit_callbacks(execute=True):
            services.opportunity_update(opportunity=de_pumps, actor=w.lam_de, product_line=w.valves)
        conflict.refresh_from_db()
        assert conflict.status == ConflictStatus.RESOLVED
        assert conflict.events.last().action == "auto-resolved"


@pytest.mark.django_db
def test_a_rolled_back_change_queues_nothing(sales, in_tenant, django_capture_on_commit_callbacks):
    w = sales
    with in_tenant(w.acme):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            parallel_world(w)
            raise RuntimeError("the user's request failed later")
        assert callbacks == []
        assert not Conflict.objects.exists()


@pytest.mark.django_db
def test_campaign_and_subsidiary_checks(sales, in_tenant, django_capture_on_commit_callbacks):
    w = sales
    with in_tenant(w.acme):
        negotiation = opp(w, subsidiary=w.sub_de, owner=w.lam_de, stage="negotiation")
        with django_capture_on_commit_callbacks(execute=True):
            clash = campaign(w, subsidiary=w.sub_se, owner=w.gam, starts_on=TODAY, ends_on=SOON)
        (conflict,) = open_conflicts(CAMPAIGN)
        assert refs(conflict) == {("campaign", clash.pk), ("opportunity", negotiation.pk)}
        twin = sub(w, "Volvia Sverige Aktiebolag", w.se)
        recording.check_record(record_type="subsidiary", record_id=twin.pk)
        assert frozenset({twin.pk, w.sub_se.pk}) in dup_pairs()
        # Renamed into another company: its duplicate conflict resolves on the next check.
        twin.name = "Ostwind Energie GmbH"
        twin.save()
        recording.check_record(record_type="subsidiary", record_id=twin.pk)
        assert frozenset({twin.pk, w.sub_se.pk}) not in dup_pairs()


@pytest.mark.django_db
def test_agreement_check_and_deleted_records(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        frame = agreement(w, [w.de])
        recording.check_record(record_type="framework_agreement", record_id=frame.pk)
        (conflict,) = open_conflicts(AGREEMENT)
        assert refs(conflict) == {("opportunity", w.opp_de.pk), ("framework_agreement", frame.pk)}
        services.opportunity_delete(opportunity=w.opp_de, actor=w.admin)
        recording.check_record(record_type="opportunity", record_id=conflict.records[1]["id"])
        conflict.refresh_from_db()
        assert conflict.status == ConflictStatus.RESOLVED


@pytest.mark.django_db
def test_incremental_check_query_count_is_constant(sales, in_tenant):
    w = sales

    def queries_for_check():
        with CaptureQueriesContext(connection) as ctx:
            recording.check_record(record_type="opportunity", record_id=w.opp_se.pk)
        return len(ctx.captured_queries)

    with in_tenant(w.acme):
        parallel_world(w)
        agreement(w, [w.se])
        queries_for_check()  # records the conflicts; the checks below find them known
        small = queries_for_check()
        # The tenant grows: many more customers, opportunities and campaigns elsewhere.
        for n in range(30):
            other = sub(w, f"Filler Company {n} Oy", w.fr)
            opp(w, subsidiary=other, owner=w.rep, name=f"filler {n}")
            campaign(w, subsidiary=other, owner=w.rep, starts_on=TODAY, ends_on=SOON)
        assert queries_for_check() == small
        assert small <= 20


# --- tenant isolation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_scans_and_tasks_stay_in_their_tenant(sales, in_tenant):
    w = sales
    with in_tenant(w.globex):
        twin = f.SubsidiaryFactory(tenant=w.globex, name="Initech AB", country=w.other_se)
        scan_tenant_conflicts.delay(w.globex.pk)  # eager in tests
        (globex_conflict,) = Conflict.objects.all()
        assert refs(globex_conflict) == {
            ("subsidiary", twin.pk),
            ("subsidiary", w.other_subsidiary.pk),
        }
    with in_tenant(w.acme):
        parallel_world(w)
        # A task for acme with a globex record id finds nothing of globex's.
        check_record_conflicts.delay(w.acme.pk, "subsidiary", twin.pk)
        assert not Conflict.objects.filter(kind=DUP).exists()
        scan_tenant_conflicts.delay(w.acme.pk)
        assert Conflict.objects.count() == 1
        assert not Conflict.objects.filter(pk=globex_conflict.pk).exists()
        assert ScanRun.objects.count() == 1
    with in_tenant(w.globex):
        assert Conflict.objects.get().status == ConflictStatus.OPEN  # untouched by acme's
        assert not Notification.objects.filter(user__tenant=w.acme).exists()
    assert not Conflict.unscoped.filter(
        tenant=w.acme, records__contains=[{"type": "subsidiary", "id": twin.pk}]
    ).exists()


# --- alerts and the sharing model -----------------------------------------------------------


@pytest.mark.django_db
def test_alerts_go_to_gam_and_owners_with_hints_only_for_hidden_records(
    sales, in_tenant, django_capture_on_commit_callbacks
):
    w = sales
    with in_tenant(w.acme):
        # The rep (on no team) owns an SE pumps deal at Volvia; the GAM owns opp_se.
        opp(
            w,
            subsidiary=w.sub_se,
            owner=w.rep,
            name="Rita's secret pumps deal",
            amount=Decimal("123456"),
        )
        services.opportunity_update(opportunity=w.opp_se, actor=w.gam, name="Volvia SE pumps")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            scan()  # emails leave after the commit
        (conflict,) = open_conflicts(PARALLEL)
        by_user = {n.user_id: n for n in Notification.objects.filter(conflict=conflict)}
        assert set(by_user) == {w.gam.pk, w.rep.pk}
        gam_text = by_user[w.gam.pk].text
        assert "Rita's secret pumps deal" in gam_text and "Volvia SE pumps" in gam_text
        rep_text = by_user[w.rep.pk].text
        # The rep may not see opp_se: a hint (country, product line, the GAM), nothing more.
        assert "Volvia SE pumps" not in rep_text
        assert "100000" not in rep_text and "100 000" not in rep_text
        assert "Proposal" not in rep_text and "proposal" not in rep_text
        assert "Pumps" in rep_text and "SE" in rep_text and w.gam.name in rep_text
        assert "Rita's secret pumps deal" in rep_text  # their own record, by name
        assert by_user[w.rep.pk].url == ""
        assert by_user[w.gam.pk].read_at is None
    # One email each, with the same texts.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([w.gam.email, w.rep.email])
    rep_mail = next(m for m in mail.outbox if m.to == [w.rep.email])
    assert "Volvia SE pumps" not in rep_mail.body and "Proposal" not in rep_mail.body
    assert rep_text in rep_mail.body


@pytest.mark.django_db
def test_campaign_owner_gets_a_hint_about_a_negotiation_they_may_not_see(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        opp(
            w,
            subsidiary=w.sub_de,
            owner=w.lam_de,
            stage="negotiation",
            name="Stuttgart frame deal",
            amount=Decimal("777000"),
        )
        campaign(w, subsidiary=w.sub_se, owner=w.rep, starts_on=TODAY, ends_on=SOON, name="Blast")
        scan()
        (conflict,) = open_conflicts(CAMPAIGN)
        texts = {n.user_id: n.text for n in Notification.objects.filter(conflict=conflict)}
        assert set(texts) == {w.gam.pk, w.lam_de.pk, w.rep.pk}
        assert "Stuttgart frame deal" not in texts[w.rep.pk]
        assert "777" not in texts[w.rep.pk] and "egotiation" in texts[w.rep.pk]
        assert "DE" in texts[w.rep.pk] and w.gam.name in texts[w.rep.pk]
        # The local account manager is on the team: they see the campaign's name.
        assert "Blast" in texts[w.lam_de.pk]


# --- the command and the scan run -----------------------------------------------------------


@pytest.mark.django_db
def test_scan_conflicts_command(sales, in_tenant, capsys):
    w = sales
    with in_tenant(w.acme):
        parallel_world(w)
    call_command("scan_conflicts", "--tenant", "acme")
    out = capsys.readouterr().out
    assert "parallel_opportunity" in out and "1 open" in out
    assert "[" not in out  # no progress bar when stdout is not a terminal
    with in_tenant(w.acme):
        run = ScanRun.objects.get()
        assert run.status == ScanRun.Status.FINISHED
        assert run.counts[PARALLEL]["open"] == 1
    with pytest.raises(CommandError, match='No tenant with the slug "nope"'):
        call_command("scan_conflicts", "--tenant", "nope")
    call_command("scan_conflicts")  # every tenant
    assert "Globex" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_redelivered_scan_task_reuses_its_run(sales, in_tenant):
    w = sales
    with in_tenant(w.acme):
        recording.scan_tenant(task_id="task-1")
        recording.scan_tenant(task_id="task-1")
        assert ScanRun.objects.filter(task_id="task-1").count() == 1
        stale = ScanRun.objects.create(started_at=timezone.now() - datetime.timedelta(days=1))
        recording.scan_tenant()
        stale.refresh_from_db()
        assert stale.status == ScanRun.Status.FAILED


def test_conflict_key_sorts_records():
    assert conflict_key(DUP, [("subsidiary", 9), ("subsidiary", 3)]) == (
        "duplicate_customer|subsidiary:3|subsidiary:9|"
    )
