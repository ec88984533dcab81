"""Pages of reporting: the tenant dashboard, my accounts, one account's dashboard, and a CSV
export of every report on them."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("dashboards/", views.tenant_dashboard, name="tenant_dashboard"),
    path(
        "dashboards/export/<slug:report>.csv",
        views.tenant_dashboard_csv,
        name="tenant_dashboard_csv",
    ),
    path("dashboards/my-accounts/", views.my_accounts, name="my_accounts"),
    path("dashboards/my-accounts/export.csv", views.my_accounts_csv, name="my_accounts_csv"),
    path(
        "dashboards/accounts/<int:account_id>/",
        views.account_dashboard,
        name="account_dashboard",
    ),
    path(
        "dashboards/accounts/<int:account_id>/export/<slug:report>.csv",
        views.account_dashboard_csv,
        name="account_dashboard_csv",
    ),
]
