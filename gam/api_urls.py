"""/api/v1/: the platform core's endpoints, then each app's (see <app>/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from gam import api
from gam.audit_api import AuditLogViewSet
from gam.imports import api as import_api

router = SimpleRouter()
router.register("users", api.UserViewSet, basename="user")
router.register("tokens", api.ApiTokenViewSet, basename="apitoken")
router.register("webhooks", api.WebhookEndpointViewSet, basename="webhookendpoint")
router.register("webhook-deliveries", api.WebhookDeliveryViewSet, basename="webhookdelivery")
router.register("countries", api.CountryViewSet, basename="country")
router.register("exchange-rates", api.ExchangeRateViewSet, basename="exchangerate")
router.register("audit-log", AuditLogViewSet, basename="auditlog")
router.register("imports", import_api.ImportJobViewSet, basename="importjob")

urlpatterns = [
    path("", api.ApiRootView.as_view(), name="api_root"),
    path("auth/token/", api.TokenView.as_view(), name="api_token"),
    path("me/", api.MeView.as_view(), name="api_me"),
    *router.urls,
    path("", include("accounts.api_urls")),
    path("", include("accounts.plans.api_urls")),
    path("", include("teams.api_urls")),
    path("", include("opportunities.api_urls")),
    path("", include("opportunities.conflicts.api_urls")),
    path("", include("reporting.api_urls")),
]
