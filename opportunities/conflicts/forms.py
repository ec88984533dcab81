"""Forms of the conflict inbox: status changes with a note, link to one global account,
merge of a customer entered twice, and the inbox filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gam.models import Country, User
from opportunities.conflicts.models import ConflictKind, ConflictStatus

NOTE_WIDGET = forms.Textarea(attrs={"rows": 3})

STATUS_FILTERS = [
    ("active", _("Open and acknowledged")),
    *ConflictStatus.choices,
    ("all", _("All")),
]


class ConflictFilterForm(forms.Form):
    """The inbox filters; junk values are simply not applied."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *ConflictKind.choices], required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTERS, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False)
    global_account = forms.IntegerField(label=_("Global account"), required=False, min_value=1)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"kind": "", "status": "active", "country": "", "global_account": None}
        data = dict(self.cleaned_data)
        data["status"] = data["status"] or "active"
        data["country"] = (data["country"] or "").upper()
        return data


class ConflictStatusForm(forms.Form):
    """Acknowledge (note optional), resolve or dismiss (a note says how or why)."""

    ACTIONS = {
        "acknowledge": ConflictStatus.ACKNOWLEDGED,
        "resolve": ConflictStatus.RESOLVED,
        "dismiss": ConflictStatus.DISMISSED,
    }

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), widget=NOTE_WIDGET, required=False, max_length=4000)

    def clean(self):
        data = super().clean()
        if data.get("action") in ("resolve", "dismiss") and not data.get("note", "").strip():
            self.add_error(
                "note",
                _("Say how the conflict was resolved.")
                if data["action"] == "resolve"
                else _("Say why this is not a real conflict."),
            )
        return data

    def status(self) -> str:
        return self.ACTIONS[self.cleaned_data["action"]]


class ConflictLinkForm(forms.Form):
    global_account = forms.ModelChoiceField(
        label=_("Put both customers under"), queryset=None, empty_label=None
    )
    note = forms.CharField(label=_("Note"), widget=NOTE_WIDGET, required=False, max_length=4000)

    def __init__(self, *args, accounts, initial_account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["global_account"].queryset = accounts
        if initial_account is not None and not self.is_bound:
            self.initial["global_account"] = initial_account


class ConflictMergeForm(forms.Form):
    survivor = forms.TypedChoiceField(
        label=_("Keep"), coerce=int, widget=forms.RadioSelect, choices=()
    )
    note = forms.CharField(label=_("Note"), widget=NOTE_WIDGET, required=False, max_length=4000)
    confirm = forms.BooleanField(
        label=_("I have checked the list: move everything and delete the duplicate."),
        required=False,
    )
    confirm_doubts = forms.BooleanField(
        label=_("I know these are probably two companies, and still want to merge them."),
        required=False,
    )

    def __init__(self, *args, subsidiaries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [(s.id, f"{s.name} ({s.country})") for s in subsidiaries]


class GroupAccountForm(forms.Form):
    """A new global account from an unlinked group: what the confirmation page asks."""

    name = forms.CharField(label=_("Name of the global account"), max_length=200)
    headquarters_country = forms.ModelChoiceField(
        label=_("Headquarters country"), queryset=None, required=False
    )
    manager = forms.ModelChoiceField(
        label=_("Global account manager"),
        queryset=None,
        required=False,
        empty_label=_("Nobody yet (name one later on the team page)"),
    )
    add_local_managers = forms.BooleanField(
        label=_("Make the owners of the companies its local account managers"),
        required=False,
        initial=True,
    )
    note = forms.CharField(label=_("Note"), widget=NOTE_WIDGET, required=False, max_length=4000)
    confirm = forms.BooleanField(
        label=_("I have checked the list: create the account and link these companies."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headquarters_country"].queryset = Country.objects.order_by("code")
        self.fields["manager"].queryset = User.in_tenant.filter(is_active=True).order_by(
            "name", "email"
        )
