"""Named, hashed API tokens. The existing tokens (rest_framework.authtoken, stored in clear)
become named tokens without expiry, stored as their SHA-256 only, and the clear rows are
deleted: every client keeps working with the key it has, and the database holds no usable
token any more."""

import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def hash_existing_tokens(apps, schema_editor):
    # On the migration's own connection (the owner role in production), never the app's.
    db = schema_editor.connection.alias
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("gam", "ApiToken")
    ApiToken.objects.using(db).bulk_create(
        ApiToken(
            user_id=token.user_id,
            name="API token (from before named tokens)",
            prefix=token.key[:8],
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            created_at=token.created,
        )
        for token in Token.objects.using(db).all()
    )
    Token.objects.using(db).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('gam', '0005_importjob_kind_registered'),
        ('authtoken', '0004_alter_tokenproxy_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('prefix', models.CharField(help_text='The first characters of the secret.', max_length=12)),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', '-created_at'], name='gam_apitoke_user_id_a02a57_idx')],
            },
        ),
        # Not reversible: the clear keys are gone (that is the point).
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
    ]
