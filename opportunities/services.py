"""Writes of the sales work."""

from __future__ import annotations

from opportunities.models import Phase, Stage

DEFAULT_STAGES: list[tuple[str, str, str, int]] = [
    # slug, name, phase, probability %
    ("prospecting", "Prospecting", Phase.QUALIFICATION, 10),
    ("qualification", "Qualification", Phase.QUALIFICATION, 20),
    ("proposal", "Proposal", Phase.PROPOSAL, 50),
    ("negotiation", "Negotiation", Phase.NEGOTIATION, 75),
    ("closed_won", "Closed won", Phase.WON, 100),
    ("closed_lost", "Closed lost", Phase.LOST, 0),
]


def stages_create_defaults() -> list[Stage]:
    """The default stages of a new tenant (API.md), in the tenant in context."""
    return [
        Stage.objects.create(slug=slug, name=name, phase=phase, order=i, probability=prob)
        for i, (slug, name, phase, prob) in enumerate(DEFAULT_STAGES, start=1)
    ]
