"""``{% plan_attention %}``: the overdue plan reviews and actions that are the user's to
chase (as GAM or sponsor, or as an action's owner), for the home and my-accounts pages.
Two queries, whatever the number of accounts."""

from django import template
from django.utils import timezone

from accounts.plans.selectors import overdue_actions_for, overdue_reviews_for

register = template.Library()

ROWS = 10


@register.inclusion_tag("plans/_attention.html", takes_context=True)
def plan_attention(context):
    user = context["request"].user
    today = timezone.localdate()
    reviews = list(overdue_reviews_for(user, today=today)[: ROWS + 1])
    actions = list(overdue_actions_for(user, today=today)[: ROWS + 1])
    return {
        "reviews": reviews[:ROWS],
        "more_reviews": len(reviews) > ROWS,
        "actions": actions[:ROWS],
        "more_actions": len(actions) > ROWS,
        "today": today,
    }
