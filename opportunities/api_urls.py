"""API endpoints of opportunities under /api/v1/."""

from rest_framework.routers import SimpleRouter

from opportunities import api

router = SimpleRouter()
router.register("stages", api.StageViewSet, basename="stage")
router.register("product-lines", api.ProductLineViewSet, basename="productline")
router.register(
    "lead-qualification-parameters",
    api.LeadQualificationParameterViewSet,
    basename="leadqualificationparameter",
)
router.register("opportunities", api.OpportunityViewSet, basename="opportunity")
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("leads", api.LeadViewSet, basename="lead")

urlpatterns = [*router.urls]
