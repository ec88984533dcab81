"""List filters of the customer API (API.md: global_account, country, owner, search, and
tier / manager for global accounts). They narrow a queryset the sharing model has already
limited; every filtered column is indexed (see the models' Meta.indexes)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from accounts import selectors
from accounts.models import (
    Contact,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    Subsidiary,
    Tier,
)
from gam import search
from gam.filters import TenantIdFilter
from gam.models import User


class CountryCodeFilter(django_filters.CharFilter):
    """``?country=de``: an ISO code, any case."""

    def __init__(self, *args, field_name="country__code", **kwargs):
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{self.field_name: value.strip().upper()}) if value else qs


def _id(model, field_name: str | None = None, *, allow_none: bool = False) -> TenantIdFilter:
    """``?x=12`` (``?x=none`` with ``allow_none``): an id of the tenant's ``model``; a foreign
    or unknown one is 400."""
    kwargs = {"field_name": field_name} if field_name else {}
    return TenantIdFilter(choices=model.objects.all, allow_none=allow_none, **kwargs)


def _user(field_name: str | None = None, *, allow_none: bool = False) -> TenantIdFilter:
    kwargs = {"field_name": field_name} if field_name else {}
    return TenantIdFilter(choices=User.in_tenant.all, allow_none=allow_none, **kwargs)


class GlobalAccountFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")
    tier = _id(Tier, allow_none=True)
    manager = _user(allow_none=True)
    country = django_filters.CharFilter(
        method="filter_country",
        help_text=("ISO code: the headquarters or a subsidiary is in that country."),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("score", "score"), ("created_at", "created_at"))
    )

    class Meta:
        model = GlobalAccount
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return selectors.global_accounts_filter(qs, search=value)

    def filter_country(self, qs, name, value):
        return selectors.global_accounts_filter(qs, country=value)


class SubsidiaryFilter(django_filters.FilterSet):
    global_account = _id(GlobalAccount, allow_none=True)
    country = CountryCodeFilter()
    owner = _user(allow_none=True)
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Beginnings of words of the name, any case and accents ('nord ab').",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("country__code", "country"), ("created_at", "created_at"))
    )

    class Meta:
        model = Subsidiary
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return search.search(qs, value, {"id": search.Kind.SUBSIDIARY})


class ContactFilter(django_filters.FilterSet):
    subsidiary = _id(Subsidiary)
    global_account = _id(GlobalAccount, "subsidiary__global_account")
    country = CountryCodeFilter(field_name="subsidiary__country__code")
    buying_role = django_filters.ChoiceFilter(choices=Contact.BuyingRole.choices)
    attitude = django_filters.ChoiceFilter(choices=Contact.Attitude.choices)
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return qs.filter(
            Q(name__icontains=value) | Q(title__icontains=value) | Q(email__icontains=value)
        )


class RelationshipFilter(django_filters.FilterSet):
    user = _user()
    contact = _id(Contact)
    global_account = _id(GlobalAccount, "contact__subsidiary__global_account")

    class Meta:
        model = Relationship
        fields: list[str] = []


class FrameworkAgreementFilter(django_filters.FilterSet):
    global_account = _id(GlobalAccount)
    country = CountryCodeFilter(field_name="countries__code")
    active = django_filters.BooleanFilter(method="filter_active", help_text="In force today.")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = FrameworkAgreement
        fields: list[str] = []

    def filter_active(self, qs, name, value):
        today = timezone.localdate()
        active = Q(valid_from__lte=today) & (
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
        return qs.filter(active) if value else qs.exclude(active)
