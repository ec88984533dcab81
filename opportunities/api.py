"""API of the sales work: stages, product lines, qualification parameters (tenant admin
writes), opportunities, activities, campaigns (the sharing model) and leads."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gam.audit import audit
from gam.concurrency import StaleVersion, version_from_if_match
from gam.drf import IdsFirstPaginationMixin, IsTenantAdminOrReadOnly, TenantScopedAPIMixin
from opportunities import selectors, services, warnings
from opportunities.filters import ActivityFilter, CampaignFilter, LeadFilter, OpportunityFilter
from opportunities.serializers import (
    ActivitySerializer,
    CampaignSerializer,
    LeadConvertSerializer,
    LeadQualificationParameterSerializer,
    LeadSerializer,
    OpportunitySerializer,
    ProductLineSerializer,
    StageSerializer,
)


class StaleVersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


# --- configuration (tenant admin writes, everyone reads) ------------------------------------


class ConfigurationViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    permission_classes = [IsTenantAdminOrReadOnly]
    audit_name = ""

    def perform_create(self, serializer):
        obj = serializer.save()
        audit(self.request.user, f"{self.audit_name}.create", obj, name=str(obj))

    def perform_update(self, serializer):
        obj = serializer.save()
        audit(self.request.user, f"{self.audit_name}.update", obj, name=str(obj))

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as exc:
            raise exceptions.ValidationError(
                {"detail": [f"“{instance}” is still used by opportunities; it cannot be deleted."]}
            ) from exc
        audit(self.request.user, f"{self.audit_name}.delete", None, name=str(instance))


class StageViewSet(ConfigurationViewSet):
    serializer_class = StageSerializer
    lookup_field = "slug"
    audit_name = "stage"

    def perform_update(self, serializer):
        previous_phase = serializer.instance.phase
        super().perform_update(serializer)
        if serializer.instance.phase != previous_phase:
            services.stage_phase_changed(serializer.instance)

    def get_queryset(self):
        qs = selectors.stages()
        country = self.request.query_params.get("country")
        if country:
            qs = qs.filter(country__code=country.upper())
        return qs


class ProductLineViewSet(ConfigurationViewSet):
    serializer_class = ProductLineSerializer
    audit_name = "product_line"

    def get_queryset(self):
        qs = selectors.product_lines()
        search = self.request.query_params.get("search")
        return qs.filter(name__icontains=search) if search else qs


class LeadQualificationParameterViewSet(ConfigurationViewSet):
    serializer_class = LeadQualificationParameterSerializer
    audit_name = "lead_parameter"

    def get_queryset(self):
        return selectors.qualification_parameters()


# --- records at a customer (sharing model) --------------------------------------------------


class AccountRecordViewSet(IdsFirstPaginationMixin, TenantScopedAPIMixin, viewsets.ModelViewSet):
    """Lists and details show what the user may see (anything else is 404); changing needs
    the right to change the record (403 otherwise)."""

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not selectors.can_change(
            self.request.user, obj
        ):
            raise exceptions.PermissionDenied("You may see this record but not change it.")
        return obj

    def check_may_create_at(self, subsidiary, owner) -> None:
        if not selectors.may_create_at(self.request.user, subsidiary, owner):
            raise exceptions.PermissionDenied(
                "Only those who may change this customer can give its records to someone else."
            )


class OpportunityViewSet(AccountRecordViewSet):
    """Opportunities. Send the ``version`` you read (or ``If-Match``) with a change: if
    someone else changed the opportunity since, the answer is 409 and nothing is saved."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter

    def get_queryset(self):
        return selectors.opportunities_for_api(self.request.user).order_by("close_date", "id")

    def perform_create(self, serializer):
        data, splits, _version = serializer.service_arguments()
        user = self.request.user
        self.check_may_create_at(data["subsidiary"], data.get("owner") or user)
        serializer.instance = services.opportunity_create(actor=user, splits=splits, **data)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        opportunity = response.data
        # Like duplicate customers, parallel work is allowed over the API but flagged.
        response.data["warnings"] = warnings.entry_warnings_as_text(
            request.user,
            subsidiary_id=opportunity["subsidiary"],
            product_line_id=opportunity["product_line"],
            linked_agreement_id=opportunity["framework_agreement"],
            exclude_pk=opportunity["id"],
        )
        return response

    def perform_update(self, serializer):
        data, splits, version = serializer.service_arguments()
        if version is None:
            version = version_from_if_match(self.request.headers.get("If-Match"))
        opportunity = serializer.instance
        if "subsidiary" in data or "owner" in data:
            self.check_may_create_at(
                data.get("subsidiary", opportunity.subsidiary),
                data.get("owner", opportunity.owner) or self.request.user,
            )
        try:
            serializer.instance = services.opportunity_update(
                opportunity=opportunity,
                actor=self.request.user,
                expected_version=version,
                splits=splits,
                **data,
            )
        except StaleVersion as exc:
            raise StaleVersionConflict(str(exc)) from exc

    def perform_destroy(self, instance):
        services.opportunity_delete(opportunity=instance, actor=self.request.user)


class ActivityViewSet(AccountRecordViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter

    def get_queryset(self):
        return selectors.activities_for_api(self.request.user).order_by("-occurred_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        subsidiary = data.get("subsidiary") or data["opportunity"].subsidiary
        data["subsidiary"] = subsidiary
        self.check_may_create_at(subsidiary, data.get("owner") or user)
        serializer.instance = services.activity_create(actor=user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "subsidiary" in data or "owner" in data:
            self.check_may_create_at(
                data.get("subsidiary", serializer.instance.subsidiary),
                data.get("owner", serializer.instance.owner) or self.request.user,
            )
        serializer.instance = services.activity_update(
            activity=serializer.instance, actor=self.request.user, **data
        )

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance)


class CampaignViewSet(AccountRecordViewSet):
    """Any user may start a campaign at a customer they may see; it is theirs to change."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return selectors.campaigns_for_api(self.request.user).order_by("-starts_on", "id")

    def perform_create(self, serializer):
        serializer.instance = services.campaign_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.campaign_update(
            campaign=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)


# --- leads ----------------------------------------------------------------------------------


class LeadViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    """The leads inbox of the user's country, theirs and the unassigned ones. ``convert``
    turns a lead into an opportunity at an existing customer when one matches."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.leads_visible_to(self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data, answers = serializer.service_arguments()
        serializer.instance = services.lead_create(actor=self.request.user, answers=answers, **data)

    def perform_update(self, serializer):
        data, answers = serializer.service_arguments()
        serializer.instance = services.lead_update(
            lead=serializer.instance, actor=self.request.user, answers=answers, **data
        )

    @action(detail=True, methods=["post"], serializer_class=LeadConvertSerializer)
    def convert(self, request, pk=None):
        lead = self.get_object()
        form = LeadConvertSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        subsidiary = data.pop("subsidiary", None)
        create_customer = data.pop("create_customer")
        if subsidiary is None and not create_customer:
            matches = selectors.lead_matching_subsidiaries(lead)
            if matches:
                return Response(
                    {
                        "subsidiary": [
                            "This company looks like existing customers. Convert the lead at one "
                            "of them (subsidiary), or set create_customer to true."
                        ],
                        "matches": [
                            {
                                "id": s.pk,
                                "name": s.name,
                                "country": s.country.code,
                                "global_account": s.global_account_id,
                            }
                            for s in matches
                        ],
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        opportunity = services.lead_convert(
            lead=lead, actor=request.user, subsidiary=subsidiary, **data
        )
        opportunity = selectors.opportunities_visible_to(request.user).get(pk=opportunity.pk)
        return Response(
            OpportunitySerializer(opportunity, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
