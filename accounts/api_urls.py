"""API endpoints of accounts under /api/v1/."""

from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter()
router.register("tiers", api.TierViewSet, basename="tier")
router.register("selection-criteria", api.SelectionCriterionViewSet, basename="selectioncriterion")
router.register("global-accounts", api.GlobalAccountViewSet, basename="globalaccount")
router.register("subsidiaries", api.SubsidiaryViewSet, basename="subsidiary")
router.register("contacts", api.ContactViewSet, basename="contact")
router.register("relationships", api.RelationshipViewSet, basename="relationship")
router.register(
    "framework-agreements", api.FrameworkAgreementViewSet, basename="frameworkagreement"
)

urlpatterns = [*router.urls]
