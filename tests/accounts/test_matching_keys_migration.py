"""accounts 0007 recomputes the matching keys of rows saved with an older normalization."""

import importlib

from django.apps import apps
from django.db import connection

from accounts.models import Subsidiary

migration = importlib.import_module("accounts.migrations.0007_recompute_matching_keys")


def test_stale_keys_are_recomputed_in_every_tenant(world):
    stale = dict(name_key="old", name_block="old", registration_key="", domain_key="")
    Subsidiary.unscoped.filter(pk__in=[world.sub_se.pk, world.other_subsidiary.pk]).update(**stale)

    with connection.schema_editor(atomic=False) as editor:
        migration.recompute(apps, editor)

    rows = Subsidiary.unscoped.in_bulk([world.sub_se.pk, world.other_subsidiary.pk])
    assert (rows[world.sub_se.pk].name_key, rows[world.sub_se.pk].name_block) == (
        "volvia sverige",
        "volvia",
    )
    assert rows[world.other_subsidiary.pk].name_key == "initech"
