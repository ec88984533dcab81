"""Forms of the team page. Choices come from tenant-scoped querysets, so another tenant's
user or country is not a valid choice; the rules (one GAM, a country only for local account
managers, one role per person) are checked by teams.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gam.models import Country, User
from gam.widgets import FastSelect
from teams.models import TeamRole


class TeamMemberChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.none(),
        required=False,
        widget=FastSelect,
        help_text=_("Only for local account managers: the country they manage the account in."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.order_by("name")

    def clean(self):
        data = super().clean()
        role, country = data.get("role"), data.get("country")
        if role == TeamRole.LOCAL_ACCOUNT_MANAGER and country is None:
            self.add_error("country", _("A local account manager needs a country."))
        elif role and role != TeamRole.LOCAL_ACCOUNT_MANAGER and country is not None:
            self.add_error("country", _("Only local account managers have a country."))
        return data


class TeamMemberAddForm(TeamMemberChangeForm):
    # Every user of the tenant: a thousand options in a large one.
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), widget=FastSelect
    )

    field_order = ["user", "role", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.in_tenant.filter(is_active=True).order_by(
            "name", "email"
        )
