"""Input and output of the conflict inbox API (API.md ``conflicts/`` plus the additions in
the README). Output depends on the reader: the GAM and the tenant admin get the whole
conflict; an owner of one of its records gets a hint row (``access: "hint"``) whose
``records`` are their own records only and whose ``hint`` says, of the other records, only
the type, country and product line, and whom to talk to."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import GlobalAccount, Subsidiary
from gam.drf import TenantPrimaryKeyRelatedField
from opportunities.conflicts import selectors as cs
from opportunities.conflicts.models import ConflictEvent, ConflictStatus, Notification


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name, "email": user.email}


def record_summary_data(record: cs.RecordSummary) -> dict:
    if not record.exists:
        return {"type": record.type, "id": record.id, "exists": False}
    data = {
        "type": record.type,
        "id": record.id,
        "exists": True,
        "name": record.name,
        "country": record.country,
        "owner": _person(record.owner),
        "global_account": (
            {"id": record.global_account_id, "name": record.global_account_name}
            if record.global_account_id
            else None
        ),
    }
    if record.type == "subsidiary":
        data.update(registration_number=record.registration_number, website=record.website)
    if record.type in ("opportunity", "campaign"):
        data["subsidiary"] = {"id": record.subsidiary_id, "name": record.subsidiary_name}
    if record.type == "opportunity":
        data.update(
            product_line=record.product_line or None,
            stage=record.stage,
            status=record.status,
            amount=f"{record.amount:.2f}",
            currency=record.currency,
            close_date=record.dates,
        )
    if record.type in ("campaign", "framework_agreement"):
        data["dates"] = record.dates
    return data


class ConflictSerializer(serializers.Serializer):
    """Read-only representation; the context carries ``summaries`` (record_summaries of the
    page) for hint rows and, with ``detail=True``, for the side-by-side records."""

    def to_representation(self, conflict):
        request = self.context["request"]
        full = cs.conflict_access(request.user, conflict) == cs.FULL
        base = {
            "id": conflict.pk,
            "kind": conflict.kind,
            "status": conflict.status,
            "global_account": conflict.global_account_id,
            "countries": list(conflict.countries or []),
            "detected_at": serializers.DateTimeField().to_representation(conflict.detected_at),
            "access": cs.FULL if full else cs.HINT,
        }
        summaries = self.context.get("summaries") or {}
        if full:
            base.update(
                records=[
                    {"type": r.get("type"), "id": r.get("id")} for r in conflict.records or []
                ],
                reason=conflict.reason,
                assignee=conflict.assignee_id,
                resolution_note=conflict.resolution_note,
                status_changed_at=serializers.DateTimeField().to_representation(
                    conflict.status_changed_at
                )
                if conflict.status_changed_at
                else None,
            )
            if self.context.get("detail"):
                base["details"] = [
                    record_summary_data(r) for r in cs.records_of(conflict, summaries)
                ]
                base["accounts"] = cs.accounts_of(conflict, summaries)
            return base
        hint = cs.hint_view(request.user, conflict, summaries)
        base.update(
            records=[{"type": r.type, "id": r.id} for r in hint.own_records],
            hint={
                "other_records": [
                    {"type": h.type, "country": h.country, "product_line": h.product_line or None}
                    for h in hint.others
                ],
                "talk_to": _person(hint.contact),
            },
        )
        return base


class ConflictStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            (ConflictStatus.ACKNOWLEDGED, "acknowledged"),
            (ConflictStatus.RESOLVED, "resolved"),
            (ConflictStatus.DISMISSED, "dismissed"),
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ConflictLinkSerializer(serializers.Serializer):
    global_account = TenantPrimaryKeyRelatedField(model=GlobalAccount)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ConflictMergeSerializer(serializers.Serializer):
    survivor = TenantPrimaryKeyRelatedField(
        model=Subsidiary, help_text="The customer record that stays."
    )
    duplicate = TenantPrimaryKeyRelatedField(
        model=Subsidiary,
        required=False,
        help_text="The record merged into the survivor and deleted (default: the other one).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ConflictEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ConflictEvent
        fields = ["id", "action", "note", "at", "actor"]

    def get_actor(self, event) -> dict | None:
        return _person(event.actor)


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "text", "url", "conflict", "created_at", "read_at", "read"]
        read_only_fields = fields

    def get_read(self, notification) -> bool:
        return notification.read_at is not None
