from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gam import search
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
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} search words."))
