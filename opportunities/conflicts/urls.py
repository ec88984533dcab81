"""Pages of the conflict inbox and notifications (namespace "conflicts")."""

from django.urls import path

from opportunities.conflicts import views as views

app_name = "conflicts"

urlpatterns = [
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("conflicts/scan/", views.scan_now, name="scan_now"),
    path("conflicts/proposals/", views.proposal_list, name="proposal_list"),
    path("conflicts/<int:pk>/create-account/", views.proposal_create, name="proposal_create"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict_detail"),
    path("conflicts/<int:pk>/status/", views.conflict_status, name="conflict_status"),
    path("conflicts/<int:pk>/link/", views.conflict_link, name="conflict_link"),
    path("conflicts/<int:pk>/merge/", views.conflict_merge, name="conflict_merge"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
