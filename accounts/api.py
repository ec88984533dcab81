"""API of customers: tiers and selection criteria (tenant admin writes), global accounts,
subsidiaries, contacts, relationships and framework agreements (the sharing model).

Lists and details show what the user may see (anything else is 404); a change of something
visible that the user may not make is 403; a choice they may not use is 400. Writes go
through accounts.services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import scoring, selectors, services
from accounts.filters import (
    ContactFilter,
    FrameworkAgreementFilter,
    GlobalAccountFilter,
    RelationshipFilter,
    SubsidiaryFilter,
)
from accounts.models import (
    Contact,
    FrameworkAgreement,
    GlobalAccount,
    Relationship,
    SelectionCriterion,
    Subsidiary,
    Tier,
)
from accounts.serializers import (
    ContactSerializer,
    CriterionScoresSerializer,
    FrameworkAgreementSerializer,
    GlobalAccountSerializer,
    RelationshipSerializer,
    ScoreBreakdownSerializer,
    SelectionCriterionSerializer,
    SubsidiarySerializer,
    TierOverrideSerializer,
    TierSerializer,
    score_breakdown_data,
)
from accounts.warnings import (
    duplicate_hint_text,
    duplicate_hints,
    group_hint_text,
    group_hints,
    group_suggestion_data,
)
from gam.concurrency import StaleVersion, version_from_if_match
from gam.drf import IdsFirstPaginationMixin, IsTenantAdminOrReadOnly, TenantScopedAPIMixin
from teams.selectors import can_change_account, can_change_subsidiary


class StaleVersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


def _forbidden(message: str):
    return exceptions.PermissionDenied(message)


class ServiceViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    """Runs the service calls of ``perform_*``, turning a refusal by a service into 403."""

    def _call(self, func, **kwargs):
        try:
            return func(actor=self.request.user, **kwargs)
        except DjangoPermissionDenied as exc:
            raise _forbidden(str(exc) or "You may not do this.") from exc
        except StaleVersion as exc:
            raise StaleVersionConflict(str(exc)) from exc

    # The model of the rows, for the OpenAPI schema (generated without a user).
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.visible_queryset()

    def visible_queryset(self):
        raise NotImplementedError

    def expected_version(self, version: int | None) -> int | None:
        if version is None:
            return version_from_if_match(self.request.headers.get("If-Match"))
        return version


# --- configuration --------------------------------------------------------------------------


class TierViewSet(ServiceViewSet):
    """Tiers of service for global accounts. Changing a minimum score or rank retiers every
    account (except manual overrides)."""

    model = Tier
    serializer_class = TierSerializer
    permission_classes = [IsTenantAdminOrReadOnly]

    def visible_queryset(self):
        return selectors.tiers()

    def perform_create(self, serializer):
        serializer.instance = self._call(services.tier_create, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._call(
            services.tier_update, tier=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._call(services.tier_delete, tier=instance)


class SelectionCriterionViewSet(ServiceViewSet):
    """Weighted selection criteria. Changing a weight, kind or scale rescores every account."""

    model = SelectionCriterion
    serializer_class = SelectionCriterionSerializer
    permission_classes = [IsTenantAdminOrReadOnly]

    def visible_queryset(self):
        return selectors.selection_criteria()

    def perform_create(self, serializer):
        serializer.instance = self._call(services.criterion_create, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._call(
            services.criterion_update, criterion=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._call(services.criterion_delete, criterion=instance)


# --- global accounts ------------------------------------------------------------------------


class GlobalAccountViewSet(IdsFirstPaginationMixin, ServiceViewSet):
    """Global accounts: everyone sees name, tier, headquarters and GAM; the team and the
    tenant admin see the rest. Tenant admins create and delete, the GAM changes. A tier set
    here is a manual override (say why in ``tier_override_reason``). Send the ``version`` you
    read (or ``If-Match``): a stale one is 409."""

    model = GlobalAccount
    serializer_class = GlobalAccountSerializer
    filterset_class = GlobalAccountFilter

    def visible_queryset(self):
        return selectors.global_accounts_for_list(self.request.user).order_by("name", "id")

    def get_object(self):
        account = super().get_object()
        if self.action in ("update", "partial_update") and not account.can_change:
            raise _forbidden("Only the global account manager or a tenant admin may change this.")
        if self.action == "destroy" and not self.request.user.is_tenant_admin:
            raise _forbidden("Only tenant admins may delete global accounts.")
        return account

    def _fresh(self, account):
        return selectors.access_global_account(self.request.user, account.pk)

    def perform_create(self, serializer):
        if not self.request.user.is_tenant_admin:
            raise _forbidden("Only tenant admins may create global accounts.")
        data, _version = serializer.service_arguments()
        data.pop("tier_override_reason", None)
        account = self._call(services.global_account_create, **data)
        serializer.instance = self._fresh(account)

    def perform_update(self, serializer):
        data, version = serializer.service_arguments()
        account = self._call(
            services.global_account_update,
            account=serializer.instance,
            expected_version=self.expected_version(version),
            **data,
        )
        serializer.instance = self._fresh(account)

    def perform_destroy(self, instance):
        self._call(services.global_account_delete, account=instance)

    @extend_schema(
        request=CriterionScoresSerializer,
        responses={200: ScoreBreakdownSerializer},
        description="The score breakdown per criterion (the team and tenant admin); PUT "
        "sets values (the GAM, a tenant admin) and returns the new breakdown.",
    )
    @action(detail=True, methods=["get", "put"], url_path="criterion-scores")
    def criterion_scores(self, request, pk=None):
        account = self.get_object()
        if request.method == "PUT":
            form = CriterionScoresSerializer(data=request.data, context={"request": request})
            form.is_valid(raise_exception=True)
            account = self._call(
                services.criterion_scores_set,
                account=account,
                values={r["criterion"].pk: r["value"] for r in form.validated_data["values"]},
            )
        elif not account.details_visible:
            raise _forbidden("Only the account's team and tenant admins see its assessment.")
        return Response(score_breakdown_data(account, scoring.score_breakdown(account)))

    @extend_schema(request=TierOverrideSerializer, responses={200: GlobalAccountSerializer})
    @action(detail=True, methods=["post", "delete"], url_path="tier-override")
    def tier_override(self, request, pk=None):
        """POST {tier, reason}: put the account in a tier by hand; DELETE: back to the tier
        its score gives."""
        account = self.get_object()
        if request.method == "DELETE":
            account = self._call(services.tier_override_clear, account=account)
        else:
            form = TierOverrideSerializer(data=request.data, context={"request": request})
            form.is_valid(raise_exception=True)
            account = self._call(services.tier_override_set, account=account, **form.validated_data)
        return Response(
            GlobalAccountSerializer(self._fresh(account), context={"request": request}).data
        )


# --- subsidiaries ---------------------------------------------------------------------------


class SubsidiaryViewSet(IdsFirstPaginationMixin, ServiceViewSet):
    """Subsidiaries: everyone in the tenant sees them (so nobody enters a customer twice).
    Creating one that looks like an existing customer succeeds; the answer's ``warnings``
    say which (by name to those who may see it, else its country and the GAM to talk to)."""

    model = Subsidiary
    serializer_class = SubsidiarySerializer
    filterset_class = SubsidiaryFilter

    def visible_queryset(self):
        return selectors.subsidiaries_for_api(self.request.user).order_by("name", "id")

    def get_object(self):
        subsidiary = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not subsidiary.can_change:
            raise _forbidden("You may see this subsidiary but not change it.")
        return subsidiary

    def _add_warnings(self, response) -> None:
        """``warnings`` (sentences: the same company, and the group it probably belongs
        to) and ``group_suggestions`` (the global accounts to link it to: ``PATCH``
        ``{"global_account": id}`` links it when ``can_link``; otherwise ``manager`` is whom
        to ask). A group whose account a duplicate warning names already is not repeated."""
        subsidiary = self._saved
        duplicates = duplicate_hints(
            self.request.user,
            name=subsidiary.name,
            country_code=subsidiary.country.code,
            registration_number=subsidiary.registration_number,
            website=subsidiary.website,
            exclude_pk=subsidiary.pk,
        )
        hints = group_hints(
            self.request.user,
            name=subsidiary.name,
            country=subsidiary.country,
            registration_number=subsidiary.registration_number,
            website=subsidiary.website,
            exclude_pk=subsidiary.pk,
            current_account_id=subsidiary.global_account_id,
            exclude_account_ids={h.account_id for h in duplicates if h.account_id},
        )
        response.data["warnings"] = [duplicate_hint_text(h) for h in duplicates] + [
            group_hint_text(h) for h in hints
        ]
        response.data["group_suggestions"] = [group_suggestion_data(h) for h in hints]

    def perform_create(self, serializer):
        data, _version = serializer.service_arguments()
        subsidiary = self._call(services.subsidiary_create, **data)
        serializer.instance = self._saved = selectors.access_subsidiary(
            self.request.user, subsidiary.pk
        )

    def perform_update(self, serializer):
        data, version = serializer.service_arguments()
        subsidiary = self._call(
            services.subsidiary_update,
            subsidiary=serializer.instance,
            expected_version=self.expected_version(version),
            **data,
        )
        serializer.instance = self._saved = selectors.access_subsidiary(
            self.request.user, subsidiary.pk
        )
        self._keys_changed = bool(set(data) & self.MATCHING_FIELDS)

    def perform_destroy(self, instance):
        self._call(services.subsidiary_delete, subsidiary=instance)

    MATCHING_FIELDS = frozenset(["name", "registration_number", "website", "country"])

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        self._add_warnings(response)
        return response

    def update(self, request, *args, **kwargs):
        self._keys_changed = False
        response = super().update(request, *args, **kwargs)
        if self._keys_changed:
            self._add_warnings(response)
        return response


# --- contacts and relationships -------------------------------------------------------------


class ContactViewSet(ServiceViewSet):
    """The customer's people. Visible to the account's team, the tenant admin and the
    subsidiary's owner; changed by whoever may change the subsidiary."""

    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    def visible_queryset(self):
        return selectors.contacts_visible_to(self.request.user).order_by("name", "id")

    def get_object(self):
        contact = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            selectors.can_change_contact(self.request.user, contact)
        ):
            raise _forbidden("You may see this contact but not change it.")
        return contact

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        # Subsidiaries are visible to everyone in the tenant: adding a contact at one the user
        # may not change is a refused action (403).
        if not can_change_subsidiary(self.request.user, data["subsidiary"]):
            raise _forbidden(
                f"You may not add contacts at “{data['subsidiary'].name}”: that takes someone "
                "who may change this subsidiary."
            )
        serializer.instance = self._call(services.contact_create, **data)

    def perform_update(self, serializer):
        serializer.instance = self._call(
            services.contact_update, contact=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._call(services.contact_delete, contact=instance)


class RelationshipViewSet(ServiceViewSet):
    """Who of ours knows whom. POST records (or updates) a relationship, your own unless you
    may change the contact; ``user`` defaults to you."""

    model = Relationship
    serializer_class = RelationshipSerializer
    filterset_class = RelationshipFilter

    def visible_queryset(self):
        return selectors.relationships_visible_to(self.request.user).order_by(
            "contact__name", "user__name", "id"
        )

    def get_object(self):
        relationship = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            selectors.relationships_changeable_by(self.request.user)
            .filter(pk=relationship.pk)
            .exists()
        ):
            raise _forbidden("You may see this relationship but not change it.")
        return relationship

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("user", self.request.user)
        data.setdefault("strength", 2)
        serializer.instance = self._call(services.relationship_set, **data)

    def perform_update(self, serializer):
        current = serializer.instance
        data = dict(serializer.validated_data)
        if data.get("user", current.user) != current.user or (
            data.get("contact", current.contact) != current.contact
        ):
            raise exceptions.ValidationError(
                {"detail": ["To move a relationship, delete it and record a new one."]}
            )
        serializer.instance = self._call(
            services.relationship_set,
            user=current.user,
            contact=current.contact,
            strength=data.get("strength", current.strength),
            last_contact=data.get("last_contact", current.last_contact),
        )

    def perform_destroy(self, instance):
        self._call(services.relationship_delete, relationship=instance)


# --- framework agreements -------------------------------------------------------------------


class FrameworkAgreementViewSet(ServiceViewSet):
    """Framework agreements of global accounts: the team reads, the GAM and tenant admin
    write. (Whoever enters an opportunity in a covered country also sees the terms, in the
    entry warning.)"""

    model = FrameworkAgreement
    serializer_class = FrameworkAgreementSerializer
    filterset_class = FrameworkAgreementFilter

    def visible_queryset(self):
        return selectors.framework_agreements_visible_to(self.request.user).order_by(
            "-valid_from", "id"
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_object(self):
        agreement = super().get_object()
        if self.request.method not in permissions.SAFE_METHODS and not (
            selectors.can_change_agreement(self.request.user, agreement)
        ):
            raise _forbidden("Only the global account manager or a tenant admin may change this.")
        return agreement

    def _fresh(self, agreement):
        return self.visible_queryset().get(pk=agreement.pk)

    def perform_create(self, serializer):
        # The account is visible to everyone in the tenant: making its agreements without the
        # right is a refused action (403); the service's field error stays for the pages.
        account = serializer.validated_data["global_account"]
        if not can_change_account(self.request.user, account):
            raise _forbidden(
                f"Only the global account manager of “{account.name}” or a tenant admin may "
                "make its framework agreements."
            )
        agreement = self._call(services.framework_agreement_create, **serializer.validated_data)
        serializer.instance = self._fresh(agreement)

    def perform_update(self, serializer):
        agreement = self._call(
            services.framework_agreement_update,
            agreement=serializer.instance,
            **serializer.validated_data,
        )
        serializer.instance = self._fresh(agreement)

    def perform_destroy(self, instance):
        self._call(services.framework_agreement_delete, agreement=instance)
