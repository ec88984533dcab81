from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug

from gam.models import currency_code_validator
from gam.services import SlugTaken, tenant_create


class Command(BaseCommand):
    help = "Create a tenant with default stages and its first tenant admin."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--currency", default="EUR", help="reporting currency (ISO 4217)")

    def handle(self, *args, **options):
        try:
            validate_slug(options["slug"])
            validate_email(options["admin_email"])
            currency_code_validator(options["currency"].upper())
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        try:
            tenant = tenant_create(
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                currency=options["currency"],
            )
        except SlugTaken as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created tenant {tenant.slug!r} ({tenant.currency}); "
                f"admin {options['admin_email']}"
            )
        )
