"""API endpoints of teams under /api/v1/."""

from rest_framework.routers import SimpleRouter

from teams import api

router = SimpleRouter()
router.register("team-members", api.TeamMemberViewSet, basename="teammember")

urlpatterns = [*router.urls]
