"""API endpoints of the conflict inbox under /api/v1/: conflicts and notifications."""

from rest_framework.routers import SimpleRouter

from opportunities import conflict_api

router = SimpleRouter()
router.register("conflicts", conflict_api.ConflictViewSet, basename="conflict")
router.register("notifications", conflict_api.NotificationViewSet, basename="notification")

urlpatterns = [*router.urls]
