"""API of account plans: ``plans/`` (strategy, versions, review dates), ``plan-objectives/``
(with progress from won opportunities), ``plan-actions/``, ``plan-adaptations/``,
``plan-comments/`` and ``plan-reviews/``.

Lists and details show what belongs to plans the user sees (the account's team, the tenant
admin); anything else is 404. Changing needs the right for that part of the plan (403
otherwise): see ``selectors.PlanAccess``. A plan change based on a stale ``version``
(body or ``If-Match``) is 409 and saves nothing.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import GlobalAccount
from accounts.plans import selectors as selectors
from accounts.plans import services as services
from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from accounts.plans.serializers import (
    LocalAdaptationSerializer,
    PlanActionSerializer,
    PlanCommentSerializer,
    PlanCreateSerializer,
    PlanObjectiveSerializer,
    PlanReviewSerializer,
    PlanSerializer,
    PlanVersionSerializer,
)
from gam import search
from gam.concurrency import StaleVersion, version_from_if_match
from gam.drf import TenantScopedAPIMixin
from gam.filters import tenant_id_filter, tenant_user_filter
from opportunities.models import ProductLine


class StaleVersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


def _denied(message: str = "You may see this plan but not change this part of it."):
    return exceptions.PermissionDenied(message)


# --- filters --------------------------------------------------------------------------------


class _CountryCode(django_filters.CharFilter):
    def filter(self, qs, value):
        return qs.filter(country__code=value.strip().upper()) if value else qs


class PlanFilter(django_filters.FilterSet):
    global_account = tenant_id_filter(GlobalAccount)
    search = django_filters.CharFilter(method="filter_search")  # the account's name
    review_overdue = django_filters.BooleanFilter(method="filter_review_overdue")

    class Meta:
        model = AccountPlan
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        return search.search(qs, value, {"global_account_id": search.Kind.GLOBAL_ACCOUNT})

    def filter_review_overdue(self, qs, name, value):
        today = timezone.localdate()
        return qs.filter(next_review__lt=today) if value else qs.exclude(next_review__lt=today)


class _PlanItemFilter(django_filters.FilterSet):
    plan = tenant_id_filter(AccountPlan)
    global_account = tenant_id_filter(GlobalAccount, "plan__global_account")


class ObjectiveFilter(_PlanItemFilter):
    country = _CountryCode()
    product_line = tenant_id_filter(ProductLine)
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = PlanObjective
        fields: list[str] = []


class ActionFilter(_PlanItemFilter):
    country = _CountryCode()
    owner = tenant_user_filter()
    objective = tenant_id_filter(PlanObjective)
    status = django_filters.ChoiceFilter(choices=PlanAction.Status.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = PlanAction
        fields: list[str] = []

    def filter_overdue(self, qs, name, value):
        late = Q(status__in=selectors.OPEN_ACTION_STATUSES, due_date__lt=timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


class AdaptationFilter(_PlanItemFilter):
    country = _CountryCode()

    class Meta:
        model = LocalAdaptation
        fields: list[str] = []


class CommentFilter(_PlanItemFilter):
    author = tenant_user_filter()

    class Meta:
        model = PlanComment
        fields: list[str] = []


class ReviewFilter(_PlanItemFilter):
    reviewer = tenant_user_filter()

    class Meta:
        model = PlanReview
        fields: list[str] = []


# --- viewsets -------------------------------------------------------------------------------


class _PlanAPIBase(TenantScopedAPIMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def access(self, plan: AccountPlan) -> selectors.PlanAccess:
        access = selectors.plan_access(self.request.user, plan.global_account_id)
        if access is None:  # the plan field only resolves visible plans: not reached
            raise exceptions.NotFound()
        return access


class PlanViewSet(_PlanAPIBase):
    """One plan per global account. Create it with ``global_account``; change it with the
    ``version`` you read. ``GET plans/{id}/versions/``: the saved versions with what changed."""

    filterset_class = PlanFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.plans_with_review_dates(self.request.user).order_by(
            "global_account__name", "id"
        )

    def get_serializer_class(self):
        return PlanCreateSerializer if self.action == "create" else PlanSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        account_id = data.pop("global_account")
        access = selectors.plan_access(request.user, account_id)
        if access is None:
            raise exceptions.ValidationError(
                {"global_account": [f'Invalid pk "{account_id}" - object does not exist.']}
            )
        if not access.can_change_plan:
            raise _denied("Only the global account manager or a tenant admin makes the plan.")
        plan = services.plan_create(account=access.account, actor=request.user, **data)
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(
            PlanSerializer(plan, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer):
        plan = serializer.instance
        if not self.access(plan).can_change_plan:
            raise _denied("Only the global account manager or a tenant admin changes the plan.")
        data, version = serializer.service_arguments()
        if version is None:
            version = version_from_if_match(self.request.headers.get("If-Match"))
        try:
            services.plan_update(
                plan=plan, actor=self.request.user, expected_version=version, **data
            )
        except StaleVersion as exc:
            raise StaleVersionConflict(str(exc)) from exc
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    # A plain list, not a page (pagination_class None: the schema says so too).
    @extend_schema(responses={200: PlanVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        plan = self.get_object()
        versions = selectors.plan_versions(plan)
        return Response(PlanVersionSerializer(versions, many=True).data)


class PlanObjectiveViewSet(_PlanAPIBase):
    serializer_class = PlanObjectiveSerializer
    filterset_class = ObjectiveFilter

    def get_queryset(self):
        return selectors.objectives_visible_to(self.request.user).order_by(
            "plan", "target_date", "id"
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        # The progress of the whole page in one query.
        context = {
            **self.get_serializer_context(),
            "progress": selectors.objectives_progress(request.user, rows),
        }
        data = PlanObjectiveSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        if not self.access(plan).can_change_in(getattr(data.get("country"), "pk", None)):
            raise _denied("You may add objectives for your own country only.")
        serializer.instance = services.objective_create(plan=plan, actor=self.request.user, **data)

    def perform_update(self, serializer):
        objective = serializer.instance
        data = dict(serializer.validated_data)
        access = self.access(objective.plan)
        country = data.get("country", objective.country)
        if not (
            access.can_change_in(objective.country_id)
            and access.can_change_in(getattr(country, "pk", None))
        ):
            raise _denied("You may change the objectives of your own country only.")
        serializer.instance = services.objective_update(
            objective=objective, actor=self.request.user, **data
        )

    def perform_destroy(self, instance):
        if not self.access(instance.plan).can_change_in(instance.country_id):
            raise _denied("You may delete the objectives of your own country only.")
        services.objective_delete(objective=instance, actor=self.request.user)


class PlanActionViewSet(_PlanAPIBase):
    serializer_class = PlanActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return selectors.actions_visible_to(self.request.user).order_by("due_date", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        if not self.access(plan).can_change_in(getattr(data.get("country"), "pk", None)):
            raise _denied("You may add actions for your own country only.")
        serializer.instance = services.action_create(plan=plan, actor=self.request.user, **data)

    def perform_update(self, serializer):
        action_ = serializer.instance
        data = dict(serializer.validated_data)
        access = self.access(action_.plan)
        country = data.get("country", action_.country)
        if not (
            access.can_change_in(action_.country_id)
            and access.can_change_in(getattr(country, "pk", None))
        ):
            raise _denied("You may change the actions of your own country only.")
        serializer.instance = services.action_update(
            action=action_, actor=self.request.user, **data
        )

    def perform_destroy(self, instance):
        if not self.access(instance.plan).can_change_in(instance.country_id):
            raise _denied("You may delete the actions of your own country only.")
        services.action_delete(action=instance, actor=self.request.user)


class LocalAdaptationViewSet(_PlanAPIBase):
    serializer_class = LocalAdaptationSerializer
    filterset_class = AdaptationFilter

    def get_queryset(self):
        return selectors.adaptations_visible_to(self.request.user).order_by("plan", "country__code")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        if not self.access(plan).can_change_in(data["country"].pk):
            raise _denied("You may adapt the plan for your own country only.")
        serializer.instance = services.adaptation_create(plan=plan, actor=self.request.user, **data)

    def perform_update(self, serializer):
        adaptation = serializer.instance
        data = dict(serializer.validated_data)
        access = self.access(adaptation.plan)
        country = data.get("country", adaptation.country)
        if not (access.can_change_in(adaptation.country_id) and access.can_change_in(country.pk)):
            raise _denied("You may change the adaptation of your own country only.")
        serializer.instance = services.adaptation_update(
            adaptation=adaptation, actor=self.request.user, **data
        )

    def perform_destroy(self, instance):
        if not self.access(instance.plan).can_change_in(instance.country_id):
            raise _denied("You may delete the adaptation of your own country only.")
        services.adaptation_delete(adaptation=instance, actor=self.request.user)


class PlanCommentViewSet(_PlanAPIBase):
    """The whole team (and the tenant admin) comments; authors change their own."""

    serializer_class = PlanCommentSerializer
    filterset_class = CommentFilter

    def get_queryset(self):
        return selectors.comments_visible_to(self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.comment_add(
            plan=data["plan"], author=self.request.user, body=data.get("body", "")
        )

    def perform_update(self, serializer):
        comment = serializer.instance
        if not self.access(comment.plan).can_change_comment(comment):
            raise _denied("Only its author changes a comment.")
        serializer.instance = services.comment_update(
            comment=comment,
            actor=self.request.user,
            body=serializer.validated_data.get("body", comment.body),
        )

    def perform_destroy(self, instance):
        if not self.access(instance.plan).can_change_comment(instance):
            raise _denied("Only its author, the GAM or a tenant admin deletes a comment.")
        services.comment_delete(comment=instance, actor=self.request.user)


class PlanReviewViewSet(_PlanAPIBase):
    """The sponsor (or a tenant admin) records a review with notes and decisions; the team
    reads them. Reviews are a record: only a tenant admin deletes one."""

    serializer_class = PlanReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user).order_by("-held_on", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        if not self.access(plan).can_review:
            raise _denied("The account's sponsor records its plan reviews.")
        serializer.instance = services.review_record(plan=plan, reviewer=self.request.user, **data)

    def perform_update(self, serializer):
        review = serializer.instance
        if not self.access(review.plan).can_change_review(review):
            raise _denied("Only the reviewer changes a review.")
        serializer.instance = services.review_update(
            review=review, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        if not self.request.user.is_tenant_admin:
            raise _denied("Only a tenant admin deletes a review.")
        services.review_delete(review=instance, actor=self.request.user)
