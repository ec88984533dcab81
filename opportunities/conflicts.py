"""Duplicate-work detection (being built: detectors land in the next commits)."""

from __future__ import annotations


def check_record(*, record_type: str, record_id: int) -> None:
    """Incremental check of one record's neighbourhood (tenant in context)."""


def scan_tenant() -> None:
    """Full scan of the tenant in context."""
