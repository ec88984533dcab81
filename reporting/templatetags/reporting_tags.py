"""Small template helpers of the dashboards."""

from __future__ import annotations

from django import template

from opportunities.models import Phase

register = template.Library()
_PHASES = dict(Phase.choices)


@register.filter
def phase_label(code: str) -> str:
    """The translated name of a common phase (``won`` -> "Won")."""
    return _PHASES.get(code, code)


@register.filter
def percent_bar(value) -> int:
    """A percentage clipped to 0..100 for a <progress> bar."""
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return 0
