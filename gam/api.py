"""API of the platform core: token, me, users, countries, exchange rates."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import JsonResponse
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from gam import selectors, services, tokens, webhooks
from gam.audit import audit
from gam.context import identity_lookup
from gam.drf import (
    IsTenantAdmin,
    IsTenantAdminOrReadOnly,
    LoginRateThrottle,
    TenantScopedAPIMixin,
)
from gam.models import Country, ExchangeRate, WebhookDelivery, WebhookEndpoint
from gam.serializers import (
    ApiTokenSerializer,
    CountrySerializer,
    ExchangeRateSerializer,
    MePreferencesSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSerializer,
)
from gam.tenancy import tenant_context


class TokenView(APIView):
    authentication_classes: list = []
    renderer_classes = [JSONRenderer]  # a token is never a CSV row, its errors neither
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    @identity_lookup()  # users and django-axes' attempts, before any tenant is known (gam.rls)
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,  # the HttpRequest: django-axes marks lockouts on it
            email=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None or user.tenant_id is None:
            return Response(
                {"non_field_errors": ["Unable to log in with these credentials."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # Each login is a new token (the secret of an older one is not kept to be shown
        # again), expiring after API_TOKEN_LOGIN_DAYS; named tokens come from tokens/.
        with tenant_context(user.tenant_id):  # the token row follows its user (gam.rls)
            _token, secret = tokens.issue(
                user,
                name="POST auth/token/",
                expires_at=tokens.default_expiry(settings.API_TOKEN_LOGIN_DAYS),
            )
        return Response({"token": secret})


class ApiTokenViewSet(
    TenantScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens: several, named, each with an expiry. ``POST`` creates one and
    answers its secret once (``token``); ``POST tokens/{id}/rotate/`` replaces the secret
    (same name and lifetime); ``DELETE`` revokes. A tenant admin also sees and revokes the
    tokens of the tenant's users (``?user=ID``). A password change revokes all of a user's
    tokens."""

    renderer_classes = [JSONRenderer]  # a token is never a CSV row, errors neither
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        queryset = tokens.tokens_visible_to(self.request.user).select_related("user")
        user = self.request.query_params.get("user")
        if user is not None:
            if not user.isdigit():
                raise ValidationError({"user": ["A user id."]})
            queryset = queryset.filter(user_id=int(user))
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        expires_at = data["expires_at"] if "expires_at" in data else tokens.default_expiry()
        token, secret = tokens.issue(self.request.user, name=data["name"], expires_at=expires_at)
        token.token = secret
        serializer.instance = token
        audit(self.request.user, "api_token.create", token, name=token.name, user=token.user_id)

    def perform_destroy(self, instance):
        audit(
            self.request.user,
            "api_token.revoke",
            instance,
            name=instance.name,
            user=instance.user_id,
        )
        instance.delete()

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        token, secret = tokens.rotate(self.get_object())
        token.token = secret
        audit(request.user, "api_token.rotate", token, name=token.name, user=token.user_id)
        return Response(self.get_serializer(token).data)


class MeView(TenantScopedAPIMixin, generics.RetrieveAPIView):
    """The signed-in user; ``PATCH`` changes their own name, language and time zone."""

    serializer_class = MeSerializer

    def get_object(self):
        return selectors.users_of_tenant().select_related("tenant").get(pk=self.request.user.pk)

    @extend_schema(request=MePreferencesSerializer, responses={200: MeSerializer})
    def patch(self, request):
        user = self.get_object()
        data = MePreferencesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.user_update(user=user, actor=request.user, **data.validated_data)
        return Response(MeSerializer(user).data)


class UserViewSet(
    TenantScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Users of the tenant. Tenant admins create and change them. DELETE deactivates: the
    user can no longer log in, and what they did stays attributed to them."""

    serializer_class = UserSerializer
    permission_classes = [IsTenantAdminOrReadOnly]
    filterset_fields = {"country__code": ["exact"], "is_tenant_admin": ["exact"]}

    def get_queryset(self):
        qs = selectors.users_of_tenant().filter(is_active=True)
        search = self.request.query_params.get("search")
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(email__icontains=search))
        country = self.request.query_params.get("country")
        if country:
            qs = qs.filter(country__code=country.upper())
        return qs.order_by("name", "email")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.user_create(
            email=data["email"],
            password=data["password"],
            name=data.get("name", ""),
            country=data.get("country"),
            is_tenant_admin=data.get("is_tenant_admin", False),
            tenant_id=self.request.user.tenant_id,
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        serializer.instance = services.user_update(
            user=serializer.instance, actor=self.request.user, password=password, **data
        )

    def perform_destroy(self, instance):
        if instance == self.request.user:
            raise ValidationError({"detail": ["You cannot deactivate yourself."]})
        services.user_update(user=instance, actor=self.request.user, is_active=False)


class CountryViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    serializer_class = CountrySerializer
    permission_classes = [IsTenantAdminOrReadOnly]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"

    def get_queryset(self):
        qs = selectors.countries()
        search = self.request.query_params.get("search")
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(code__iexact=search))
        return qs.order_by("name")

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()

    def perform_create(self, serializer):
        country = serializer.save()
        audit(self.request.user, "country.create", country, code=country.code)

    def perform_update(self, serializer):
        country = serializer.save()
        audit(self.request.user, "country.update", country, code=country.code)

    def perform_destroy(self, instance: Country):
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as exc:
            raise ValidationError(
                {"detail": [f"{instance.code} is still used by customers or opportunities."]}
            ) from exc
        audit(self.request.user, "country.delete", None, code=instance.code)


class ExchangeRateViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    serializer_class = ExchangeRateSerializer
    permission_classes = [IsTenantAdminOrReadOnly]

    def get_queryset(self):
        qs = ExchangeRate.objects.all()
        currency = self.request.query_params.get("currency")
        if currency:
            qs = qs.filter(currency=currency.upper())
        return qs.order_by("currency", "-valid_from")

    def perform_create(self, serializer):
        rate = serializer.save()
        audit(self.request.user, "exchange_rate.create", rate, currency=rate.currency)

    def perform_update(self, serializer):
        rate = serializer.save()
        audit(self.request.user, "exchange_rate.update", rate, currency=rate.currency)

    def perform_destroy(self, instance):
        audit(self.request.user, "exchange_rate.delete", instance, currency=instance.currency)
        instance.delete()


class WebhookEndpointViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    """Webhook endpoints of the tenant (tenant admins): ``url`` (HTTPS, a public address),
    ``events`` (see gam.webhooks.EVENTS), ``active``. The create answer shows the signing
    ``secret`` once."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [IsTenantAdmin]

    def get_queryset(self):
        return WebhookEndpoint.objects.order_by("id")

    def perform_create(self, serializer):
        endpoint = serializer.save(created_by=self.request.user, secret=webhooks.new_secret())
        endpoint.show_secret = True
        audit(self.request.user, "webhook.create", endpoint, url=endpoint.url)

    def perform_update(self, serializer):
        endpoint = serializer.save()
        audit(self.request.user, "webhook.update", endpoint, url=endpoint.url)

    def perform_destroy(self, instance):
        audit(self.request.user, "webhook.delete", instance, url=instance.url)
        instance.delete()


class WebhookDeliveryViewSet(TenantScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    """The delivery log (tenant admins), newest first; ``?endpoint=ID``, ``?status=``.
    ``POST webhook-deliveries/{id}/replay/`` sends the same payload again."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [IsTenantAdmin]
    filterset_fields = ["endpoint", "status", "event"]

    def get_queryset(self):
        return WebhookDelivery.objects.order_by("-created_at", "-id")

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        again = webhooks.replay(self.get_object())
        audit(request.user, "webhook.replay", again, of=pk)
        return Response(self.get_serializer(again).data, status=status.HTTP_202_ACCEPTED)


class ApiRootView(APIView):
    """``GET /api/v1/``: the resources of the API, by name, with their URLs (open like the
    schema: it names routes, never data)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "additionalProperties": {"type": "string", "format": "uri"},
                "description": "Resource name -> URL of its list (or of the endpoint).",
            }
        }
    )
    def get(self, request):
        return Response(
            {name: request.build_absolute_uri(path) for name, path in _api_endpoints().items()}
        )


def _api_endpoints() -> dict[str, str]:
    """Every route of /api/v1/ without a parameter (lists, me/, auth/token/, reports ...),
    in URLconf order, by its path below /api/v1/."""
    root = reverse("api_root")
    found: dict[str, str] = {}

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif entry.name and entry.name != "api_root" and not entry.pattern.regex.groups:
                try:
                    path = reverse(entry.name)
                except NoReverseMatch:
                    continue  # a format-suffix variant
                if path.startswith(root) and path != root:
                    found.setdefault(path.removeprefix(root).rstrip("/"), path)

    walk(get_resolver().url_patterns)
    return found


def not_found(request, exception=None):
    """Django's 404 handler: under /api/ the JSON error body every API 404 has (an id the
    route does not take, a path with no endpoint), the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
