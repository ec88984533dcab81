from django.core.management.base import BaseCommand
from django.db import transaction

from gam import seed
from gam.lifecycle import demo_seed_steps
from gam.models import Tenant
from gam.services import tenant_delete
from gam.tenancy import tenant_context


class Command(BaseCommand):
    help = "Create the multi-country demo tenant (skipped if it exists) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo tenant first and seed anew"
        )

    def handle(self, *args, **options):
        existing = Tenant.objects.filter(slug=seed.DEMO_SLUG).first()
        if existing and options["reset"]:
            tenant_delete(tenant=existing)
            existing = None
        if existing:
            self.stdout.write("The demo tenant exists already (use --reset to seed anew).")
        else:
            with transaction.atomic():
                ctx = seed.seed_platform()
                with tenant_context(ctx.tenant):
                    seed.seed_markets(ctx)
                    for step in demo_seed_steps():
                        step(ctx)
            self.stdout.write(self.style.SUCCESS(f"Seeded demo tenant {ctx.tenant.name}."))
        self.print_logins()

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {seed.DEMO_PASSWORD}):")
        for local, name, country, is_admin in seed.USERS:
            role = "tenant admin" if is_admin else ""
            self.stdout.write(f"  {seed.demo_email(local):<28} {name:<26} {country} {role}")
        self.stdout.write("")
