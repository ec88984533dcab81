"""The importer of opportunities, registered with the import engine (gam.imports.registry)
in OpportunitiesConfig.ready.

An opportunity row names its customer (by id or name) and is matched by name at that
customer. The fields opportunities.services derives on a save (account, country, status, the
amount in the reporting currency, the first credit split, the stage history) are derived
here for the bulk write too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.importers import SUBSIDIARY, SubsidiaryReferences
from accounts.models import Subsidiary
from gam import iso, search
from gam.imports import sources
from gam.imports.base import CREATE, ERROR, MATCH, UPDATE, RowResult
from gam.imports.cells import CellError, cell, change_repr, parse_amount, parse_date
from gam.imports.fields import COUNTRY, OWNER, SOURCE_ID, Field, Preset, normalize_header
from gam.models import ExchangeRate, current_tenant
from gam.tenancy import current_tenant_id
from opportunities.models import (
    CreditSplit,
    Opportunity,
    OpportunityStatus,
    Phase,
    ProductLine,
    Stage,
    StageChange,
    status_for_phase,
)
from opportunities.services import stage_summaries_refresh
from teams.selectors import changeable_records

HUNDRED = Decimal(100)
OPPORTUNITY_MODEL = "opportunities.opportunity"
# The standard stages of Salesforce and HubSpot (labels and HubSpot's internal names, as
# normalized headers) -> the phase of GAM's sales process they are in.
CRM_STAGE_PHASES = {
    "prospecting": Phase.QUALIFICATION,
    "qualification": Phase.QUALIFICATION,
    "needs_analysis": Phase.QUALIFICATION,
    "appointment_scheduled": Phase.QUALIFICATION,
    "appointmentscheduled": Phase.QUALIFICATION,
    "qualified_to_buy": Phase.QUALIFICATION,
    "qualifiedtobuy": Phase.QUALIFICATION,
    "value_proposition": Phase.PROPOSAL,
    "id_decision_makers": Phase.PROPOSAL,
    "perception_analysis": Phase.PROPOSAL,
    "proposal_price_quote": Phase.PROPOSAL,
    "presentation_scheduled": Phase.PROPOSAL,
    "presentationscheduled": Phase.PROPOSAL,
    "decision_maker_bought_in": Phase.PROPOSAL,
    "decisionmakerboughtin": Phase.PROPOSAL,
    "negotiation_review": Phase.NEGOTIATION,
    "contract_sent": Phase.NEGOTIATION,
    "contractsent": Phase.NEGOTIATION,
    "closed_won": Phase.WON,
    "closedwon": Phase.WON,
    "won": Phase.WON,
    "closed_lost": Phase.LOST,
    "closedlost": Phase.LOST,
    "lost": Phase.LOST,
}


class OpportunityImporter(SubsidiaryReferences):
    kind = "opportunities"
    label = gettext_lazy("Opportunities")
    model = Opportunity
    fields = (
        SUBSIDIARY,
        COUNTRY,
        Field(
            "name",
            gettext_lazy("name"),
            aliases=(
                "opportunity",
                "opportunity_name",
                "deal_name",
                "topic",
                "affar",
                "affarsmojlighet",
                "verkaufschance",
                "chance",
                "opportunite",
                "affaire",
            ),
            required=True,
        ),  # fmt: skip
        Field(
            "stage",
            gettext_lazy("stage"),
            aliases=("stage_name", "deal_stage", "sales_stage", "fas", "steg", "phase", "etape"),
        ),
        Field(
            "close_date",
            gettext_lazy("close date"),
            aliases=(
                "expected_close_date",
                "est_close_date",
                "estimated_close_date",
                "stangningsdatum",
                "abschlussdatum",
                "date_de_cloture",
            ),
        ),  # fmt: skip
        Field(
            "amount",
            gettext_lazy("amount"),
            aliases=(
                "value",
                "est_revenue",
                "estimated_revenue",
                "belopp",
                "varde",
                "betrag",
                "wert",
                "montant",
            ),
        ),  # fmt: skip
        Field(
            "currency",
            gettext_lazy("currency"),
            aliases=("currency_iso_code", "deal_currency_code", "valuta", "wahrung", "devise"),
        ),
        Field("product_line", gettext_lazy("product line"), aliases=("product", "produkt")),
        OWNER,
        Field("next_step", gettext_lazy("next step"), aliases=("nasta_steg", "nachster_schritt")),
    )
    presets = (
        Preset(
            "salesforce",
            gettext_lazy("Salesforce opportunities"),
            {
                "Id": SOURCE_ID,
                "AccountId": "subsidiary",
                "Name": "name",
                "StageName": "stage",
                "Amount": "amount",
                "CloseDate": "close_date",
                "CurrencyIsoCode": "currency",
                "OwnerId": "owner",
                "NextStep": "next_step",
                "Probability": "",
                "ExpectedRevenue": "",
            },
            signature=("AccountId", "StageName", "CloseDate", "CurrencyIsoCode", "IsClosed",
                       "IsWon", "ForecastCategory"),
        ),
        Preset(
            "hubspot",
            gettext_lazy("HubSpot deals"),
            {
                "Record ID": SOURCE_ID,
                "Deal Name": "name",
                "Deal Stage": "stage",
                "Amount": "amount",
                "Close Date": "close_date",
                "Currency": "currency",
                "Deal owner": "owner",
                "Associated Company IDs": "subsidiary",
                "Associated Company": "",
                "Pipeline": "",
            },
            signature=("Record ID", "Deal Name", "Deal Stage", "Deal owner", "Pipeline",
                       "Associated Company IDs"),
        ),
    )  # fmt: skip
    matching_help = gettext_lazy("Opportunities: the same name at the same customer.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stages = list(Stage.objects.order_by("order", "id"))
        self.product_lines = {p.name.lower(): p for p in ProductLine.objects.all()}
        self.reporting_currency = current_tenant().currency
        self.rates: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
        for currency, valid_from, rate in ExchangeRate.objects.order_by(
            "currency", "-valid_from"
        ).values_list("currency", "valid_from", "rate"):
            self.rates[currency].append((valid_from, rate))

    def _stages_for(self, country_id: int) -> list[Stage]:
        """As opportunities.selectors.stages_for_country, from the stages read once."""
        own = [s for s in self.stages if s.country_id == country_id]
        return own or [s for s in self.stages if s.country_id is None]

    def _rate(self, currency: str, day: datetime.date) -> Decimal | None:
        if currency == self.reporting_currency:
            return Decimal(1)
        for valid_from, rate in self.rates.get(currency, ()):
            if valid_from <= day:
                return rate
        return None

    def prefetch(self, chunk: list[dict]) -> None:
        self.prefetch_subsidiaries(chunk)
        self.prefetch_users({cell(r, "owner") for r in chunk})
        names = {cell(r, "name").lower() for r in chunk} - {""}
        self.existing: dict[tuple[int, str], Opportunity] = {}
        self.changeable_opportunities: set[int] = set()
        self.by_source_id = sources.lookup(
            self.source, OPPORTUNITY_MODEL, {cell(r, SOURCE_ID) for r in chunk}
        )
        self.known = Opportunity.objects.select_related("stage").in_bulk(
            set(self.by_source_id.values())
        )
        if (names and self.subs_by_id) or self.known:
            for opportunity in (
                Opportunity.objects.annotate(lname=Lower("name"))
                .filter(subsidiary_id__in=self.subs_by_id, lname__in=names)
                .select_related("stage")
                .order_by("id")
            ):
                self.existing.setdefault(
                    (opportunity.subsidiary_id, opportunity.lname), opportunity
                )
            ids = [o.pk for o in self.existing.values()] + list(self.known)
            if self.is_admin:
                self.changeable_opportunities = set(ids)
            elif ids:
                self.changeable_opportunities = set(
                    changeable_records(
                        self.user, Opportunity.objects.filter(pk__in=ids)
                    ).values_list("pk", flat=True)
                )

    def _stage(self, result: RowResult, text: str, sub: Subsidiary) -> Stage | None:
        if not text:
            return None
        wanted = text.strip().lower()
        allowed = self._stages_for(sub.country_id)
        for stage in allowed:
            if wanted in (stage.slug.lower(), stage.name.lower()):
                return stage
        # Another system's stage name: the first of the country's stages in its phase.
        folded = normalize_header(text)
        for stage in allowed:
            if folded in (normalize_header(stage.slug), normalize_header(stage.name)):
                return stage
        phase = CRM_STAGE_PHASES.get(folded)
        for stage in allowed:
            if stage.phase == phase:
                return stage
        result.error(
            "stage",
            _("“%(v)s” is not a stage of the sales process in %(code)s (%(stages)s).")
            % {"v": text, "code": sub.country.code, "stages": ", ".join(s.slug for s in allowed)},
        )
        return None

    def check(self, row: dict) -> RowResult:
        result = RowResult(row=row["_row"])
        name = cell(row, "name")
        result.label = name
        if not name:
            result.error("name", _("A name is required."))
        elif len(name) > 200:
            result.error("name", _("The name is longer than 200 characters."))
        sub = self.subsidiary_ref(result, row)
        stage = self._stage(result, cell(row, "stage"), sub) if sub else None
        close_date = amount = None
        if cell(row, "close_date"):
            try:
                close_date = parse_date(cell(row, "close_date"))
            except CellError as exc:
                result.error("close_date", str(exc))
        if cell(row, "amount"):
            try:
                amount = parse_amount(cell(row, "amount"))
            except CellError as exc:
                result.error("amount", str(exc))
            else:
                if amount < 0:
                    result.error("amount", _("The amount cannot be negative."))
                elif abs(amount) >= Decimal("1e14"):
                    result.error("amount", _("The amount is too large."))
                amount = amount.quantize(Decimal("0.01"))
        currency = cell(row, "currency").upper()
        if currency and not iso.is_currency_code(currency):
            result.error("currency", _("Use an ISO 4217 currency code such as EUR or SEK."))
        product_line = None
        if cell(row, "product_line"):
            product_line = self.product_lines.get(cell(row, "product_line").lower())
            if product_line is None:
                result.error(
                    "product_line",
                    _("No product line “%(v)s” (Settings → Product lines).")
                    % {"v": cell(row, "product_line")},
                )
        owner = self.find_user(result, "owner", cell(row, "owner"))
        next_step = cell(row, "next_step")
        if len(next_step) > 200:
            result.error("next_step", _("Longer than 200 characters."))
        if result.errors:
            return result
        result.label = f"{name} · {sub.name} ({sub.country.code})"
        source_id = cell(row, SOURCE_ID)[: sources.MAX_LENGTH]
        result.extra["source_id"] = source_id
        if source_id and not self.first_time(result, ("source", source_id), SOURCE_ID):
            return result
        target = self.known.get(self.by_source_id.get(source_id)) if source_id else None
        if target is None and not self.first_time(
            result, ("opportunity", sub.pk, name.lower()), "name"
        ):
            return result
        target = target or self.existing.get((sub.pk, name.lower()))

        if target is None:
            if stage is None:
                result.error("stage", _("A stage is required for a new opportunity."))
            if close_date is None:
                result.error("close_date", _("A close date is required for a new opportunity."))
            owner = owner or self.user
            if owner.pk != self.user.pk and sub.pk not in self.changeable_subs:
                result.error(
                    "owner",
                    _("You may record your own opportunities at %(name)s, not someone else's.")
                    % {"name": sub.name},
                )
            if result.errors:
                return result
            opportunity = Opportunity(
                tenant_id=current_tenant_id(),
                name=name,
                subsidiary=sub,
                stage=stage,
                close_date=close_date,
                amount=amount or Decimal(0),
                currency=currency or sub.country.currency,
                product_line=product_line,
                owner=owner,
                next_step=next_step,
            )
            if not self._derive(result, opportunity):
                return result
            result.action = CREATE
            result.obj = opportunity
            return result

        result.target = target.pk
        if target.pk not in self.changeable_opportunities:
            result.error(
                "name",
                _("“%(name)s” is already an opportunity at %(sub)s that you may not change.")
                % {"name": target.name, "sub": sub.name},
            )
            return result
        changes = {}
        for column, value in (
            ("stage", stage),
            ("close_date", close_date),
            ("amount", amount),
            ("currency", currency),
            ("product_line", product_line),
            ("owner", owner),
            ("next_step", next_step),
        ):
            if value not in (None, "") and value != getattr(target, column):
                changes[column] = value
        if not changes:
            result.action = MATCH
            return result
        result.extra["previous_stage"] = target.stage
        result.changes = {
            c: [change_repr(getattr(target, c)), change_repr(v)] for c, v in changes.items()
        }
        for column, value in changes.items():
            setattr(target, column, value)
        if not self._derive(result, target):
            return result
        target.version += 1
        target.updated_at = timezone.now()
        result.action = UPDATE
        result.obj = target
        return result

    def _derive(self, result: RowResult, opportunity: Opportunity) -> bool:
        """The fields opportunities.services derives: account, country, status, closed_at
        and the amount in the reporting currency."""
        sub = opportunity.subsidiary
        opportunity.global_account_id = sub.global_account_id
        opportunity.country_id = sub.country_id
        status = status_for_phase(opportunity.stage.phase)
        if status != opportunity.status or (status != "open" and opportunity.closed_at is None):
            opportunity.closed_at = None if status == OpportunityStatus.OPEN else timezone.now()
        opportunity.status = status
        rate = self._rate(opportunity.currency, opportunity.close_date)
        if rate is None:
            result.error(
                "currency",
                _(
                    "No exchange rate from %(currency)s to %(reporting)s is known on or before "
                    "%(day)s. A tenant admin can add one under Settings → Exchange rates."
                )
                % {
                    "currency": opportunity.currency,
                    "reporting": self.reporting_currency,
                    "day": opportunity.close_date.isoformat(),
                },
            )
            return False
        opportunity.amount_reporting = (opportunity.amount * rate).quantize(Decimal("0.01"))
        return True

    def write(self, results: list[RowResult]) -> None:
        creates = [r.obj for r in results if r.action == CREATE]
        updated = [r for r in results if r.action == UPDATE]
        # PostgreSQL and SQLite return the new ids, which the splits and moves need.
        bulk_create_with_history(creates, Opportunity, batch_size=1000, default_user=self.user)
        search.index_records(creates, created=True)  # updates never change the name
        tenant_id = current_tenant_id()
        CreditSplit.objects.bulk_create(
            [
                CreditSplit(
                    tenant_id=tenant_id,
                    opportunity=o,
                    user=o.owner,
                    country_id=o.country_id,
                    percent=HUNDRED,
                )
                for o in creates
                if o.owner_id
            ],
            batch_size=1000,
        )
        moves = [
            StageChange(tenant_id=tenant_id, opportunity=o, to_stage=o.stage, changed_by=self.user)
            for o in creates
        ]
        if updated:
            bulk_update_with_history(
                [r.obj for r in updated],
                Opportunity,
                [
                    "stage",
                    "status",
                    "closed_at",
                    "close_date",
                    "amount",
                    "currency",
                    "amount_reporting",
                    "product_line",
                    "owner",
                    "next_step",
                    "version",
                    "updated_at",
                ],
                batch_size=1000,
                default_user=self.user,
            )
            moves += [
                StageChange(
                    tenant_id=tenant_id,
                    opportunity=r.obj,
                    from_stage=r.extra["previous_stage"],
                    to_stage=r.obj.stage,
                    changed_by=self.user,
                )
                for r in updated
                if r.obj.stage_id != r.extra["previous_stage"].pk
            ]
        StageChange.objects.bulk_create(moves, batch_size=1000)
        sources.link(
            self.source,
            OPPORTUNITY_MODEL,
            (
                (r.extra["source_id"], r.obj.pk if r.obj is not None else r.target)
                for r in results
                if r.action != ERROR and r.extra.get("source_id")
            ),
        )
        # The stage history summary kept on each opportunity (opportunities.services).
        moved = [m.opportunity_id for m in moves]
        for i in range(0, len(moved), 1000):
            stage_summaries_refresh(Opportunity.objects.filter(pk__in=moved[i : i + 1000]))
