"""The deployment files: the image installs exactly the lock (with hashes) and has a
HEALTHCHECK; docker-compose ships no database password, serves plain HTTP locally on a
bare `up`, and interpolates to a well-formed file. (``docker compose config`` itself needs
the compose plugin; this checks what it would, with the variables the README sets.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z_]+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def _interpolate(text: str, env: dict) -> str:
    def value(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return VARIABLE.sub(value, text.replace("$$", "\0")).replace("\0", "$")


def test_lock_files_pin_every_package_with_hashes():
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text()
        packages = re.findall(r"^([A-Za-z0-9_.\-]+)==\S+ \\$", text, flags=re.M)
        assert len(packages) > 40, name
        blocks = re.split(r"^(?=[A-Za-z0-9_.\-]+==)", text, flags=re.M)[1:]
        assert all("--hash=sha256:" in block for block in blocks), name
    runtime = (ROOT / "requirements.lock").read_text().lower()
    for dependency in ("django==", "celery==", "psycopg2-binary==", "gunicorn=="):
        assert dependency in runtime


def test_image_installs_the_lock_and_has_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "requirements.lock" in dockerfile
    assert "pip install --no-cache-dir ." not in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_ci_and_make_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes" in makefile and "requirements-dev.lock" in makefile
    assert re.search(r"^lock:", makefile, flags=re.M)


README_ENV = {"SECRET_KEY": "s" * 50, "POSTGRES_PASSWORD": "p1", "GAM_WEB_DB_PASSWORD": "p2"}


def test_compose_ships_no_password_and_needs_them():
    text = (ROOT / "docker-compose.yml").read_text()
    for match in VARIABLE.finditer(text):
        if "PASSWORD" in match["name"] or "SECRET" in match["name"]:
            assert match["op"] == ":?", match.group(0)
    assert "POSTGRES_PASSWORD: gam" not in text and "gam:gam@" not in text
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        _interpolate(text, {"SECRET_KEY": "s" * 50, "GAM_WEB_DB_PASSWORD": "x"})


def test_compose_interpolates_to_a_working_local_stack():
    config = yaml.safe_load(_interpolate((ROOT / "docker-compose.yml").read_text(), README_ENV))
    services = config["services"]
    assert set(services) >= {"db", "redis", "migrate", "web", "worker", "beat"}
    web = services["web"]
    env = web["environment"]
    # plain `up`: http://localhost:8000 works
    assert str(env["SECURE_SSL_REDIRECT"]).lower() == "false"
    assert env["DATABASE_URL"] == "postgres://gam_web:p2@db:5432/gam"
    assert env["MIGRATE_DATABASE_URL"] == "postgres://gam:p1@db:5432/gam"
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "p1"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["healthcheck"]["test"]
    assert services["beat"]["healthcheck"]["disable"] is True
    for name, service in services.items():
        assert "image" in service or "build" in service, name


def test_healthz(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose")
def test_docker_compose_validates_the_file():
    """The real validator (Debian's docker-compose; `.ci/run` installs it): the file is valid
    with the README's variables set, and refuses to start without a database password."""
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "k" * 50,
        "POSTGRES_PASSWORD": "p" * 32,
        "GAM_WEB_DB_PASSWORD": "w" * 32,
    }
    ok = subprocess.run(
        ["docker-compose", "config", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    del env["POSTGRES_PASSWORD"]
    missing = subprocess.run(
        ["docker-compose", "config", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr
