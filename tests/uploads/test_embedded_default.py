"""On the embedded default (`make run`: DEBUG, SQLite) nothing under MEDIA_ROOT is served by
URL either: a file is downloaded through the view that checks who asks, as in production.

Run as `make run` runs, in a subprocess with a fresh folder (the rest of the suite runs on
PostgreSQL with DEBUG off), like tests/test_embedded_default.py.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = r"""
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from communes.models import Commune, Contact, Epci
from meetings.models import Meeting, MeetingDocument
from referent_portal.accounts.models import User
from requests_relay.models import Attachment
from tests.uploads import samples

assert settings.DEBUG, "the embedded default runs with DEBUG"
call_command("migrate", verbosity=0)

def territory(siren, name, insee):
    epci = Epci.objects.create(siren=siren, name=name, kind="CA", population=60000)
    commune = Commune.objects.create(
        insee_code=insee, siren=f"21{insee}00"[:9], name=f"Commune {insee}", population=1200,
        postal_codes=["22400"], departement="22", region="53", epci=epci,
    )
    referent = User.objects.create_user(f"referent{siren}", role="referent", epci=epci)
    return epci, commune, referent

epci, commune, referent = territory("200069391", "Lamballe Terre et Mer", "22076")
_other, _other_commune, other_referent = territory("200068989", "Dinan Agglomération", "22050")
agent = User.objects.create_user("agent", role="agent", epci=epci, email="agent@henon.fr")
Contact.objects.create(epci=epci, user=agent, first_name="Anne", last_name="Rault",
                       function="secretaire", email="agent@henon.fr").communes.set([commune])

client = Client(HTTP_HOST="127.0.0.1")
client.force_login(agent)
response = client.post(reverse("requests_relay:create"), {
    "commune": commune.pk, "category": "usage", "subject": "Erreur", "description": "Capture.",
    "urgency": "normal", "attachments": [samples.upload("capture.png", samples.png(), "text/html")],
})
assert response.status_code == 302, response.content.decode()[:3000]
attachment = Attachment.objects.get()

other = Client(HTTP_HOST="127.0.0.1")
other.force_login(other_referent)
meeting = Meeting.objects.create(
    epci=other_referent.epci, created_by=other_referent, title="Conseil", place="Dinan",
    starts_at="2030-01-10T09:00+01:00", ends_at="2030-01-10T11:00+01:00", status="scheduled",
)
response = other.post(reverse("meetings:document_add", args=[meeting.pk]),
                      {"title": "Ordre du jour", "file": samples.real("pdf", "odj.pdf")})
assert response.status_code == 302, response.content.decode()[:3000]
document = MeetingDocument.objects.get()

anonymous = Client(HTTP_HOST="127.0.0.1")
for name in (attachment.file.name, document.file.name):
    for who in (anonymous, client):
        status = who.get(f"/media/{name}").status_code
        assert status == 404, (name, status)
response = anonymous.get(reverse("meetings:document", args=[meeting.pk, document.pk]))
assert response.status_code == 302 and "/accounts/" in response["Location"], response
strangers = Client(HTTP_HOST="127.0.0.1")
strangers.force_login(referent)
response = strangers.get(reverse("meetings:document", args=[meeting.pk, document.pk]))
assert response.status_code == 404, response.status_code

download = client.get(reverse("requests_relay:attachment",
                              args=[attachment.request.reference, attachment.pk]))
assert download.status_code == 200
assert download["Content-Type"] == "image/png", download["Content-Type"]
assert download["X-Content-Type-Options"] == "nosniff"
assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
assert b"".join(download.streaming_content) == samples.png()
print("OK")
"""


def test_the_embedded_default_serves_no_file_by_url(tmp_path):
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
    assert list((tmp_path / "media").rglob("*.png")) == []  # stored without its name
