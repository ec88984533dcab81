"""My profile: a user's own name, language and time zone (applied to every page by
gam.middleware.UserPreferencesMiddleware)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gam import services
from gam.timezones import time_zone_choices


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Dates and times are shown in this time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"name": user.name, "language": user.language, "time_zone": user.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        services.user_update(user=user, actor=user, **form.cleaned_data)
        # The confirmation already in the language just chosen.
        translation.activate(user.language)
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(
        request,
        "gam/profile.html",
        {"form": form, "now": timezone.now()},
    )
