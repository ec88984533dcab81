"""Input and output of the conflict inbox API (API.md ``conflicts/`` plus the additions in
the README). Output depends on the reader: the GAM and the tenant admin get the whole
conflict; an owner of one of its records gets a hint row (``access: "hint"``) whose
``records`` are their own records only and whose ``hint`` says, of the other records, only
the type, country and product line, and whom to talk to."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import GlobalAccount, Subsidiary
from accounts.serializers import CountryCodeField, active_tenant_users
from gam.drf import TenantPrimaryKeyRelatedField
from opportunities.conflicts import selectors as cs
from opportunities.conflicts.models import (
    ConflictEvent,
    ConflictKind,
    ConflictStatus,
    Notification,
)


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
    page) for hint rows and, with ``detail=True``, for the side-by-side records.

    The declared fields are those of every row (they document the schema); full rows add
    ``reason``, ``assignee``, ``resolution_note``, ``status_changed_at`` (and ``details``,
    ``accounts`` on the detail), hint rows add ``hint``. ``evidence`` is given to those who
    see the conflict whole; a hint row's is empty (it may name the other records)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    global_account = serializers.IntegerField(read_only=True, allow_null=True)
    countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    records = serializers.ListField(child=serializers.DictField(), read_only=True)
    detected_at = serializers.DateTimeField(read_only=True)
    access = serializers.ChoiceField(choices=[cs.FULL, cs.HINT], read_only=True)
    score = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Group discovery (duplicate_customer, unlinked_group): the matcher's score, "
        "log-odds in bits of one company / one group; null for the other kinds.",
    )
    score_label = serializers.CharField(
        read_only=True,
        help_text="The score in words: strong (>= 10), likely (>= 5), possible; '' without "
        "a score.",
    )
    evidence = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='The matcher\'s evidence in words ("same domain volvia.com", ...); empty on '
        "hint rows and for the other kinds.",
    )

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
            "score": conflict.score,
            "score_label": cs.score_label(conflict.score),
            "evidence": [str(e) for e in conflict.evidence or []] if full else [],
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


# --- the shapes of the answers, for the schema (the views build the dicts above) -----------


def _nullable_object(properties: dict) -> dict:
    """An inline object schema that may be null. (A nullable nested serializer becomes
    ``allOf: [$ref]`` + ``nullable``, which OpenAPI 3.0 validators read as "never null".)"""
    return {
        "type": "object",
        "nullable": True,
        "properties": properties,
        "required": list(properties),
    }


@extend_schema_field(
    _nullable_object(
        {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}
    )
)
class _NullablePerson(serializers.JSONField):
    pass


@extend_schema_field(_nullable_object({"id": {"type": "integer"}, "name": {"type": "string"}}))
class _NullableNamedRef(serializers.JSONField):
    pass


class RecordRefSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=cs.RECORD_TYPES)
    id = serializers.IntegerField()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RecordSummarySerializer(serializers.Serializer):
    """A record of a conflict side by side (``record_summary_data``). A deleted record has
    ``exists: false`` and nothing else; the other fields depend on the type."""

    type = serializers.ChoiceField(choices=cs.RECORD_TYPES)
    id = serializers.IntegerField()
    exists = serializers.BooleanField()
    name = serializers.CharField()
    country = serializers.CharField()
    owner = _NullablePerson()
    global_account = _NullableNamedRef()
    registration_number = serializers.CharField(help_text="Subsidiaries.")
    website = serializers.CharField(help_text="Subsidiaries.")
    subsidiary = NamedRefSerializer(help_text="Opportunities and campaigns.")
    product_line = serializers.CharField(allow_null=True, help_text="Opportunities.")
    stage = serializers.CharField(help_text="Opportunities: the stage's name.")
    status = serializers.CharField(help_text="Opportunities.")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()
    close_date = serializers.CharField(help_text="Opportunities (ISO date).")
    dates = serializers.CharField(help_text="Campaigns and framework agreements.")

    optional_in_response = (
        "name",
        "country",
        "owner",
        "global_account",
        "registration_number",
        "website",
        "subsidiary",
        "product_line",
        "stage",
        "status",
        "amount",
        "currency",
        "close_date",
        "dates",
    )


class HintRecordSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=cs.RECORD_TYPES)
    country = serializers.CharField()
    product_line = serializers.CharField(allow_null=True)


class HintSerializer(serializers.Serializer):
    other_records = HintRecordSerializer(many=True)
    talk_to = _NullablePerson()


@extend_schema_serializer(component_name="Conflict")
class ConflictOutSerializer(serializers.Serializer):
    """A conflict as the reader may see it: ``access: "full"`` (the GAM, a tenant admin)
    adds ``reason``, ``assignee``, ``resolution_note``, ``status_changed_at`` and, in the
    detail, ``details`` and ``accounts``; ``access: "hint"`` (the owner of a record) has
    only the reader's own ``records`` and a ``hint``. A merge answer adds ``moved``."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    status = serializers.ChoiceField(choices=ConflictStatus.choices)
    global_account = serializers.IntegerField(allow_null=True)
    countries = serializers.ListField(child=serializers.CharField())
    detected_at = serializers.DateTimeField()
    access = serializers.ChoiceField(choices=[(cs.FULL, cs.FULL), (cs.HINT, cs.HINT)])
    records = RecordRefSerializer(many=True)
    score = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Group discovery (duplicate_customer, unlinked_group): the matcher's score, "
        "log-odds in bits of one company / one group; null for the other kinds.",
    )
    score_label = serializers.CharField(
        read_only=True,
        help_text="The score in words: strong (>= 10), likely (>= 5), possible; '' without "
        "a score.",
    )
    evidence = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text='The matcher\'s evidence in words ("same domain volvia.com", ...); empty on '
        "hint rows and for the other kinds.",
    )
    reason = serializers.CharField()
    assignee = serializers.IntegerField(allow_null=True)
    resolution_note = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    details = RecordSummarySerializer(many=True, help_text="Full access, detail only.")
    accounts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Full access, detail only."
    )
    hint = HintSerializer(help_text="Hint access only.")
    moved = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="After a merge: how many records of each kind moved.",
    )

    optional_in_response = (
        "reason",
        "assignee",
        "resolution_note",
        "status_changed_at",
        "details",
        "accounts",
        "hint",
        "moved",
    )


class MergeMoveSerializer(serializers.Serializer):
    records = serializers.CharField(help_text="The kind of record (plural).")
    count = serializers.IntegerField()
    names = serializers.ListField(child=serializers.CharField(), help_text="The first 50.")


class CopiedFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class MergePlanSerializer(serializers.Serializer):
    """``GET conflicts/{id}/merge/?survivor=ID``: what a merge would do."""

    survivor = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    moves = MergeMoveSerializer(many=True)
    copied_fields = CopiedFieldSerializer(many=True)
    other_conflicts_closed = serializers.IntegerField()


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
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Needed when the two customers are in different countries or have different "
        "registration numbers (probably two legal entities): without it the merge answers 409.",
    )


class GroupAccountSerializer(serializers.Serializer):
    """``create-account/`` of an unlinked group: a new global account from its members."""

    name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="The account's name (default: suggested from the members).",
    )
    headquarters_country = CountryCodeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Country code (default: the country of most members).",
    )
    manager = TenantPrimaryKeyRelatedField(
        queryset=active_tenant_users(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The user who becomes its global account manager (optional).",
    )
    add_local_managers = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Make the members' owners its local account managers (default true).",
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
