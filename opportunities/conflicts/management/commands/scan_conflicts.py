"""``manage.py scan_conflicts [--tenant SLUG]``: the full duplicate-work scan, synchronously."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from gam.models import Tenant
from gam.tenancy import tenant_context
from opportunities.conflicts import recording
from opportunities.conflicts.models import ACTIVE_STATUSES, Conflict, ConflictKind


class ProgressBar:
    """One line redrawn in place; only used when stdout is a terminal."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width, self.last = stream, width, 0.0

    def __call__(self, kind: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{kind:<28} [{bar}] {share:6.1%}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Run the full duplicate-work scan and print the open conflicts per kind."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="only this tenant (default: all)")

    def handle(self, *args, tenant=None, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f'No tenant with the slug "{tenant}".')
        interactive = self.stdout.isatty()
        failed = False
        for one in tenants:
            self.stdout.write(f"Scanning {one.name} ({one.slug}) ...")
            with tenant_context(one):
                started = time.monotonic()
                try:
                    run = recording.scan_tenant(
                        progress=ProgressBar(self.stdout._out) if interactive else None
                    )
                except Exception as error:  # report and go on with the next tenant
                    failed = True
                    self.stderr.write(f"  scan failed: {error}")
                    continue
                self._summary(run, time.monotonic() - started)
        if failed:
            raise CommandError("The scan failed for at least one tenant.")

    def _summary(self, run, seconds: float) -> None:
        open_counts = dict(
            Conflict.objects.filter(status__in=ACTIVE_STATUSES)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        self.stdout.write(f"  finished in {seconds:.1f} s; open conflicts per kind:")
        for kind in ConflictKind:
            stats = run.counts.get(kind.value, {})
            self.stdout.write(
                f"  {kind.value:<28} {open_counts.get(kind.value, 0):>6} open"
                f"  ({stats.get('new', 0)} new, {stats.get('reopened', 0)} reopened,"
                f" {stats.get('resolved', 0)} resolved)"
            )
        self.stdout.write(f"  total{sum(open_counts.values()):>29} open")
