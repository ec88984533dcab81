"""Forms of the sales-work pages. Every choice comes from a tenant-scoped queryset (and, for
records at a customer, from the sharing model); writes go through opportunities.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import FrameworkAgreement, Subsidiary
from accounts.selectors import contacts_visible_to
from gam.models import Country, User
from opportunities import selectors
from opportunities.models import (
    Activity,
    Campaign,
    Lead,
    LeadQualificationParameter,
    Opportunity,
    ProductLine,
    Stage,
)
from teams.selectors import subsidiaries_visible_to

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _users():
    return User.in_tenant.filter(is_active=True).order_by("name", "email")


class OpportunityForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_warnings = forms.BooleanField(
        label=_("I have read the notices above; save anyway"), required=False
    )

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "subsidiary",
            "product_line",
            "stage",
            "amount",
            "currency",
            "close_date",
            "owner",
            "framework_agreement",
            "next_step",
            "loss_reason",
        ]
        widgets = {"close_date": DATE}
        labels = {"subsidiary": _("Customer (subsidiary)"), "owner": _("Owner")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["subsidiary"].queryset = subsidiaries_visible_to(user).select_related("country")
        self.fields["product_line"].queryset = selectors.product_lines()
        self.fields["stage"].queryset = selectors.stages()
        self.fields["owner"].queryset = _users()
        self.fields["currency"].required = False
        self.fields["currency"].help_text = _("Empty: the currency of the customer's country.")
        self.fields["framework_agreement"].queryset = self._agreement_choices()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["owner"].initial = user.pk
            # A new deal has not been lost yet; the field appears when editing.
            del self.fields["loss_reason"]

    def chosen_subsidiary(self) -> Subsidiary | None:
        if self.is_bound:
            value = self.data.get(self.add_prefix("subsidiary"))
            return Subsidiary.objects.filter(pk=value).first() if str(value).isdigit() else None
        if self.initial.get("subsidiary"):
            return Subsidiary.objects.filter(pk=self.initial["subsidiary"]).first()
        return self.instance.subsidiary if self.instance.subsidiary_id else None

    def _agreement_choices(self):
        """Only agreements of the chosen customer's global account can be linked."""
        subsidiary = self.chosen_subsidiary()
        if subsidiary is None or subsidiary.global_account_id is None:
            return FrameworkAgreement.objects.none()
        # Whoever enters a deal at the account is shown its agreements (DESIGN.md): they are
        # the point of the warning, so they are the choices too.
        return FrameworkAgreement.objects.filter(global_account_id=subsidiary.global_account_id)

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()


class StageMoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), to_field_name="slug")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = selectors.stages()


class CreditSplitForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Seller"))
    country = forms.ModelChoiceField(queryset=Country.objects.none(), label=_("Country"))
    percent = forms.DecimalField(
        label=_("Share %"), max_digits=5, decimal_places=2, min_value=0.01, max_value=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users()
        self.fields["country"].queryset = Country.objects.all()


CreditSplitFormSet = forms.formset_factory(CreditSplitForm, extra=2, can_delete=True)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "kind",
            "subject",
            "subsidiary",
            "opportunity",
            "contact",
            "occurred_at",
            "due_date",
            "done",
            "notes",
        ]
        widgets = {
            "occurred_at": DATETIME,
            "due_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subsidiary"].queryset = subsidiaries_visible_to(user).select_related("country")
        self.fields["opportunity"].queryset = selectors.opportunities_visible_to(user)
        # Only contacts the user may see: the timeline shows the chosen contact's name.
        self.fields["contact"].queryset = contacts_visible_to(user)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "subsidiary", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        labels = {"subsidiary": _("Target customer (subsidiary)")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subsidiary"].queryset = subsidiaries_visible_to(user).select_related("country")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A campaign cannot end before it starts."))
        return data


ANSWER_CHOICES = [("", "—")] + [(str(i), str(i)) for i in range(6)]


class LeadForm(forms.ModelForm):
    """A lead and its answers to the tenant's qualification questions (0–5 each)."""

    class Meta:
        model = Lead
        fields = [
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
        ]

    def __init__(self, *args, answers: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.all()
        self.fields["product_line"].queryset = selectors.product_lines()
        self.fields["owner"].queryset = _users()
        self.fields["status"].choices = [
            c for c in Lead.Status.choices if c[0] != Lead.Status.CONVERTED
        ]
        self.parameters = list(selectors.qualification_parameters())
        for parameter in self.parameters:
            self.fields[f"answer_{parameter.pk}"] = forms.TypedChoiceField(
                label=_("%(name)s (0–5)") % {"name": parameter.name},
                choices=ANSWER_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial=(answers or {}).get(parameter.pk),
            )

    def answer_fields(self):
        return [self[f"answer_{p.pk}"] for p in self.parameters]

    def base_fields_bound(self):
        return [self[name] for name in self.Meta.fields]

    def answers(self) -> dict[LeadQualificationParameter, int]:
        return {
            p: self.cleaned_data[f"answer_{p.pk}"]
            for p in self.parameters
            if self.cleaned_data.get(f"answer_{p.pk}") is not None
        }

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LeadConvertForm(forms.Form):
    subsidiary = forms.ChoiceField(label=_("Customer"), widget=forms.RadioSelect)
    name = forms.CharField(label=_("Opportunity name"), max_length=200)
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label=_("Stage"))
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    close_date = forms.DateField(label=_("Close date"), widget=DATE)

    NEW = "new"

    def __init__(self, *args, matches: list[Subsidiary], **kwargs):
        super().__init__(*args, **kwargs)
        self.matches = {str(s.pk): s for s in matches}
        self.fields["subsidiary"].choices = [
            (
                str(s.pk),
                f"{s.name} · {s.country_id and s.country.code}"
                + (f" · {s.global_account.name}" if s.global_account_id else ""),
            )
            for s in matches
        ] + [(self.NEW, _("None of these: create a new customer from the lead"))]
        self.fields["subsidiary"].initial = str(matches[0].pk) if matches else self.NEW
        self.fields["stage"].queryset = selectors.stages().filter(
            phase__in=["qualification", "proposal", "negotiation"]
        )

    def chosen_subsidiary(self) -> Subsidiary | None:
        return self.matches.get(self.cleaned_data["subsidiary"])


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["slug", "name", "phase", "order", "probability", "country"]
        help_texts = {"country": _("Empty: the common stages. Set: this country's own process.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.all()

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Stage.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A stage with this slug already exists."))
        return slug


class ProductLineForm(forms.ModelForm):
    class Meta:
        model = ProductLine
        fields = ["name"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if ProductLine.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A product line with this name already exists."))
        return name


class QualificationParameterForm(forms.ModelForm):
    class Meta:
        model = LeadQualificationParameter
        fields = ["name", "weight", "order"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = LeadQualificationParameter.objects.filter(name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A parameter with this name already exists."))
        return name
