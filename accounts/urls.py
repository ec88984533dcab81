"""Pages of accounts."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("global-accounts/", views.global_account_list, name="global_account_list"),
    path("global-accounts/new/", views.global_account_create, name="global_account_create"),
    path("global-accounts/<int:pk>/", views.global_account_detail, name="global_account_detail"),
    path("global-accounts/<int:pk>/edit/", views.global_account_edit, name="global_account_edit"),
    path(
        "global-accounts/<int:pk>/delete/",
        views.global_account_delete,
        name="global_account_delete",
    ),
    path("global-accounts/<int:pk>/tier/", views.tier_override, name="tier_override"),
    path("global-accounts/<int:pk>/scores/", views.criterion_scores, name="criterion_scores"),
    path(
        "global-accounts/<int:account_id>/agreements/new/",
        views.agreement_create,
        name="agreement_create",
    ),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/delete/", views.agreement_delete, name="agreement_delete"),
    path("customers/", views.subsidiary_list, name="subsidiary_list"),
    path("customers/new/", views.subsidiary_edit, name="subsidiary_create"),
    path("customers/<int:pk>/", views.subsidiary_detail, name="subsidiary_detail"),
    path("customers/<int:pk>/edit/", views.subsidiary_edit, name="subsidiary_edit"),
    path("customers/<int:pk>/delete/", views.subsidiary_delete, name="subsidiary_delete"),
    path(
        "customers/<int:subsidiary_id>/contacts/new/",
        views.contact_create,
        name="contact_create",
    ),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path(
        "contacts/<int:contact_id>/relationships/new/",
        views.relationship_create,
        name="relationship_create",
    ),
    path(
        "relationships/<int:pk>/delete/",
        views.relationship_delete,
        name="relationship_delete",
    ),
    path("settings/accounts/<slug:kind>/", views.setting_list, name="setting_list"),
    path("settings/accounts/<slug:kind>/new/", views.setting_edit, name="setting_create"),
    path("settings/accounts/<slug:kind>/<int:pk>/", views.setting_edit, name="setting_edit"),
    path(
        "settings/accounts/<slug:kind>/<int:pk>/delete/",
        views.setting_delete,
        name="setting_delete",
    ),
]
