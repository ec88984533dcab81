"""Reporting endpoints: the GAM dashboard of one account, my accounts, the tenant dashboard.
Thin: the figures come from reporting/figures.py, filtered by the sharing model."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from gam.drf import TenantScopedAPIMixin
from reporting import figures
from reporting.serializers import (
    AccountDashboardSerializer,
    MyAccountSerializer,
    TenantDashboardSerializer,
)


def _currency(request) -> str:
    return request.user.tenant.currency


class AccountDashboardView(TenantScopedAPIMixin, APIView):
    """The account's pipeline, won business, white space, conflicts and next review; 404 for
    accounts whose details the user may not see."""

    @extend_schema(responses=AccountDashboardSerializer)
    def get(self, request, pk: int):
        header = figures.account_for_dashboard(request.user, pk)
        if header is None:
            raise NotFound
        data = figures.account_dashboard_api(request.user, header, currency=_currency(request))
        return Response(AccountDashboardSerializer(data).data)


class MyAccountsView(TenantScopedAPIMixin, APIView):
    """The accounts whose team the user is on, with their figures."""

    @extend_schema(responses=MyAccountSerializer(many=True))
    def get(self, request):
        return Response(MyAccountSerializer(figures.my_accounts(request.user), many=True).data)


class TenantDashboardView(TenantScopedAPIMixin, APIView):
    """Pipeline and KPIs across markets, tiers and accounts with deviations, over what the
    user may see (everything for a tenant admin)."""

    @extend_schema(responses=TenantDashboardSerializer)
    def get(self, request):
        data = figures.tenant_dashboard(request.user)
        data["currency"] = _currency(request)
        data["year"] = data["kpis"]["year"]
        return Response(TenantDashboardSerializer(data).data)
