"""The embedded default is safe by default: its secret key is its own, never a public one.

Settings are loaded in a subprocess with a controlled environment, as `make run` and a
production server load them.
"""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"
IGNORED = {
    "SECRET_KEY",
    "DEBUG",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def load_settings(var_dir, code=SHOW_KEY, **env):
    clean = {k: v for k, v in os.environ.items() if k not in IGNORED}
    clean |= {"DJANGO_SETTINGS_MODULE": "referent_portal.settings", "PORTAL_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_secret_key_one_is_generated_private_to_the_owner_and_kept(tmp_path):
    first = load_settings(tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key) >= 50 and len(set(key)) >= 5 and not key.startswith("django-insecure")

    again = load_settings(tmp_path)  # a restart: the same key, so links already sent still work
    assert again.stdout.strip() == key


def test_two_installations_never_share_a_key(tmp_path):
    mine = load_settings(tmp_path / "mine").stdout.strip()
    theirs = load_settings(tmp_path / "theirs").stdout.strip()
    assert mine and theirs and mine != theirs


def test_a_survey_link_signed_with_the_repository_s_former_default_key_is_refused(tmp_path):
    # The finding: anyone could sign « survey » links with the key published in the repository.
    code = """
from django.core import signing
from trainings.survey import survey_enrolment, SurveyLinkError, SALT
forged = signing.dumps(1, salt=SALT, key="django-insecure-embedded-default-only-for-make-run")
try:
    survey_enrolment(forged)
except SurveyLinkError as refused:
    print(refused.reason)
"""
    result = load_settings(tmp_path, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "invalid"


def test_an_explicit_secret_key_wins_and_nothing_is_written(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="a-key-chosen-by-the-operator-" + "x" * 40)
    assert result.stdout.strip() == "a-key-chosen-by-the-operator-" + "x" * 40
    assert not (tmp_path / "secret_key").exists()


def test_a_key_file_others_can_read_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 60)
    (tmp_path / "secret_key").chmod(0o644)
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "secret_key" in result.stderr and "chmod 600" in result.stderr


HEADERS = """
from django.conf import settings
from django.test import Client, override_settings
# Production serves hashed static files after collectstatic, which this test does not run.
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    response = Client(HTTP_HOST="127.0.0.1").get("/accounts/connexion/", secure=True)
for name in ["Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
             "Referrer-Policy", "Cross-Origin-Opener-Policy"]:
    print(name, response.headers.get(name))
"""


def test_the_embedded_default_sends_the_same_protective_headers_as_production(tmp_path):
    embedded = load_settings(tmp_path, code=HEADERS)
    production = load_settings(
        tmp_path,
        code=HEADERS,
        DEBUG="false",
        SECRET_KEY="p" * 60,
        DATABASE_URL="sqlite:///" + str(tmp_path / "db.sqlite3"),
        REDIS_URL="redis://127.0.0.1:6379/14",
        EMAIL_HOST="smtp.example.org",
        SITE_URL="https://portail.example.org",
        ALLOWED_HOSTS="127.0.0.1",
    )
    assert embedded.returncode == 0 and production.returncode == 0, (
        embedded.stderr + production.stderr
    )
    assert "None" not in production.stdout
    # The nonce differs on every response; the policy itself is the same.
    nonce = r"'nonce-[^']+'"
    assert re.sub(nonce, "N", embedded.stdout) == re.sub(nonce, "N", production.stdout)
