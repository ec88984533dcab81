"""Reading one cell of an import: text, ids, amounts, dates and choices, in the spellings
spreadsheets produce. A cell that cannot be read raises ``CellError`` with the message the
row's preview shows."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class CellError(ValueError):
    pass


def cell(row: dict, column: str) -> str:
    return str(row.get(column) or "").strip()


def int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def change_repr(value) -> str:
    """A value as the preview shows it in a change ("old -> new")."""
    return "" if value is None else str(value)


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_amount(text: str) -> Decimal:
    """'1234.50', '1 234,50', '1.234,50', '1,234.50' -> Decimal('1234.50')."""
    value = _SPACES.sub("", text)
    value = re.sub(r"[A-Za-z€$£¥]+", "", value)  # "1 200 SEK", "€ 90"
    if "," in value and "." in value:
        # The separator that comes last is the decimal one.
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif value.count(",") == 1:
        whole, frac = value.split(",")
        if len(frac) == 3 and whole.lstrip("-").isdigit():
            raise CellError(
                _("“%(text)s” could mean %(a)s or %(b)s: write it without a thousands separator.")
                % {"text": text, "a": whole + frac, "b": whole + "." + frac}
            )
        value = value.replace(",", ".")
    elif value.count(",") > 1:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise CellError(_("“%(text)s” is not a number.") % {"text": text}) from exc
    if not amount.is_finite():
        raise CellError(_("“%(text)s” is not a number.") % {"text": text})
    return amount


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d")


def parse_date(text: str) -> datetime.date:
    value = text.strip()
    if "T" in value or " " in value:
        value = re.split(r"[T ]", value, maxsplit=1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(
        _("“%(text)s” is not a date: write it as YYYY-MM-DD (or DD.MM.YYYY).") % {"text": text}
    )


def parse_choice(text: str, choices: Iterable[tuple[str, object]]) -> str:
    """A choice given as its value ('decision_maker') or its label ('Decision maker');
    '' for an empty cell."""
    if not text:
        return ""
    choices = list(choices)
    wanted = re.sub(r"[\s_-]+", " ", text.strip().lower())
    for value, label in choices:
        if wanted in (value.replace("_", " "), str(label).lower()):
            return value
    raise CellError(
        _("“%(v)s” is not one of: %(choices)s.")
        % {"v": text, "choices": ", ".join(str(label) for _v, label in choices)}
    )
