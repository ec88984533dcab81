"""The audit log page in the tenant settings: filterable, paginated, exportable as CSV."""

from __future__ import annotations

from django.shortcuts import render

from gam.audit_log import EXPORT_COLUMNS, AuditLogFilter, audit_entries
from gam.exports import csv_response, rows_in_tenant
from gam.pages import paginate, tenant_admin_required


@tenant_admin_required
def audit_log(request):
    filters = AuditLogFilter(request.GET or None, queryset=audit_entries(), request=request)
    entries = filters.qs if filters.is_bound and filters.is_valid() else audit_entries()
    if filters.is_bound and not filters.is_valid():
        entries = entries.none()
    if request.GET.get("format") == "csv":
        return csv_response("audit-log.csv", EXPORT_COLUMNS, rows_in_tenant(entries))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "gam/audit_log.html",
        {
            "filters": filters,
            "page": paginate(request, entries, per_page=50),
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )
