"""``/healthz`` for the container's HEALTHCHECK and load balancers: 200 when the app can
reach its database, 503 otherwise. No session, no tenant, no template."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
