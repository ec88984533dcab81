"""API endpoints of account plans under /api/v1/ (see accounts/plans/api.py)."""

from rest_framework.routers import SimpleRouter

from accounts.plans import api as plan_api

router = SimpleRouter()
router.register("plans", plan_api.PlanViewSet, basename="plan")
router.register("plan-objectives", plan_api.PlanObjectiveViewSet, basename="planobjective")
router.register("plan-actions", plan_api.PlanActionViewSet, basename="planaction")
router.register("plan-adaptations", plan_api.LocalAdaptationViewSet, basename="planadaptation")
router.register("plan-comments", plan_api.PlanCommentViewSet, basename="plancomment")
router.register("plan-reviews", plan_api.PlanReviewViewSet, basename="planreview")

urlpatterns = [*router.urls]
