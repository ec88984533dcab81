from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gam import audit_views, views
from gam.context import identity_lookup
from gam.forms_auth import EmailAuthenticationForm
from gam.health import healthz
from reporting.views import home

settings_patterns = [
    path("", views.settings_home, name="settings_home"),
    path("audit-log/", audit_views.audit_log, name="audit_log"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/new/", views.country_edit, name="country_create"),
    path("countries/<str:code>/", views.country_edit, name="country_edit"),
    path("countries/<str:code>/delete/", views.country_delete, name="country_delete"),
    path("exchange-rates/", views.exchange_rate_list, name="exchange_rate_list"),
    path(
        "exchange-rates/<int:rate_id>/delete/",
        views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Login and logout read users and write django-axes' attempts before any tenant is known:
    # inside identity_lookup (row-level security, gam.rls).
    path(
        "login/",
        identity_lookup()(
            auth_views.LoginView.as_view(
                authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", identity_lookup()(auth_views.LogoutView.as_view()), name="logout"),
    path("settings/", include(settings_patterns)),
    path("", include("accounts.urls")),
    path("", include("accounts.plans.urls")),
    path("", include("teams.urls")),
    path("", include("opportunities.urls")),
    path("", include("opportunities.conflicts.urls")),
    path("", include("reporting.urls")),
    path("import/", include("gam.imports.urls")),
    path("profile/", include("gam.profile_urls")),
    path("api/v1/", include("gam.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (no inline script); its page
    # has an inline <style> and data: images, so only this page relaxes style-src.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
]

# The database unreachable is a 503 (JSON for the API, a plain maintenance page), not a 500.
handler500 = "gam.errors.server_error"

# A 404 under /api/ answers JSON like every other API error (gam.api.not_found).
handler404 = "gam.api.not_found"
