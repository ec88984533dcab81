"""List filters of the sales-work API (API.md: global_account, country, owner, stage, status,
search). They narrow a queryset that the sharing model has already limited."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.models import GlobalAccount, Subsidiary
from gam import search
from gam.filters import TenantIdFilter
from gam.models import User
from opportunities.models import Activity, Campaign, Lead, Opportunity, ProductLine
from opportunities.selectors import leads_overdue

# The opportunity's name or its customer's (the pipeline page searches the same).
OPPORTUNITY_SEARCH = {"id": search.Kind.OPPORTUNITY, "subsidiary_id": search.Kind.SUBSIDIARY}


def _id(model) -> TenantIdFilter:
    """``?x=12``: an id of the tenant's ``model``; a foreign or unknown one is 400."""
    return TenantIdFilter(choices=model.objects.all)


def _user() -> TenantIdFilter:
    return TenantIdFilter(choices=User.in_tenant.all)


class CountryCodeFilter(django_filters.CharFilter):
    def filter(self, qs, value):
        return qs.filter(country__code=value.upper()) if value else qs


class OpportunityFilter(django_filters.FilterSet):
    global_account = _id(GlobalAccount)
    country = CountryCodeFilter()
    owner = _user()
    subsidiary = _id(Subsidiary)
    product_line = _id(ProductLine)
    stage = django_filters.CharFilter(field_name="stage__slug")
    status = django_filters.ChoiceFilter(choices=Opportunity._meta.get_field("status").choices)
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        # Words of the name or of the customer's name (gam.search): each an index range.
        return search.search(qs, value, OPPORTUNITY_SEARCH)


class ActivityFilter(django_filters.FilterSet):
    global_account = _id(GlobalAccount)
    country = CountryCodeFilter()
    owner = _user()
    subsidiary = _id(Subsidiary)
    opportunity = _id(Opportunity)
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)
    done = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Activity
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return search.search(qs, value, {"id": search.Kind.ACTIVITY})


class CampaignFilter(django_filters.FilterSet):
    global_account = _id(GlobalAccount)
    country = CountryCodeFilter()
    owner = _user()
    subsidiary = _id(Subsidiary)
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Campaign
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return search.search(qs, value, {"id": search.Kind.CAMPAIGN})


class LeadFilter(django_filters.FilterSet):
    country = CountryCodeFilter()
    owner = _user()
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return qs.filter(Q(company_name__icontains=value) | Q(contact_name__icontains=value))

    def filter_overdue(self, qs, name, value):
        return leads_overdue(qs) if value else qs
