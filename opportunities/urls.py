"""Pages of opportunities."""

from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/table/", views.pipeline_table, name="pipeline_table"),
    path("opportunities/new/", views.opportunity_edit, name="opportunity_create"),
    path("opportunities/entry-panel/", views.entry_panel, name="entry_panel"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/splits/", views.opportunity_splits, name="opportunity_splits"),
    path("opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path(
        "global-accounts/<int:account_id>/timeline/",
        views.account_timeline,
        name="account_timeline",
    ),
    path("activities/new/", views.activity_edit, name="activity_create"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_edit, name="lead_create"),
    path("leads/<int:pk>/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/delete/", views.campaign_delete, name="campaign_delete"),
    path("settings/sales/<slug:kind>/", views.configuration_list, name="configuration_list"),
    path("settings/sales/<slug:kind>/new/", views.configuration_edit, name="configuration_create"),
    path(
        "settings/sales/<slug:kind>/<int:pk>/",
        views.configuration_edit,
        name="configuration_edit",
    ),
    path(
        "settings/sales/<slug:kind>/<int:pk>/delete/",
        views.configuration_delete,
        name="configuration_delete",
    ),
]
