"""The answer to an uncaught error. The database unreachable (down, restarting, refusing
connections) is not a bug of the request: 503 with Retry-After, a JSON body for the API and
a plain maintenance page for the pages, which must not need the database (no template with
the user's menu, no session). Anything else is Django's own 500."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MAINTENANCE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GAM: maintenance</title></head>
<body><h1>Back in a moment</h1>
<p>GAM cannot reach its database right now (maintenance or a restart).
Nothing you saved before is lost. Please try again in a minute.</p></body></html>
"""


def database_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request, *args, **kwargs):
    """``handler500``: Django calls it while handling the exception (sys.exc_info holds it)."""
    if not database_unavailable(sys.exc_info()[1]):
        return django_server_error(request, *args, **kwargs)
    log.warning("database unavailable: 503 for %s", request.path)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "The database is unavailable (maintenance or a restart); try again."},
            status=503,
        )
    else:
        response = HttpResponse(MAINTENANCE_PAGE, status=503, content_type="text/html")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
