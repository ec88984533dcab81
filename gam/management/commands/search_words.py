from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gam import search
from gam.counts import bump_data_version
from gam.models import Tenant


class Command(BaseCommand):
    help = (
        "Recompute the words of the list search (gam.search) from the records: after loading "
        "fixtures or writing records with raw SQL. Runs as the database owner, across tenants."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="only this tenant (slug)")

    def handle(self, *args, **options):
        tenant_id = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant {options['tenant']!r}.")
            tenant_id = tenant.pk
        with transaction.atomic():
            written = search.rebuild(tenant_id=tenant_id)
        # Raw SQL: cached search counts of the tenants are stale now (gam.counts).
        ids = [tenant_id] if tenant_id else Tenant.objects.values_list("pk", flat=True)
        for pk in ids:
            bump_data_version(pk)
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} search words."))
