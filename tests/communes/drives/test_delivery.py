"""Opening a drive, with real peers: a Celery worker on Redis and an SMTP server (aiosmtpd)."""

import pytest

from communes.drives.services import drive_open
from tests.communes.drives.conftest import drive_of

pytestmark = pytest.mark.delivery


def test_opening_a_drive_delivers_one_invitation_per_decision_maker(
    celery_worker, smtp_server, referent, communes, contacts
):
    drive = drive_of(referent, communes)

    drive_open(drive=drive, by=referent)  # commits: the e-mails leave after commit

    received = smtp_server.expect_exactly(3)
    by_address = {message.rcpt_tos: message for message in received}
    assert sorted(by_address) == [
        ("dgs@pledeliac.example.org",),
        ("maire@henon.example.org",),
        ("secretariat@henon-brehand.example.org",),
    ]
    secretary = by_address[("secretariat@henon-brehand.example.org",)]
    assert secretary.subject.startswith(
        "Adhésion collective au service Parapheur et signature électronique : "
        "votre réponse avant le "
    )
    assert secretary.message["Reply-To"] == "referent@lamballe-terre-mer.example.org"
    assert f"/communes/demarches/{drive.pk}/reponse/22076/" in secretary.text
    assert f"/communes/demarches/{drive.pk}/reponse/22020/" in secretary.text
    assert by_address[("dgs@pledeliac.example.org",)].message["Content-Language"] == "en"
