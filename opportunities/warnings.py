"""The two warnings at the entry of an opportunity (DESIGN.md, the problems in the field):

- a framework agreement of the global account covers the subsidiary's country: show its
  discount and terms and offer to link it, before the deal is closed without it;
- another open opportunity for the same product line exists at the same global account: say
  so before saving. Users who may see that opportunity learn its name, country and owner;
  users who may not learn only its country, the product line and the GAM to talk to — never
  its name, amount or stage. The sharing model (teams.selectors) decides which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import FrameworkAgreement, Subsidiary
from gam.models import Country, User
from opportunities.models import Opportunity, OpportunityStatus, ProductLine
from opportunities.services import plain_number
from teams.selectors import visible_records


@dataclass(frozen=True)
class ParallelWork:
    """Another open opportunity for the same product line at the same global account."""

    country: Country
    product_line: ProductLine
    manager: User | None  # the GAM to talk to
    opportunity: Opportunity | None = None  # only when the user may see it


def agreements_covering(
    subsidiary: Subsidiary, day: date | None = None
) -> list[FrameworkAgreement]:
    """Active framework agreements of the subsidiary's global account covering its country."""
    if subsidiary.global_account_id is None:
        return []
    day = day or timezone.localdate()
    return list(
        FrameworkAgreement.objects.filter(
            global_account_id=subsidiary.global_account_id,
            countries=subsidiary.country_id,
            valid_from__lte=day,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("-valid_from", "id")
    )


def parallel_opportunities(
    user: User,
    *,
    subsidiary: Subsidiary,
    product_line: ProductLine | None,
    exclude_pk: int | None = None,
) -> list[ParallelWork]:
    """Two queries whatever the number of parallel opportunities."""
    if subsidiary.global_account_id is None or product_line is None:
        return []
    others = (
        Opportunity.objects.filter(
            global_account_id=subsidiary.global_account_id,
            product_line=product_line,
            status=OpportunityStatus.OPEN,
        )
        .exclude(pk=exclude_pk)
        .select_related("country", "owner", "product_line", "global_account__manager")
        .order_by("country__code", "id")
    )
    others = list(others)
    if not others:
        return []
    visible = set(
        visible_records(
            user, Opportunity.objects.filter(pk__in=[o.pk for o in others])
        ).values_list("pk", flat=True)
    )
    hints: list[ParallelWork] = []
    hidden_countries = set()
    for other in others:
        manager = other.global_account.manager if other.global_account else None
        if other.pk in visible:
            hints.append(ParallelWork(other.country, other.product_line, manager, other))
        elif other.country_id not in hidden_countries:
            # One hint per country: how many there are would already say too much.
            hidden_countries.add(other.country_id)
            hints.append(ParallelWork(other.country, other.product_line, manager))
    return hints


def parallel_work_text(hint: ParallelWork) -> str:
    if hint.opportunity is not None:
        return _(
            "“%(name)s” (%(country)s, owner %(owner)s) is already open for %(product)s at "
            "this global account."
        ) % {
            "name": hint.opportunity.name,
            "country": hint.country.code,
            "owner": hint.opportunity.owner.display_name if hint.opportunity.owner else "—",
            "product": hint.product_line.name,
        }
    return _(
        "Another country (%(country)s) already works on %(product)s at this global account. "
        "Talk to the global account manager, %(manager)s."
    ) % {
        "country": hint.country.code,
        "product": hint.product_line.name,
        "manager": hint.manager.display_name if hint.manager else _("not yet named"),
    }


def agreement_text(agreement: FrameworkAgreement) -> str:
    return _(
        "The framework agreement “%(name)s” covers this country: %(discount)s%% discount"
        "%(terms)s. Link it to the opportunity."
    ) % {
        "name": agreement.name,
        "discount": plain_number(agreement.discount_percent),
        "terms": f"; {agreement.shipping_terms}" if agreement.shipping_terms else "",
    }


def entry_warnings_as_text(
    user: User,
    *,
    subsidiary_id: int,
    product_line_id: int | None,
    linked_agreement_id: int | None,
    exclude_pk: int | None = None,
    day: date | None = None,
) -> list[str]:
    """The warnings of an entry as sentences (for API responses)."""
    subsidiary = Subsidiary.objects.select_related("country").get(pk=subsidiary_id)
    product_line = ProductLine.objects.filter(pk=product_line_id).first()
    texts = [
        agreement_text(a)
        for a in agreements_covering(subsidiary, day)
        if a.pk != linked_agreement_id
    ]
    texts += [
        parallel_work_text(hint)
        for hint in parallel_opportunities(
            user, subsidiary=subsidiary, product_line=product_line, exclude_pk=exclude_pk
        )
    ]
    return texts
