"""Chart.js configurations built from dashboard figures. Pages pass them to the browser with
``json_script``; ``static/js/dashboard-charts.js`` draws every ``<canvas data-chart>``. The
same figures are rendered as tables next to each chart."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from opportunities.models import OPEN_PHASES, Phase

PHASE_LABELS = dict(Phase.choices)


WON_COLOR, LOST_COLOR = "#15803d", "#b91c1c"


def _num(value: Decimal | None) -> float:
    return float(value or 0)


def _bar(labels, datasets, *, stacked=False, horizontal=False, percent=False, colors=None) -> dict:
    rows = [{"label": str(label), "data": data} for label, data in datasets]
    for row, color in zip(rows, colors or [], strict=False):
        row["color"] = color
    return {
        "type": "bar",
        "labels": [str(label) for label in labels],
        "datasets": rows,
        "stacked": stacked,
        "horizontal": horizontal,
        "percent": percent,
    }


def pipeline_by_country_phase(cells: list[dict]) -> dict:
    """Stacked bars: one bar per country, one segment per open phase (amounts)."""
    countries = sorted({c["country"] for c in cells})
    amount = {(c["country"], c["phase"]): c["amount"] for c in cells}
    return _bar(
        countries,
        [
            (PHASE_LABELS[phase], [_num(amount.get((country, phase))) for country in countries])
            for phase in OPEN_PHASES
        ],
        stacked=True,
    )


def won_lost_by_country(won: list[dict], lost: list[dict]) -> dict:
    countries = sorted({c["country"] for c in [*won, *lost]})
    won_by, lost_by = (
        {c["country"]: c["amount"] for c in won},
        {c["country"]: c["amount"] for c in lost},
    )
    return _bar(
        countries,
        [
            (_("Won"), [_num(won_by.get(c)) for c in countries]),
            (_("Lost"), [_num(lost_by.get(c)) for c in countries]),
        ],
        colors=[WON_COLOR, LOST_COLOR],  # green and red: read at a glance
    )


def country_pipeline(rows: list[dict]) -> dict:
    return _bar(
        [r["country"] for r in rows],
        [
            (_("Open pipeline"), [_num(r["open_amount"]) for r in rows]),
            (_("Weighted"), [_num(r["weighted_amount"]) for r in rows]),
        ],
    )


def country_win_rate(rows: list[dict]) -> dict:
    rows = [r for r in rows if r["win_rate"] is not None]
    return _bar(
        [r["country"] for r in rows],
        [(_("Win rate %"), [_num(r["win_rate"]) for r in rows])],
        percent=True,
    )


def funnel(steps: list[dict]) -> dict:
    return _bar(
        [PHASE_LABELS[s["phase"]] for s in steps],
        [(_("Opportunities that reached the phase"), [s["reached"] for s in steps])],
        horizontal=True,
    )


def tiers(rows: list[dict]) -> dict:
    return {
        "type": "doughnut",
        "labels": [r["tier"] or str(_("No tier")) for r in rows],
        "datasets": [{"label": str(_("Global accounts")), "data": [r["accounts"] for r in rows]}],
    }


def global_vs_local(split: dict) -> dict:
    return {
        "type": "doughnut",
        "labels": [str(_("Global accounts")), str(_("Local customers"))],
        "datasets": [
            {
                "label": str(_("Open pipeline")),
                "data": [_num(split["global"]["amount"]), _num(split["local"]["amount"])],
            }
        ],
    }
