import pytest
from django.core.management import CommandError, call_command

from gam.models import Tenant, User
from gam.tenancy import tenant_context
from opportunities.models import Opportunity, Stage


def test_create_tenant_makes_admin_and_default_stages(db, capsys):
    call_command(
        "create_tenant",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--admin-email",
        "boss@acme.test",
        "--admin-password",
        "a-Long-pass-42",
        "--currency",
        "sek",
    )
    tenant = Tenant.objects.get(slug="acme")
    assert tenant.currency == "SEK"
    admin = User.objects.get(email="boss@acme.test")
    assert admin.tenant == tenant and admin.is_tenant_admin
    with tenant_context(tenant):
        stages = list(Stage.objects.order_by("order").values_list("slug", "phase"))
    assert stages == [
        ("prospecting", "qualification"),
        ("qualification", "qualification"),
        ("proposal", "proposal"),
        ("negotiation", "negotiation"),
        ("closed_won", "won"),
        ("closed_lost", "lost"),
    ]
    assert "Created tenant 'acme'" in capsys.readouterr().out


def test_create_tenant_refuses_taken_slug(db):
    call_command(
        "create_tenant",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--admin-email",
        "a@acme.test",
        "--admin-password",
        "a-Long-pass-42",
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_tenant",
            "--name",
            "Acme 2",
            "--slug",
            "acme",
            "--admin-email",
            "b@acme.test",
            "--admin-password",
            "a-Long-pass-42",
        )
    assert Tenant.objects.count() == 1
    assert not User.objects.filter(email="b@acme.test").exists()


def test_create_tenant_validates_input(db):
    with pytest.raises(CommandError):
        call_command(
            "create_tenant",
            "--name",
            "X",
            "--slug",
            "bad slug!",
            "--admin-email",
            "a@x.test",
            "--admin-password",
            "a-Long-pass-42",
        )
    with pytest.raises(CommandError):
        call_command(
            "create_tenant",
            "--name",
            "X",
            "--slug",
            "x",
            "--admin-email",
            "a@x.test",
            "--admin-password",
            "a-Long-pass-42",
            "--currency",
            "EURO",
        )


def test_seed_demo_prints_logins_and_is_rerunnable(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "admin@demo.gam.test" in out and "demo-pass-2026" in out
    call_command("seed_demo")
    assert "exists already" in capsys.readouterr().out
    assert Tenant.objects.filter(slug="demo").count() == 1


def test_seed_demo_reset_deletes_the_demo_and_seeds_it_anew(world, capsys):
    call_command("seed_demo")
    first = Tenant.objects.get(slug="demo")
    with tenant_context(first):
        assert Opportunity.objects.exists()  # protected links must not block the reset
    call_command("seed_demo", "--reset")
    second = Tenant.objects.get(slug="demo")
    assert second.pk != first.pk
    with tenant_context(second):
        assert Opportunity.objects.exists()
    with tenant_context(first):
        assert not Opportunity.objects.exists()
    # Other tenants keep everything.
    with tenant_context(world.acme):
        assert world.account.subsidiaries.count() == 2
    assert Tenant.objects.filter(slug__in=["acme", "globex"]).count() == 2
