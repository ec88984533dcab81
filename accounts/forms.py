"""Forms of the customer pages. They parse input; every choice comes from a tenant-scoped
queryset (another tenant's id is "not a valid choice"), and the writes and their rules are
accounts.services (errors it raises come back as field errors)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    Contact,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from gam.models import Country, User
from gam.widgets import FastSelect

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _users():
    return User.in_tenant.filter(is_active=True).order_by("name", "email")


def _countries():
    return Country.objects.order_by("name")


class ServiceModelForm(forms.ModelForm):
    """A model form that only parses: it does not copy the input onto the instance (the
    service compares old and new values to decide what changed, e.g. whether a subsidiary
    moved country) and leaves validation of the whole record to the service."""

    def _post_clean(self):
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class VersionedForm(ServiceModelForm):
    """Carries the version the user read, so a save over someone else's change is refused
    (gam.concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class GlobalAccountForm(VersionedForm):
    class Meta:
        model = GlobalAccount
        # the tier follows the score (an override has its own form)
        fields = [f for f in services.GLOBAL_ACCOUNT_FIELDS if f != "tier"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"website": _("A domain such as volvia.com, or a full address.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headquarters_country"].queryset = _countries()


class GlobalAccountCreateForm(GlobalAccountForm):
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.none(),
        required=False,
        help_text=_("Empty: the tier follows the score. Chosen: a manual override."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.order_by("rank")

    def changes(self) -> dict:
        return {**super().changes(), "tier": self.cleaned_data["tier"]}


class TierOverrideForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.none(),
        required=False,
        empty_label=_("No tier"),
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Recorded with your name; the team sees it on the account."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.order_by("rank")


MANUAL_CHOICES = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class CriterionScoresForm(forms.Form):
    """A field per selection criterion: a number for numeric ones, 1–5 for manual ones.
    Empty removes the value."""

    def __init__(self, *args, criteria, values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            current = values.get(criterion.pk)
            name = f"criterion_{criterion.pk}"
            if criterion.kind == SelectionCriterion.Kind.NUMERIC:
                self.fields[name] = forms.DecimalField(
                    label=criterion.name,
                    required=False,
                    max_digits=18,
                    decimal_places=2,
                    initial=current,
                    help_text=_("%(value)s or more scores 5.") % {"value": criterion.scale_max},
                )
            else:
                self.fields[name] = forms.TypedChoiceField(
                    label=_("%(name)s (1–5)") % {"name": criterion.name},
                    choices=MANUAL_CHOICES,
                    required=False,
                    coerce=Decimal,
                    empty_value=None,
                    initial=str(int(current)) if current is not None else "",
                )

    def values(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}") for c in self.criteria}


class SubsidiaryForm(VersionedForm):
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different company: save anyway"), required=False
    )

    class Meta:
        model = Subsidiary
        fields = list(services.SUBSIDIARY_FIELDS)
        # Every global account and user of the tenant: thousands of options in a large one.
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "country": FastSelect,
            "global_account": FastSelect,
            "owner": FastSelect,
        }
        labels = {"global_account": _("Global account")}
        help_texts = {
            "global_account": _("Empty: a local customer."),
            "owner": _("Empty when you create it: you."),
        }

    def __init__(self, *args, account_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = _countries()
        self.fields["global_account"].queryset = GlobalAccount.objects.order_by("name")
        self.fields["owner"].queryset = _users()
        if self.instance.pk:
            self.fields["owner"].help_text = ""
        if account_locked:
            # Whoever may not take the subsidiary out of its account (a local account
            # manager) still edits the rest; the account stays as it is.
            field = self.fields["global_account"]
            field.disabled = True
            field.help_text = _("Only its global account manager may move it to another account.")

    def account_tampered(self, data) -> bool:
        """A locked account field posted with another value: not what the page sent."""
        if not self.fields["global_account"].disabled or "global_account" not in data:
            return False
        return data["global_account"] != str(self.instance.global_account_id or "")

    def changes(self) -> dict:
        data = super().changes()
        for key in ("registration_number", "website", "address"):
            data[key] = data[key] or ""
        return data

    def matching_input_changed(self) -> bool:
        if not self.instance.pk:
            return True
        return bool({"name", "country", "registration_number", "website"} & set(self.changed_data))


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        # the subsidiary comes from the page's URL
        fields = [f for f in services.CONTACT_FIELDS if f != "subsidiary"]

    def __init__(self, *args, subsidiary: Subsidiary, reports_to_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.subsidiary = subsidiary
        choices = reports_to_choices.select_related("subsidiary__country")
        if self.instance.pk:
            choices = choices.exclude(pk=self.instance.pk)
        self.fields["reports_to"].queryset = choices
        self.fields["reports_to"].label_from_instance = lambda c: (
            f"{c.name} · {c.subsidiary.name} ({c.subsidiary.country.code})"
        )


class RelationshipForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Who of us"), queryset=User.objects.none(), widget=FastSelect
    )
    strength = forms.TypedChoiceField(
        label=_("How well"),
        choices=Relationship.Strength.choices,
        coerce=int,
        initial=Relationship.Strength.MEDIUM,
    )
    last_contact = forms.DateField(label=_("Last contact"), required=False, widget=DATE)

    def __init__(self, *args, may_choose_user: bool, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users()
        self.fields["user"].initial = actor.pk
        if not may_choose_user:
            # Recording someone else's relationship takes the right to change the contact.
            self.fields["user"].queryset = User.in_tenant.filter(pk=actor.pk)
            self.fields["user"].help_text = _("You record your own relationships.")


class FrameworkAgreementForm(ServiceModelForm):
    class Meta:
        model = FrameworkAgreement
        # the account comes from the page's URL
        fields = [f for f in services.AGREEMENT_FIELDS if f != "global_account"]
        widgets = {
            "valid_from": DATE,
            "valid_until": DATE,
            "countries": forms.CheckboxSelectMultiple,
            "terms": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"valid_until": _("Empty: open-ended.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].queryset = _countries()
        self.fields["countries"].required = True

    def changes(self) -> dict:
        data = super().changes()
        data["countries"] = list(data["countries"])
        return data


class TierForm(ServiceModelForm):
    class Meta:
        model = Tier
        fields = list(services.TIER_FIELDS)
        help_texts = {
            "min_score": _("Accounts scoring at least this (0–5) get the tier."),
            "review_interval_days": _("How often the account plan is reviewed."),
        }


class CriterionForm(ServiceModelForm):
    class Meta:
        model = SelectionCriterion
        fields = list(services.CRITERION_FIELDS)
        help_texts = {
            "weight": _("How much the criterion counts against the others."),
            "scale_max": _("Numeric criteria only: the value that scores full marks (5)."),
            "order": _("Position in lists and forms."),
        }
