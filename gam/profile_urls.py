"""/profile/: the signed-in user's own settings."""

from django.urls import path

from gam import profile_views

urlpatterns = [path("", profile_views.profile, name="profile")]
