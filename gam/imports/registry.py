"""The record types the import engine can read, registered by the apps that own them.

The engine knows files, jobs, checks and progress; what a row of customers or opportunities
means is said by an importer class (gam.imports.base.Importer) in the app that owns the
record, registered once in that app's ``AppConfig.ready``::

    from gam.imports import registry
    registry.register(SubsidiaryImporter)

Kinds keep their registration order (the order of INSTALLED_APPS), which is the order of the
upload form's choices, of the templates and of the API's enum.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Importer(Protocol):
    """What the registry reads of an importer class (gam.imports.base.Importer); the
    registry imports nothing, so the job model can ask it for labels."""

    kind: str
    label: str


_importers: dict[str, type[Importer]] = {}


class UnknownKind(LookupError):
    """No importer is registered for this kind."""


def register(importer: type[Importer]) -> type[Importer]:
    """Make ``importer`` the one for its ``kind``; registering the same class again is a
    no-op, a second class for a kind is a configuration error. Usable as a decorator."""
    current = _importers.get(importer.kind)
    if current is importer:
        return importer
    if current is not None:
        raise ImproperlyConfigured(
            f"Two importers for the kind {importer.kind!r}: {current.__qualname__} and "
            f"{importer.__qualname__}."
        )
    _importers[importer.kind] = importer
    return importer


def unregister(kind: str) -> None:
    """For tests that register an importer of their own."""
    _importers.pop(kind, None)


def get(kind: str) -> type[Importer]:
    try:
        return _importers[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def is_registered(kind: str) -> bool:
    return kind in _importers


def kinds() -> list[tuple[str, str]]:
    """``(kind, label)`` choices, in registration order."""
    return [(kind, importer.label) for kind, importer in _importers.items()]


def label(kind: str) -> str:
    """The kind's label, or the kind itself for one no app registers (any longer)."""
    importer = _importers.get(kind)
    return str(importer.label) if importer is not None else kind


# What other apps found after an import (the conflict scan's likely duplicates and groups):
# functions ``(job, user) -> list of {"label", "count", "url", "pending"}``, shown on the
# job's page and in the API. Registered by those apps in their ``AppConfig.ready``.
_followups: list = []


def register_followup(function) -> None:
    if function not in _followups:
        _followups.append(function)


def followups(job, user) -> list[dict]:
    found = []
    for function in _followups:
        found.extend(function(job, user))
    return found
