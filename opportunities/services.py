"""Writes of the sales work: opportunities (with split credit, stage history and amounts in
the reporting currency), activities, campaigns, leads and the tenant's sales configuration.

Every write that touches more than one row is atomic. Errors a user can cause are Django
``ValidationError``s with field keys: the API turns them into 400s, forms into field errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Max,
    OuterRef,
    PositiveSmallIntegerField,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import FrameworkAgreement, Subsidiary
from gam import search
from gam.audit import audit
from gam.concurrency import lock_current, save_if_current
from gam.models import Country, User, current_tenant
from gam.selectors import exchange_rate_on
from gam.signals import record_changed
from opportunities import selectors
from opportunities.models import (
    FUNNEL_RANK,
    Activity,
    Campaign,
    CreditSplit,
    Lead,
    LeadAnswer,
    LeadQualificationParameter,
    Opportunity,
    Phase,
    ProductLine,
    Stage,
    StageChange,
    funnel_rank,
    status_for_phase,
)

DEFAULT_STAGES: list[tuple[str, str, str, int]] = [
    # slug, name, phase, probability %
    ("prospecting", "Prospecting", Phase.QUALIFICATION, 10),
    ("qualification", "Qualification", Phase.QUALIFICATION, 20),
    ("proposal", "Proposal", Phase.PROPOSAL, 50),
    ("negotiation", "Negotiation", Phase.NEGOTIATION, 75),
    ("closed_won", "Closed won", Phase.WON, 100),
    ("closed_lost", "Closed lost", Phase.LOST, 0),
]

HUNDRED = Decimal("100")


def plain_number(value: Decimal) -> str:
    """90.00 -> "90", 12.50 -> "12.5" (``normalize()`` would say 9E+1)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def stages_create_defaults() -> list[Stage]:
    """The default stages of a new tenant (API.md), in the tenant in context."""
    return [
        Stage.objects.create(slug=slug, name=name, phase=phase, order=i, probability=prob)
        for i, (slug, name, phase, prob) in enumerate(DEFAULT_STAGES, start=1)
    ]


# --- money ----------------------------------------------------------------------------------


def amount_in_reporting_currency(*, amount: Decimal, currency: str, day: date) -> Decimal:
    """``amount`` of ``currency`` in the tenant's reporting currency at the latest rate not
    after ``day``. A missing rate is the user's to fix (a tenant admin adds it), not a zero."""
    reporting = current_tenant().currency
    rate = exchange_rate_on(currency, day, reporting_currency=reporting)
    if rate is None:
        raise ValidationError(
            {
                "currency": _(
                    "No exchange rate from %(currency)s to %(reporting)s is known on or before "
                    "%(day)s. A tenant admin can add one under Settings → Exchange rates."
                )
                % {"currency": currency, "reporting": reporting, "day": day.isoformat()}
            }
        )
    return (amount * rate).quantize(Decimal("0.01"))


# --- credit splits --------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    user: User
    country: Country
    percent: Decimal


def validate_splits(splits: Iterable[Split]) -> list[Split]:
    """Shares must be positive, one per user and country, and sum to exactly 100."""
    splits = list(splits)
    if not splits:
        raise ValidationError({"credit_splits": _("At least one credit split is needed.")})
    seen = set()
    for split in splits:
        if split.percent <= 0 or split.percent > HUNDRED:
            raise ValidationError(
                {"credit_splits": _("Each share must be more than 0 and at most 100 percent.")}
            )
        key = (split.user.pk, split.country.pk)
        if key in seen:
            raise ValidationError(
                {"credit_splits": _("Each user and country may appear only once in the split.")}
            )
        seen.add(key)
    total = sum((s.percent for s in splits), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            {
                "credit_splits": _(
                    "The credit shares must add up to exactly 100%% (they add up to %(total)s%%)."
                )
                % {"total": plain_number(total)}
            }
        )
    return splits


def _splits_replace(opportunity: Opportunity, splits: list[Split]) -> None:
    CreditSplit.objects.filter(opportunity=opportunity).delete()
    CreditSplit.objects.bulk_create(
        [
            CreditSplit(
                tenant_id=opportunity.tenant_id,
                opportunity=opportunity,
                user=s.user,
                country=s.country,
                percent=s.percent,
            )
            for s in splits
        ]
    )


def _default_split(opportunity: Opportunity) -> list[Split]:
    """100% to the owner, credited to the country where the deal is."""
    if opportunity.owner is None:
        return []
    return [Split(user=opportunity.owner, country=opportunity.country, percent=HUNDRED)]


# --- opportunities --------------------------------------------------------------------------


OPPORTUNITY_FIELDS = (
    "name",
    "subsidiary",
    "product_line",
    "owner",
    "stage",
    "amount",
    "currency",
    "close_date",
    "framework_agreement",
    "next_step",
    "loss_reason",
)


def _derive(opportunity: Opportunity) -> None:
    """Fields that follow from others: the account and country of the subsidiary, the status
    of the stage's phase, the amount in the reporting currency."""
    subsidiary = opportunity.subsidiary
    opportunity.global_account_id = subsidiary.global_account_id
    opportunity.country_id = subsidiary.country_id
    if not opportunity.currency:
        opportunity.currency = subsidiary.country.currency
    opportunity.currency = opportunity.currency.upper()
    status = status_for_phase(opportunity.stage.phase)
    if status != opportunity.status or opportunity.closed_at is None:
        opportunity.closed_at = None if status == "open" else timezone.now()
    opportunity.status = status
    opportunity.amount_reporting = amount_in_reporting_currency(
        amount=opportunity.amount, currency=opportunity.currency, day=opportunity.close_date
    )


def _validate_opportunity(opportunity: Opportunity) -> None:
    errors = {}
    if opportunity.stage_id not in {
        s.pk for s in selectors.stages_for_country(opportunity.subsidiary.country_id)
    }:
        errors["stage"] = _("This stage is not part of the sales process in %(country)s.") % {
            "country": opportunity.subsidiary.country.name
        }
    agreement = opportunity.framework_agreement
    if agreement is not None and agreement.global_account_id != (
        opportunity.subsidiary.global_account_id
    ):
        errors["framework_agreement"] = _(
            "This framework agreement belongs to another global account."
        )
    if opportunity.amount is not None and opportunity.amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)


def _note_stage_change(opportunity: Opportunity) -> None:
    """Before the save that moves the opportunity to its stage: the summary of its stage
    history (``Opportunity.furthest_phase_rank``, ``last_stage_change_at``)."""
    opportunity.furthest_phase_rank = max(
        opportunity.furthest_phase_rank, funnel_rank(opportunity.stage.phase)
    )
    opportunity.last_stage_change_at = timezone.now()


def _record_stage_change(opportunity: Opportunity, from_stage: Stage | None, actor) -> None:
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_by=actor,
        changed_at=opportunity.last_stage_change_at,
    )


def stage_summaries_refresh(opportunities: QuerySet[Opportunity]) -> int:
    """Recompute the stage history summary of ``opportunities`` from their StageChange rows,
    in one UPDATE: for writers that add or rewrite stage changes in bulk (imports, the demo
    seed's backdating). Returns the number of rows updated."""
    changes = (
        StageChange.objects.filter(opportunity=OuterRef("pk")).order_by().values("opportunity")
    )
    rank = Case(
        *[When(to_stage__phase=phase, then=Value(r)) for phase, r in FUNNEL_RANK.items()],
        default=Value(0),
        output_field=PositiveSmallIntegerField(),
    )
    return opportunities.order_by().update(
        furthest_phase_rank=Coalesce(Subquery(changes.annotate(r=Max(rank)).values("r")), Value(0)),
        last_stage_change_at=Subquery(changes.annotate(t=Max("changed_at")).values("t")),
    )


def stage_phase_changed(stage: Stage) -> int:
    """After a tenant admin mapped ``stage`` to another phase: the furthest rank of every
    opportunity whose history passes through it follows, as the funnel counts each stage
    change by the phase its stage has now. Returns the number of opportunities updated."""
    moved = StageChange.objects.filter(to_stage=stage).values("opportunity_id")
    return stage_summaries_refresh(Opportunity.objects.filter(pk__in=Subquery(moved)))


@transaction.atomic
def opportunity_create(
    *,
    actor: User | None,
    name: str,
    subsidiary: Subsidiary,
    stage: Stage,
    close_date: date,
    amount: Decimal = Decimal(0),
    currency: str = "",
    product_line: ProductLine | None = None,
    owner: User | None = None,
    framework_agreement: FrameworkAgreement | None = None,
    next_step: str = "",
    loss_reason: str = "",
    splits: list[Split] | None = None,
) -> Opportunity:
    opportunity = Opportunity(
        name=name,
        subsidiary=subsidiary,
        stage=stage,
        close_date=close_date,
        amount=amount,
        currency=currency,
        product_line=product_line,
        owner=owner if owner is not None else actor,
        framework_agreement=framework_agreement,
        next_step=next_step,
        loss_reason=loss_reason,
    )
    _validate_opportunity(opportunity)
    _derive(opportunity)
    _note_stage_change(opportunity)
    opportunity._history_user = actor
    opportunity.save()
    _splits_replace(opportunity, validate_splits(splits) if splits else _default_split(opportunity))
    _record_stage_change(opportunity, None, actor)
    audit(actor, "opportunity.create", opportunity, name=opportunity.name)
    _queue_check("opportunity", opportunity)
    return opportunity


def _queue_check(record_type: str, record) -> None:
    """Announce the change; the conflict engine (a layer up) queues its check on commit."""
    record_changed.send(
        sender=type(record),
        tenant_id=record.tenant_id,
        record_type=record_type,
        record_id=record.pk,
    )


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    actor: User | None,
    expected_version: int | None = None,
    splits: list[Split] | None = None,
    **changes,
) -> Opportunity:
    """Change fields of an opportunity. ``expected_version`` is the version the user read; a
    newer stored version raises ``gam.concurrency.StaleVersion`` and nothing is saved."""
    unknown = set(changes) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise ValueError(f"not opportunity fields: {sorted(unknown)}")
    lock_current(opportunity)
    previous_stage = opportunity.stage
    previous_owner_id = opportunity.owner_id
    for field, value in changes.items():
        setattr(opportunity, field, value)
    _validate_opportunity(opportunity)
    _derive(opportunity)
    if opportunity.stage_id != previous_stage.pk:
        _note_stage_change(opportunity)
    opportunity.updated_at = timezone.now()
    opportunity._history_user = actor
    save_if_current(opportunity, expected_version)
    if splits is not None:
        _splits_replace(opportunity, validate_splits(splits))
    elif opportunity.owner_id != previous_owner_id and _is_default_split(
        opportunity, previous_owner_id
    ):
        # A split that was the default follows the new owner; a negotiated one stays.
        _splits_replace(opportunity, _default_split(opportunity))
    if opportunity.stage_id != previous_stage.pk:
        _record_stage_change(opportunity, previous_stage, actor)
    audit(actor, "opportunity.update", opportunity, fields=",".join(sorted(changes)))
    _queue_check("opportunity", opportunity)
    return opportunity


def _is_default_split(opportunity: Opportunity, previous_owner_id: int | None) -> bool:
    splits = list(CreditSplit.objects.filter(opportunity=opportunity))
    return not splits or (
        len(splits) == 1 and splits[0].user_id == previous_owner_id and splits[0].percent == HUNDRED
    )


def opportunity_move_stage(
    *, opportunity: Opportunity, stage: Stage, actor: User | None, expected_version: int | None
) -> Opportunity:
    return opportunity_update(
        opportunity=opportunity, actor=actor, expected_version=expected_version, stage=stage
    )


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor: User | None) -> None:
    audit(actor, "opportunity.delete", opportunity, name=opportunity.name)
    opportunity._history_user = actor
    # The check after commit finds the opportunity gone and resolves its conflicts.
    _queue_check("opportunity", opportunity)
    search.forget(search.Kind.OPPORTUNITY, [opportunity.pk])
    opportunity.delete()


# --- activities and campaigns ---------------------------------------------------------------


def _place_at_subsidiary(record: Activity | Campaign) -> None:
    record.global_account_id = record.subsidiary.global_account_id
    record.country_id = record.subsidiary.country_id


def _validate_activity(activity: Activity) -> None:
    errors = {}
    if activity.contact is not None and activity.contact.subsidiary_id != activity.subsidiary_id:
        errors["contact"] = _("This contact works at another subsidiary.")
    if (
        activity.opportunity is not None
        and activity.opportunity.subsidiary_id != activity.subsidiary_id
    ):
        errors["opportunity"] = _("This opportunity is at another subsidiary.")
    if errors:
        raise ValidationError(errors)


ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "notes",
    "subsidiary",
    "contact",
    "opportunity",
    "owner",
    "occurred_at",
    "due_date",
    "done",
)


@transaction.atomic
def activity_create(*, actor: User | None, **fields) -> Activity:
    fields.setdefault("owner", actor)
    activity = Activity(**fields)
    if activity.subsidiary_id is None and activity.opportunity is not None:
        activity.subsidiary = activity.opportunity.subsidiary
    _validate_activity(activity)
    _place_at_subsidiary(activity)
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor: User | None, **changes) -> Activity:
    lock_current(activity)
    for field, value in changes.items():
        if field not in ACTIVITY_FIELDS:
            raise ValueError(f"not an activity field: {field}")
        setattr(activity, field, value)
    _validate_activity(activity)
    _place_at_subsidiary(activity)
    activity.save()
    return activity


def _validate_campaign(campaign: Campaign) -> None:
    if campaign.ends_on < campaign.starts_on:
        raise ValidationError({"ends_on": _("A campaign cannot end before it starts.")})


@transaction.atomic
def campaign_create(*, actor: User | None, **fields) -> Campaign:
    fields.setdefault("owner", actor)
    campaign = Campaign(**fields)
    _validate_campaign(campaign)
    _place_at_subsidiary(campaign)
    campaign.save()
    audit(actor, "campaign.create", campaign, name=campaign.name)
    _queue_check("campaign", campaign)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: User | None, **changes) -> Campaign:
    lock_current(campaign)
    for field, value in changes.items():
        if field not in ("name", "subsidiary", "starts_on", "ends_on", "owner"):
            raise ValueError(f"not a campaign field: {field}")
        setattr(campaign, field, value)
    _validate_campaign(campaign)
    _place_at_subsidiary(campaign)
    campaign.save()
    _queue_check("campaign", campaign)
    return campaign


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    search.forget(search.Kind.ACTIVITY, [activity.pk])
    activity.delete()


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    search.forget(search.Kind.CAMPAIGN, [campaign.pk])
    campaign.delete()


# --- leads ----------------------------------------------------------------------------------


def lead_score(answers: dict[int, int], parameters: Iterable[LeadQualificationParameter]) -> int:
    """0..100: the weighted share of the best possible answers (each answer is 0..5)."""
    parameters = list(parameters)
    best = sum(p.weight for p in parameters) * 5
    if not best:
        return 0
    got = sum(p.weight * answers.get(p.pk, 0) for p in parameters)
    return round(got * 100 / best)


LEAD_FIELDS = (
    "company_name",
    "contact_name",
    "email",
    "country",
    "website",
    "registration_number",
    "product_line",
    "source",
    "status",
    "owner",
)


def _apply_lead_status(lead: Lead, previous_status: str | None) -> None:
    """Timestamps for the SLA: when a lead was qualified and when sales first contacted it."""
    now = timezone.now()
    if lead.status == previous_status:
        return
    if lead.status == Lead.Status.QUALIFIED and lead.qualified_at is None:
        lead.qualified_at = now
    if lead.status == Lead.Status.CONTACTED:
        lead.qualified_at = lead.qualified_at or now
        lead.first_contact_at = lead.first_contact_at or now
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"status": _("Convert a lead with the Convert action.")})


def _lead_answers_set(lead: Lead, answers: dict[LeadQualificationParameter, int]) -> None:
    for parameter, value in answers.items():
        if not 0 <= value <= 5:
            raise ValidationError({"answers": _("Answers are scored from 0 to 5.")})
        LeadAnswer.objects.update_or_create(
            lead=lead, parameter=parameter, defaults={"value": value}
        )
    stored = dict(LeadAnswer.objects.filter(lead=lead).values_list("parameter_id", "value"))
    lead.score = lead_score(stored, LeadQualificationParameter.objects.all())
    lead.save(update_fields=["score"])


@transaction.atomic
def lead_create(
    *, actor: User | None, answers: dict[LeadQualificationParameter, int] | None = None, **fields
) -> Lead:
    lead = Lead(**fields)
    _apply_lead_status(lead, None)
    lead.save()
    _lead_answers_set(lead, answers or {})
    return lead


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    actor: User | None,
    answers: dict[LeadQualificationParameter, int] | None = None,
    **changes,
) -> Lead:
    lock_current(lead)
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"status": _("A converted lead can no longer be changed.")})
    previous_status = lead.status
    for field, value in changes.items():
        if field not in LEAD_FIELDS:
            raise ValueError(f"not a lead field: {field}")
        setattr(lead, field, value)
    _apply_lead_status(lead, previous_status)
    lead.save()
    if answers is not None:
        _lead_answers_set(lead, answers)
    return lead


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    actor: User,
    subsidiary: Subsidiary | None,
    stage: Stage,
    close_date: date,
    amount: Decimal = Decimal(0),
    currency: str = "",
    name: str = "",
) -> Opportunity:
    """Turn a lead into an opportunity at ``subsidiary`` (an existing customer the user chose
    among the matches), or at a new local customer made from the lead when it is None."""
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"detail": _("This lead has already been converted.")})
    if subsidiary is None:
        subsidiary = Subsidiary.objects.create(
            name=lead.company_name,
            country=lead.country,
            registration_number=lead.registration_number,
            website=lead.website,
            owner=actor,
        )
        audit(actor, "subsidiary.create", subsidiary, from_lead=lead.pk)
    opportunity = opportunity_create(
        actor=actor,
        name=name or f"{lead.company_name} – {lead.product_line or _('new business')}",
        subsidiary=subsidiary,
        stage=stage,
        close_date=close_date,
        amount=amount,
        currency=currency,
        product_line=lead.product_line,
        owner=actor,
    )
    lead.status = Lead.Status.CONVERTED
    lead.converted_opportunity = opportunity
    lead.first_contact_at = lead.first_contact_at or timezone.now()
    lead.qualified_at = lead.qualified_at or lead.first_contact_at
    lead.owner = lead.owner or actor
    lead.save()
    audit(actor, "lead.convert", lead, opportunity=opportunity.pk)
    return opportunity
