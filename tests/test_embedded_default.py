"""`make run`'s embedded default works: SQLite, eager Celery, e-mails written to a folder.

The rest of the suite runs on PostgreSQL; this runs the portal as `make run` does, in a fresh
folder, and goes through the pages a new user opens first.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import django
django.setup()
from django.test import Client
from django.core.management import call_command
from referent_portal.accounts.models import User
from requests_relay.models import Request

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
call_command("seed_demo", verbosity=0)  # twice: harmless

referent = Client(HTTP_HOST="127.0.0.1")
credentials = {"username": "referent", "password": "demo-portail-2026"}
response = referent.post("/accounts/connexion/", credentials)
assert response.status_code == 302, response.status_code
for path in ["/communes/", "/communes/?q=ple", "/communes/?q=SAINT%20glen", "/communes/?q=22400",
             "/communes/?sort=-name"]:
    response = referent.get(path)
    assert response.status_code == 200, (path, response.status_code)
page = referent.get("/communes/?q=pledeliac").content.decode()
assert "Plédéliac" in page, "accent-insensitive search"

agent = Client(HTTP_HOST="127.0.0.1")
agent.force_login(User.objects.get(username="agent"))
assert agent.get("/").status_code == 302
commune = User.objects.get(username="agent").contact.communes.first()
from django.urls import reverse
response = agent.post(reverse("requests_relay:create"), {
    "commune": commune.pk, "category": "usage", "subject": "Essai", "description": "Essai",
    "urgency": "normal",
})
assert response.status_code == 302, response.content.decode()[:3000]
assert Request.objects.count() == 1
print("OK")
"""


def test_the_embedded_default_serves_the_demo_and_sends_mail_to_files(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_HOST"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "referent_portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("OK")
    assert (tmp_path / "db.sqlite3").exists()
    # the acknowledgement and the referent's notice went out eagerly, as files
    mails = list((tmp_path / "mail").iterdir())
    assert len(mails) >= 2
    assert any("Essai" in m.read_text(errors="replace") for m in mails)
