"""Pages of account plans and reviews (kept apart from accounts/urls.py: own namespace)."""

from django.urls import path

from accounts.plans import views as views

app_name = "plans"

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("global-accounts/<int:account_id>/plan/", views.plan_detail, name="plan_detail"),
    path("global-accounts/<int:account_id>/plan/edit/", views.plan_edit, name="plan_edit"),
    path(
        "global-accounts/<int:account_id>/plan/versions/",
        views.plan_versions,
        name="plan_versions",
    ),
    path(
        "global-accounts/<int:account_id>/plan/<slug:kind>/new/",
        views.item_create,
        name="item_create",
    ),
    path(
        "global-accounts/<int:account_id>/plan/comments/",
        views.comment_add,
        name="comment_add",
    ),
    path(
        "global-accounts/<int:account_id>/plan/review/",
        views.review_create,
        name="review_create",
    ),
    path("plans/comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("plans/<slug:kind>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("plans/<slug:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
]
