"""List filters of the customer API (API.md: global_account, country, owner, search, and
tier / manager for global accounts). They narrow a queryset the sharing model has already
limited; every filtered column is indexed (see the models' Meta.indexes)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts import selectors
from accounts.models import Contact, FrameworkAgreement, GlobalAccount, Relationship, Subsidiary
from gam import search


class CountryCodeFilter(django_filters.CharFilter):
    """``?country=de``: an ISO code, any case."""

    def __init__(self, *args, field_name="country__code", **kwargs):
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        return qs.filter(**{self.field_name: value.strip().upper()}) if value else qs


class IdOrNoneFilter(django_filters.CharFilter):
    """``?global_account=12`` or ``?global_account=none`` (not set); junk is 400."""

    def filter(self, qs, value):
        if not value:
            return qs
        if value.lower() == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        if not value.isdigit():
            raise ValidationError({self.field_name: ["Give an id or 'none'."]})
        return qs.filter(**{f"{self.field_name}_id": int(value)})


class GlobalAccountFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")
    tier = IdOrNoneFilter(field_name="tier")
    manager = IdOrNoneFilter(field_name="manager")
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
    global_account = IdOrNoneFilter(field_name="global_account")
    country = CountryCodeFilter()
    owner = IdOrNoneFilter(field_name="owner")
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
    subsidiary = django_filters.NumberFilter()
    global_account = django_filters.NumberFilter(field_name="subsidiary__global_account")
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
    user = django_filters.NumberFilter()
    contact = django_filters.NumberFilter()
    global_account = django_filters.NumberFilter(field_name="contact__subsidiary__global_account")

    class Meta:
        model = Relationship
        fields: list[str] = []


class FrameworkAgreementFilter(django_filters.FilterSet):
    global_account = django_filters.NumberFilter()
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
