"""Forms of the plan pages. Choices come from tenant-scoped querysets; a local account
manager's country choices are their own countries. Writes go through accounts.plans.services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from accounts.plans.selectors import PLAN_TEXT_FIELDS, PlanAccess
from accounts.plans.services import ACTION_FIELDS, OBJECTIVE_FIELDS
from gam.models import Country, User
from opportunities.models import ProductLine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 4})


class PlanForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AccountPlan
        fields = list(PLAN_TEXT_FIELDS)
        widgets = {name: TEXT for name in PLAN_TEXT_FIELDS}
        help_texts = {
            "business_goals": _("What the customer wants to achieve in its own business."),
            "decision_makers": _("Who decides, who influences, and where they sit."),
            "buying_strategy": _("How the group buys: central frame, local purchasing, tenders."),
            "competition": _("Who else is at the customer, and where they are strong."),
            "strategy": _("How we win: the team's common direction across countries."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def texts(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_TEXT_FIELDS}


def _country_choices(access: PlanAccess, current: Country | None = None):
    """All countries for the GAM; a local account manager only picks their own."""
    if access.can_change_plan:
        return Country.objects.order_by("code")
    ids = set(access.countries) | ({current.pk} if current else set())
    return Country.objects.filter(pk__in=ids).order_by("code")


class _PlanItemForm(forms.ModelForm):
    def __init__(self, *args, access: PlanAccess, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        if "country" in self.fields:
            # A new local adaptation has no country yet (its field is required: no None).
            current = self.instance.country if self.instance.country_id else None
            self.fields["country"].queryset = _country_choices(access, current)
            if not access.can_change_plan:
                # A local account manager's items are always in their country.
                self.fields["country"].required = True
                self.fields["country"].empty_label = None

    def clean_country(self):
        country = self.cleaned_data.get("country")
        if not self.access.can_change_in(country.pk if country else None):
            raise forms.ValidationError(_("You may plan for your own country only."))
        return country

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ObjectiveForm(_PlanItemForm):
    class Meta:
        model = PlanObjective
        fields = list(OBJECTIVE_FIELDS)
        widgets = {"target_date": DATE}
        labels = {"country": _("Country (empty: the whole account)")}
        help_texts = {
            "target_amount": _(
                "In the reporting currency. Progress counts won opportunities closing from "
                "1 January of the target date's year up to the target date."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_line"].queryset = ProductLine.objects.order_by("name")


class ActionForm(_PlanItemForm):
    class Meta:
        model = PlanAction
        fields = list(ACTION_FIELDS)
        widgets = {"due_date": DATE}
        labels = {"country": _("Country (empty: the whole account)")}

    def __init__(self, *args, plan: AccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = PlanObjective.objects.filter(plan=plan)
        self.fields["owner"].queryset = User.in_tenant.filter(is_active=True).order_by("name")
        if not self.instance.pk:
            self.fields["owner"].initial = self.access.user.pk


class AdaptationForm(_PlanItemForm):
    class Meta:
        model = LocalAdaptation
        fields = ["country", "notes"]
        widgets = {"notes": TEXT}


class CommentForm(forms.ModelForm):
    class Meta:
        model = PlanComment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        labels = {"body": _("Comment")}


class ReviewForm(forms.ModelForm):
    class Meta:
        model = PlanReview
        fields = ["held_on", "notes", "decisions"]
        widgets = {"held_on": DATE, "notes": TEXT, "decisions": TEXT}
        help_texts = {"decisions": _("What the team is to do: owners and dates belong here.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["held_on"].initial = timezone.localdate()
