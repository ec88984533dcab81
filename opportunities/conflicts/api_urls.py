"""API endpoints of the conflict inbox under /api/v1/: conflicts and notifications."""

from rest_framework.routers import SimpleRouter

from opportunities.conflicts import api

router = SimpleRouter()
router.register("conflicts", api.ConflictViewSet, basename="conflict")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [*router.urls]
