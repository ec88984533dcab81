"""API of the conflict inbox: ``conflicts/`` as API.md says (list, detail, PATCH status),
plus ``link/``, ``merge/`` and ``events/`` on a conflict, and the user's ``notifications/``.

404 for a conflict the user may not see at all; 403 for an owner's hint view when they try
to act; 400 for bad input or a transition the lifecycle does not allow (nothing changes)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import GlobalAccount
from gam.drf import TenantScopedAPIMixin
from gam.filters import tenant_id_filter
from opportunities.conflicts import selectors as cs
from opportunities.conflicts import services as services
from opportunities.conflicts.models import Conflict, ConflictKind, ConflictStatus, Notification
from opportunities.conflicts.serializers import (
    ConflictEventSerializer,
    ConflictLinkSerializer,
    ConflictMergeSerializer,
    ConflictOutSerializer,
    ConflictSerializer,
    ConflictStatusSerializer,
    GroupAccountSerializer,
    MergePlanSerializer,
    NotificationSerializer,
    RecordSummarySerializer,
    record_summary_data,
)


class ConflictFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ConflictKind.choices)
    status = django_filters.ChoiceFilter(choices=ConflictStatus.choices)
    country = django_filters.CharFilter(method="filter_country")
    global_account = tenant_id_filter(GlobalAccount)
    has_global_account = django_filters.BooleanFilter(
        field_name="global_account", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Conflict
        fields: list[str] = []

    def filter_country(self, qs, name, value):
        return qs.filter(cs.CountriesInclude(value.strip().upper())) if value else qs


class ConflictViewSet(
    TenantScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Duplicate-work conflicts. Owners of a record involved see hint rows
    (``access: "hint"``); the GAM of the account and the tenant admin see and handle the
    whole conflict. ``PATCH`` ``{"status": "acknowledged" | "resolved" | "dismissed",
    "note": "..."}``."""

    serializer_class = ConflictSerializer
    filterset_class = ConflictFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return cs.conflicts_visible_to(self.request.user).order_by("-detected_at", "-id")

    def _handled_object(self) -> Conflict:
        conflict = self.get_object()
        if not cs.can_handle(self.request.user, conflict):
            raise exceptions.PermissionDenied(
                "Only the global account manager of this account or a tenant admin may do this."
            )
        return conflict

    def _render(self, conflict: Conflict, *, reload: bool = True, **extra) -> Response:
        if reload:  # after a change: the stored state, with the access annotation
            conflict = self.get_queryset().get(pk=conflict.pk)
        context = self.get_serializer_context()
        context.update(summaries=cs.record_summaries([conflict]), detail=True)
        return Response({**ConflictSerializer(conflict, context=context).data, **extra})

    @extend_schema(responses=ConflictOutSerializer(many=True))
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        # Hint rows need the records' countries and product lines: one query per record
        # type for the whole page.
        context = self.get_serializer_context()
        context["summaries"] = cs.record_summaries([c for c in page if not c.full_view])
        return self.get_paginated_response(
            ConflictSerializer(page, many=True, context=context).data
        )

    @extend_schema(responses=ConflictOutSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object(), reload=False)

    @extend_schema(request=ConflictStatusSerializer, responses=ConflictOutSerializer)
    def partial_update(self, request, *args, **kwargs):
        conflict = self._handled_object()
        form = ConflictStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.conflict_set_status(conflict=conflict, actor=request.user, **form.validated_data)
        return self._render(conflict)

    @extend_schema(request=ConflictLinkSerializer, responses=ConflictOutSerializer)
    @action(detail=True, methods=["post"], serializer_class=ConflictLinkSerializer)
    def link(self, request, pk=None):
        """Duplicate customers that are different legal entities of one group: put them
        under ``global_account`` (an account you manage). The conflict resolves."""
        conflict = self._handled_object()
        form = ConflictLinkSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        services.conflict_link_to_account(
            conflict=conflict,
            actor=request.user,
            account=form.validated_data["global_account"],
            note=form.validated_data["note"],
        )
        return self._render(conflict)

    def _merge_pair(self, conflict: Conflict, survivor, duplicate):
        pair = cs.duplicate_subsidiaries(conflict, cs.record_summaries([conflict]))
        ids = [r.id for r in pair]
        if conflict.kind != ConflictKind.DUPLICATE_CUSTOMER:
            raise exceptions.ValidationError(
                {"detail": ["Only duplicate-customer conflicts can be merged."]}
            )
        if survivor is None or survivor.pk not in ids:
            raise exceptions.ValidationError(
                {"survivor": [f"Choose the customer to keep among {ids}."]}
            )
        if duplicate is None:
            others = [pk for pk in ids if pk != survivor.pk]
            if len(others) != 1:
                raise exceptions.ValidationError(
                    {"duplicate": [f"Say which customer to merge into the survivor: {others}."]}
                )
            duplicate = type(survivor).objects.get(pk=others[0])
        if duplicate.pk not in ids or duplicate.pk == survivor.pk:
            raise exceptions.ValidationError(
                {"duplicate": ["Choose the other customer of this conflict."]}
            )
        return survivor, duplicate

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("survivor", int, required=True, description="The record to keep."),
            OpenApiParameter("duplicate", int, description="The one merged into it."),
        ],
        responses=MergePlanSerializer,
    )
    @extend_schema(
        methods=["POST"], request=ConflictMergeSerializer, responses=ConflictOutSerializer
    )
    @action(detail=True, methods=["get", "post"], serializer_class=ConflictMergeSerializer)
    def merge(self, request, pk=None):
        """The same legal entity entered twice. ``GET ?survivor=ID`` lists exactly what
        would move; ``POST {"survivor": ID}`` moves everything of the other customer onto
        the survivor and deletes it, atomically. The conflict resolves."""
        conflict = self._handled_object()
        data = request.query_params if request.method == "GET" else request.data
        form = ConflictMergeSerializer(data=data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        survivor, duplicate = self._merge_pair(
            conflict, form.validated_data["survivor"], form.validated_data.get("duplicate")
        )
        if request.method == "GET":
            plan = services.subsidiaries_merge_plan(
                survivor=survivor, duplicate=duplicate, conflict=conflict
            )
            return Response(
                {
                    "survivor": survivor.pk,
                    "duplicate": duplicate.pk,
                    "moves": [
                        {"records": item.label, "count": item.count, "names": item.names}
                        for item in plan.items
                    ],
                    "copied_fields": [{"field": f, "value": v} for f, v in plan.copied_fields],
                    "other_conflicts_closed": plan.other_conflicts,
                    "doubts": services.merge_doubts(survivor, duplicate),
                }
            )
        try:
            moved = services.subsidiaries_merge(
                survivor=survivor,
                duplicate=duplicate,
                actor=request.user,
                conflict=conflict,
                note=form.validated_data["note"],
                confirm_doubts=form.validated_data["confirm"],
            )
        except services.MergeNeedsConfirmation:
            doubts = services.merge_doubts(survivor, duplicate)
            return Response(
                {
                    "detail": " ".join([*doubts, "Send confirm: true to merge them all the same."]),
                    "doubts": doubts,
                    "confirm_required": True,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._render(conflict, moved=moved)

    @extend_schema(
        methods=["GET"],
        parameters=[GroupAccountSerializer],
        responses=inline_serializer(
            "GroupAccountPreview",
            {
                "name": serializers.CharField(),
                "name_taken": serializers.BooleanField(),
                "headquarters_country": serializers.CharField(allow_null=True),
                "manager": serializers.IntegerField(allow_null=True),
                "members": serializers.ListField(child=serializers.DictField()),
                "local_account_managers": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @extend_schema(
        methods=["POST"], request=GroupAccountSerializer, responses=ConflictOutSerializer
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="create-account",
        serializer_class=GroupAccountSerializer,
    )
    def create_account(self, request, pk=None):
        """An unlinked group without a global account becomes one (tenant admins only).
        ``GET`` previews what will happen (the suggested name, the members that will be
        linked, the owners proposed as local account managers); ``POST`` does it, atomically:
        the account, the links, the team, and the conflict resolved. Undone by unlinking the
        members."""
        conflict = self._handled_object()
        if not request.user.is_tenant_admin:
            raise exceptions.PermissionDenied(
                "Only a tenant admin may create a global account; the GAM of an account may "
                "link a group's companies to it (link/)."
            )
        data = request.query_params if request.method == "GET" else request.data
        form = GroupAccountSerializer(data=data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        values = form.validated_data
        plan = services.group_account_plan(
            conflict=conflict,
            name=values["name"],
            headquarters_country=values["headquarters_country"],
            manager=values["manager"],
        )
        if request.method == "GET":
            return Response(
                {
                    "name": plan.name,
                    "name_taken": plan.name_taken,
                    "headquarters_country": plan.headquarters_country.code
                    if plan.headquarters_country
                    else None,
                    "manager": plan.manager.pk if plan.manager else None,
                    "members": [
                        {
                            "id": m.subsidiary.pk,
                            "name": m.subsidiary.name,
                            "country": m.subsidiary.country.code,
                            "owner": m.subsidiary.owner_id,
                            "leaves_global_account": m.leaves.pk if m.leaves else None,
                        }
                        for m in plan.members
                    ],
                    "local_account_managers": [
                        {"user": u.pk, "country": c.code} for u, c in plan.local_managers
                    ]
                    if values["add_local_managers"]
                    else [],
                }
            )
        account = services.group_create_account(
            conflict=conflict,
            actor=request.user,
            name=plan.name,
            headquarters_country=plan.headquarters_country,
            manager=values["manager"],
            add_local_managers=values["add_local_managers"],
            note=values["note"],
        )
        return self._render(conflict, created_global_account=account.pk)

    @extend_schema(responses=ConflictEventSerializer(many=True))  # a page of them
    @action(
        detail=True, methods=["get"], serializer_class=ConflictEventSerializer, filter_backends=[]
    )
    def events(self, request, pk=None):
        """The conflict's history, oldest first."""
        conflict = self._handled_object()
        events = cs.conflict_events(conflict)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(ConflictEventSerializer(page, many=True).data)

    # A plain list, not a page (pagination_class None: the schema says so too).
    @extend_schema(responses=RecordSummarySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def records(self, request, pk=None):
        """The records side by side (what the detail's ``details`` holds)."""
        conflict = self._handled_object()
        summaries = cs.record_summaries([conflict])
        return Response([record_summary_data(r) for r in cs.records_of(conflict, summaries)])


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields: list[str] = []


class NotificationViewSet(
    TenantScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The user's own notifications, newest first (``?unread=true`` for the unread ones).
    ``POST {id}/read/``, ``POST read-all/``, ``GET unread-count/``."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(
            user=request.user, notification=self.get_object()
        )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsReadAll", {"marked_read": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked_read": marked})

    @extend_schema(
        responses=inline_serializer(
            "NotificationsUnreadCount", {"unread": serializers.IntegerField()}
        )
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        count = self.get_queryset().filter(read_at__isnull=True).count()
        return Response({"unread": count})
