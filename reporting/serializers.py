"""Output shapes of the reporting endpoints (read only; amounts as decimal strings)."""

from __future__ import annotations

from rest_framework import serializers


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=2, **kwargs)


class PipelineCellSerializer(serializers.Serializer):
    country = serializers.CharField()
    phase = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()
    weighted_amount = _money()


class AccountDashboardSerializer(serializers.Serializer):
    currency = serializers.CharField()
    pipeline = PipelineCellSerializer(many=True)
    won = PipelineCellSerializer(many=True)
    white_space = serializers.ListField(child=serializers.CharField())
    open_conflicts = serializers.IntegerField()
    next_review = serializers.DateField(allow_null=True)


class MyAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account.pk")
    name = serializers.CharField(source="account.name")
    tier = serializers.CharField(source="account.tier.name", default=None)
    role = serializers.CharField(source="role_code")
    country = serializers.CharField(allow_null=True)
    open_count = serializers.IntegerField()
    open_amount = _money()
    weighted_amount = _money()
    won_amount = _money(help_text="won this calendar year")
    open_conflicts = serializers.IntegerField()
    overdue_actions = serializers.IntegerField()
    next_review = serializers.DateField(allow_null=True)
    review_overdue = serializers.BooleanField()


class SegmentSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = _money()
    weighted_amount = _money()


class FunnelStepSerializer(serializers.Serializer):
    phase = serializers.CharField()
    reached = serializers.IntegerField()
    conversion = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="% reaching the next phase"
    )


class KpiRowSerializer(serializers.Serializer):
    country = serializers.CharField(allow_null=True)
    open_count = serializers.IntegerField()
    open_amount = _money()
    weighted_amount = _money()
    won_count = serializers.IntegerField()
    lost_count = serializers.IntegerField()
    won_amount = _money()
    win_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    average_deal = _money(allow_null=True)
    cycle_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    funnel = FunnelStepSerializer(many=True)


class TierRowSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_null=True)
    accounts = serializers.IntegerField()
    count = serializers.IntegerField()
    amount = _money()
    weighted_amount = _money()


class DeviationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    next_review = serializers.DateField(allow_null=True)
    stalled = serializers.IntegerField(help_text="open opportunities without a stage change")
    open_conflicts = serializers.IntegerField()


class TenantDashboardSerializer(serializers.Serializer):
    currency = serializers.CharField()
    year = serializers.IntegerField()
    global_pipeline = SegmentSerializer(source="split.global")
    local_pipeline = SegmentSerializer(source="split.local")
    countries = KpiRowSerializer(many=True, source="kpis.countries")
    total = KpiRowSerializer(source="kpis.total")
    tiers = TierRowSerializer(many=True)
    deviations = DeviationSerializer(many=True)
