"""Production mode (DEBUG=false): refuses to start half-configured; `check --deploy` is clean."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qz!v9Lr2@Xw5%Tn8^Bm3&Hd6*Jf1(Ps4)Gy0_Ua-Ec+Wo=Ri[Sl]Vt{Nq}Mk",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_HOST": "smtp.example.org",
    "ALLOWED_HOSTS": "portail.example.org",
    "SITE_URL": "https://portail.example.org",
}


def manage(*args, env):
    # The suite's own environment (test settings, async-unsafe flag for Playwright) stays out.
    ignored = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean["DJANGO_SETTINGS_MODULE"] = "referent_portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_reports_nothing_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "SITE_URL"]
)
def test_production_mode_refuses_to_start_without(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is false" in result.stderr


def test_docker_compose_file_is_valid():
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose must be installed in CI (.ci/run installs it)")
        pytest.skip(
            "docker-compose is not installed on this machine (apt-get install docker-compose)"
        )
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env={**os.environ, "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_production_mode_refuses_a_site_url_that_is_not_https():
    result = manage("check", env={**PRODUCTION_ENV, "SITE_URL": "http://portail.example.org"})
    assert result.returncode != 0
    assert "SITE_URL must be an https:// address when DEBUG is false" in result.stderr


def test_the_local_docker_compose_stack_may_use_plain_http_on_the_loopback_address():
    result = manage("check", env={**PRODUCTION_ENV, "SITE_URL": "http://127.0.0.1:8000"})
    assert result.returncode == 0, result.stderr


def test_the_image_runs_in_production_mode_unless_told_otherwise():
    """The settings' default is the embedded default (DEBUG on, for `make run`): a bare
    `docker run` of the image would serve Django's debug pages on 0.0.0.0."""
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    cmd = next(i for i, line in enumerate(lines) if line.startswith("CMD "))
    env = [line for line in lines[:cmd] if line.startswith("ENV ") and "DEBUG=" in line]
    assert env and env[-1].split("DEBUG=")[1].split()[0] == "false"
