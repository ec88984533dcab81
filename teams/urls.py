"""Pages of teams."""

from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("global-accounts/<int:account_id>/team/", views.team, name="team"),
    path(
        "global-accounts/<int:account_id>/team/<int:pk>/",
        views.member_edit,
        name="member_edit",
    ),
    path(
        "global-accounts/<int:account_id>/team/<int:pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
