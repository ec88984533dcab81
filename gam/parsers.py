"""Request body parsers of the API.

JSON nested thousands of levels deep made the decoder (or a serializer walking the data)
raise RecursionError: a 500 for a few kilobytes, even on the unauthenticated token endpoint.
No request of the API nests more than a few levels, so anything deeper than ``MAX_DEPTH`` is
a 400 before any serializer sees it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

MAX_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit``; iterative (no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(DRFJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        message = _("JSON nested deeper than %(n)s levels.") % {"n": MAX_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(message) from exc
        if _too_deep(data, MAX_DEPTH):
            raise ParseError(message)
        return data
