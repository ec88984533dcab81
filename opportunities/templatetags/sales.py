"""Template filters of the sales pages."""

from django import template

from opportunities.services import plain_number

register = template.Library()


@register.filter(name="percent")
def percent(value) -> str:
    """12.50 -> "12.5", 10.00 -> "10" (a share or discount as people write it)."""
    return "" if value is None else plain_number(value)
