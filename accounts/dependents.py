"""Records of the layers above that live at a customer (a subsidiary): the sales records.

Customers sit below sales, so this module never imports them; the sales app registers its
models here in its ``AppConfig.ready``. The customer services then ask this registry
instead: whether a customer or an account still has records that protect it from deletion,
which records follow a customer moved to another account or country, and what a deleted
customer takes with it. The customer page shows the registered sections the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class RecordsAtCustomer:
    model: type[models.Model]
    # Rows keep the customer from being deleted (the sales history): a clear refusal, not
    # a ProtectedError.
    protects: bool
    # The search kind (``gam.models.SearchWord.Kind``) of the rows that go with a deleted
    # customer, whose words are then forgotten; None for rows that protect it.
    search_kind: int | None = None


_records: list[RecordsAtCustomer] = []
# name -> function(user, subsidiary) giving what the customer page shows under that name
CUSTOMER_PAGE_SECTIONS: dict[str, Callable[[Any, Any], Any]] = {}


def register_records_at_customer(
    model: type[models.Model], *, protects: bool, search_kind: int | None = None
) -> None:
    """``model`` has ``subsidiary``, ``global_account`` and ``country`` foreign keys (the
    last two copied from its subsidiary for the sharing model and reports)."""
    if all(entry.model is not model for entry in _records):
        _records.append(RecordsAtCustomer(model, protects, search_kind))


def records_at_customer() -> list[RecordsAtCustomer]:
    return list(_records)


def protecting_count(**lookup) -> int:
    """How many rows protect the customer(s) of ``lookup`` (``subsidiary=`` or
    ``global_account=``) from deletion."""
    return sum(entry.model.objects.filter(**lookup).count() for entry in _records if entry.protects)
