"""Input and output of the plan API. A ``plan`` id only resolves to a plan the user sees (a
foreign or hidden one is "does not exist", 400); users, countries and product lines only
inside the tenant. Writes go through accounts.plans.services; nothing here saves."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.plans import selectors as plan_selectors
from accounts.plans.models import (
    AccountPlan,
    LocalAdaptation,
    PlanAction,
    PlanComment,
    PlanObjective,
    PlanReview,
)
from gam.drf import TenantPrimaryKeyRelatedField, TenantSlugRelatedField
from gam.models import Country, User
from opportunities.models import ProductLine


class _CountryCode(TenantSlugRelatedField):
    """A country of the tenant by its ISO code, in any case."""

    def __init__(self, **kwargs):
        super().__init__(model=Country, slug_field="code", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip().upper() if isinstance(data, str) else data)


def _tenant_users():
    return User.in_tenant.filter(is_active=True)


class _PlanField(TenantPrimaryKeyRelatedField):
    """A plan the requesting user may see; fixed once the record exists."""

    def get_queryset(self):
        return plan_selectors.plans_visible_to(self.context["request"].user)


class PlanItemSerializer(serializers.ModelSerializer):
    """Objectives, actions, adaptations, comments and reviews belong to one plan for good."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and "plan" in self.fields:
            self.fields["plan"].read_only = True


class PlanSerializer(serializers.ModelSerializer):
    next_review = serializers.DateField(read_only=True)
    last_review = serializers.DateField(read_only=True, allow_null=True)
    review_overdue = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, min_value=1)
    global_account = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "global_account",
            *plan_selectors.PLAN_TEXT_FIELDS,
            "version",
            "created_at",
            "updated_at",
            "updated_by",
            "next_review",
            "last_review",
            "review_overdue",
        ]
        read_only_fields = ["created_at", "updated_at", "updated_by"]

    def get_review_overdue(self, plan) -> bool:
        today = self.context["today"]
        next_review = getattr(plan, "next_review", None)
        return next_review is not None and next_review < today

    def service_arguments(self) -> tuple[dict, int | None]:
        data = dict(self.validated_data)
        return data, data.pop("version", None)


class PlanCreateSerializer(PlanSerializer):
    """Creating a plan names its account (an account the user may change)."""

    global_account = serializers.IntegerField(write_only=True)

    class Meta(PlanSerializer.Meta):
        fields = ["global_account", *plan_selectors.PLAN_TEXT_FIELDS]


class PlanVersionChangeSerializer(serializers.Serializer):
    """One field's change in a plan version (documents ``get_changes`` below)."""

    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True, help_text="The value before (null: none).")
    new = serializers.JSONField(allow_null=True, help_text="The value saved.")


class PlanVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    saved_at = serializers.DateTimeField(source="record.history_date")
    saved_by = serializers.IntegerField(source="record.history_user_id", allow_null=True)
    changes = serializers.SerializerMethodField()

    @extend_schema_field(PlanVersionChangeSerializer(many=True))
    def get_changes(self, version) -> list[dict]:
        return [{"field": c.field, "old": c.old, "new": c.new} for c in version.changes]


class PlanObjectiveSerializer(PlanItemSerializer):
    plan = _PlanField(model=AccountPlan)
    country = _CountryCode(allow_null=True, required=False)
    product_line = TenantPrimaryKeyRelatedField(model=ProductLine, allow_null=True, required=False)
    global_account = serializers.IntegerField(source="plan.global_account_id", read_only=True)
    achieved = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()

    class Meta:
        model = PlanObjective
        fields = [
            "id",
            "plan",
            "global_account",
            "title",
            "target_amount",
            "target_date",
            "country",
            "product_line",
            "achieved",
            "percent",
        ]

    def _progress(self, objective):
        progress = self.context.get("progress", {})
        if objective.pk not in progress:
            progress.update(
                plan_selectors.objectives_progress(self.context["request"].user, [objective])
            )
        return progress[objective.pk]

    def get_achieved(self, objective) -> str:
        return f"{self._progress(objective).achieved:.2f}"

    def get_percent(self, objective) -> str | None:
        percent = self._progress(objective).percent
        return None if percent is None else f"{percent:.1f}"


class PlanActionSerializer(PlanItemSerializer):
    plan = _PlanField(model=AccountPlan)
    objective = TenantPrimaryKeyRelatedField(model=PlanObjective, allow_null=True, required=False)
    owner = TenantPrimaryKeyRelatedField(queryset=_tenant_users(), allow_null=True, required=False)
    country = _CountryCode(allow_null=True, required=False)
    global_account = serializers.IntegerField(source="plan.global_account_id", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan",
            "global_account",
            "objective",
            "title",
            "owner",
            "due_date",
            "status",
            "country",
            "overdue",
        ]

    def get_overdue(self, action) -> bool:
        return (
            action.status in plan_selectors.OPEN_ACTION_STATUSES
            and action.due_date is not None
            and action.due_date < self.context["today"]
        )


class LocalAdaptationSerializer(PlanItemSerializer):
    plan = _PlanField(model=AccountPlan)
    country = _CountryCode()
    global_account = serializers.IntegerField(source="plan.global_account_id", read_only=True)

    class Meta:
        model = LocalAdaptation
        fields = ["id", "plan", "global_account", "country", "notes"]
        validators: list = []  # one per country: checked by the service with a clear message


class PlanCommentSerializer(PlanItemSerializer):
    plan = _PlanField(model=AccountPlan)
    global_account = serializers.IntegerField(source="plan.global_account_id", read_only=True)

    class Meta:
        model = PlanComment
        fields = ["id", "plan", "global_account", "author", "body", "created_at"]
        read_only_fields = ["author", "created_at"]


class PlanReviewSerializer(PlanItemSerializer):
    plan = _PlanField(model=AccountPlan)
    global_account = serializers.IntegerField(source="plan.global_account_id", read_only=True)
    held_on = serializers.DateField(required=False)

    class Meta:
        model = PlanReview
        fields = ["id", "plan", "global_account", "reviewer", "held_on", "notes", "decisions"]
        read_only_fields = ["reviewer"]
