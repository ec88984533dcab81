"""The app's database role for row-level security (gam/rls.py): NOLOGIN, not a superuser,
no BYPASSRLS, owns nothing. Login roles the app connects with are made members of it
(README, "Security model"); its grants are refreshed after every migrate. PostgreSQL only."""

from django.conf import settings
from django.db import migrations


def create_app_role(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    role = getattr(settings, "DATABASE_APP_ROLE", "gam_app").replace('"', '""')
    literal = role.replace("'", "''")
    # Roles are cluster-wide: several databases (and parallel test runs) may race to create it.
    schema_editor.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{literal}') THEN
                CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE WARNING 'cannot create role "{role}": create it as a superuser (README)';
        END
        $$;
        """
    )


class Migration(migrations.Migration):
    dependencies = [("gam", "0002_import_job")]

    operations = [migrations.RunPython(create_app_role, migrations.RunPython.noop, elidable=False)]
