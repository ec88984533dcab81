"""The conflict models, in this app's state only: their tables were created by the
``opportunities`` migrations (when the models lived there) and keep their names
(``db_table``); ``opportunities`` 0009 removed them from that app's state first."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('opportunities', '0009_move_conflicts_to_own_app'),
        ('accounts', '0008_drop_name_trigram_indexes'),
        ('gam', '0004_search_words'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Conflict',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('duplicate_customer', 'Duplicate customer'), ('parallel_opportunity', 'Parallel opportunity'), ('campaign_during_negotiation', 'Campaign during negotiation'), ('framework_agreement_missed', 'Framework agreement missed')], max_length=32)),
                    ('key', models.CharField(max_length=200)),
                    ('fingerprint', models.CharField(blank=True, max_length=64)),
                    ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved'), ('dismissed', 'Dismissed')], default='open', max_length=12)),
                    ('countries', models.JSONField(default=list)),
                    ('records', models.JSONField(default=list)),
                    ('reason', models.CharField(blank=True, max_length=200)),
                    ('resolution_note', models.TextField(blank=True)),
                    ('detected_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('last_seen_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('status_changed_at', models.DateTimeField(blank=True, null=True)),
                    ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_conflicts', to=settings.AUTH_USER_MODEL)),
                    ('global_account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='conflicts', to='accounts.globalaccount')),
                    ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, to='gam.tenant')),
                ],
                options={
                    'db_table': 'opportunities_conflict',
                    'ordering': ['-detected_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='ConflictEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('action', models.CharField(max_length=40)),
                    ('note', models.TextField(blank=True)),
                    ('at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('conflict', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='conflicts.conflict')),
                    ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, to='gam.tenant')),
                ],
                options={
                    'db_table': 'opportunities_conflictevent',
                    'ordering': ['at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.CharField(max_length=300)),
                    ('url', models.CharField(blank=True, max_length=300)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('read_at', models.DateTimeField(blank=True, null=True)),
                    ('conflict', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='conflicts.conflict')),
                    ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, to='gam.tenant')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'opportunities_notification',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='ScanRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('status', models.CharField(choices=[('running', 'Running'), ('finished', 'Finished'), ('failed', 'Failed')], default='running', max_length=10)),
                    ('counts', models.JSONField(blank=True, default=dict)),
                    ('task_id', models.CharField(blank=True, max_length=64)),
                    ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, to='gam.tenant')),
                ],
                options={
                    'db_table': 'opportunities_scanrun',
                    'ordering': ['-started_at'],
                },
            ),
            migrations.AddIndex(
                model_name='conflict',
                index=models.Index(fields=['tenant', 'status', 'kind'], name='opportuniti_tenant__fe2a98_idx'),
            ),
            migrations.AddIndex(
                model_name='conflict',
                index=models.Index(fields=['tenant', 'global_account', 'status'], name='opportuniti_tenant__8d1b51_idx'),
            ),
            migrations.AddIndex(
                model_name='conflict',
                index=models.Index(fields=['tenant', 'assignee', 'status'], name='opportuniti_tenant__9303b8_idx'),
            ),
            migrations.AddConstraint(
                model_name='conflict',
                constraint=models.UniqueConstraint(fields=('tenant', 'key'), name='conflict_key_unique'),
            ),
            migrations.AddIndex(
                model_name='notification',
                index=models.Index(fields=['tenant', 'user', 'read_at'], name='opportuniti_tenant__e573e3_idx'),
            ),
            migrations.AddIndex(
                model_name='scanrun',
                index=models.Index(fields=['tenant', '-started_at'], name='opportuniti_tenant__8fdc49_idx'),
            ),
            migrations.AddIndex(
                model_name='scanrun',
                index=models.Index(fields=['tenant', 'task_id'], name='opportuniti_tenant__75bf21_idx'),
            ),
    
            ],
        ),
    ]
