"""API endpoints of reporting under /api/v1/. The account dashboard is a plain path beside
the accounts app's ``global-accounts/`` router (which has no ``dashboard`` route)."""

from django.urls import path

from reporting import api

urlpatterns = [
    path(
        "global-accounts/<int:pk>/dashboard/",
        api.AccountDashboardView.as_view(),
        name="api_account_dashboard",
    ),
    path("reporting/my-accounts/", api.MyAccountsView.as_view(), name="api_my_accounts"),
    path(
        "reporting/tenant-dashboard/",
        api.TenantDashboardView.as_view(),
        name="api_tenant_dashboard",
    ),
]
