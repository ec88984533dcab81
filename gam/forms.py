from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from gam import selectors
from gam.models import Country, ExchangeRate, User


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = ["email", "name", "country", "is_tenant_admin", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from the tenant-scoped manager, evaluated in the request's tenant.
        self.fields["country"].queryset = Country.objects.all()
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if selectors.email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(_("A user with this email already exists."))
        return email

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password, self.instance)
        return password


class CountryForm(forms.ModelForm):
    class Meta:
        model = Country
        fields = ["code", "name", "currency", "sales_unit"]

    def clean_code(self):
        code = self.cleaned_data["code"].upper()
        if Country.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This country already exists."))
        return code

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate", "valid_from"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean(self):
        data = super().clean()
        currency, valid_from = data.get("currency"), data.get("valid_from")
        if (
            currency
            and valid_from
            and ExchangeRate.objects.filter(currency=currency, valid_from=valid_from)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("A rate for this currency and date already exists."))
        return data
