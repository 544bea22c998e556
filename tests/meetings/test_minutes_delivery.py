"""Sending the minutes, with real peers: a Celery worker on Redis and an SMTP server."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings.attendance.services import minutes_send
from meetings.models import Invitation, Meeting, MeetingDocument
from tests.factories import CommuneFactory, ReferentFactory
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = pytest.mark.delivery

SLIDES = b"%PDF-1.4 diapositives"


def test_the_minutes_reach_each_invitee_once_with_the_documents_attached(
    celery_worker, smtp_server
):
    referent = ReferentFactory(email="referent@lamballe-terre-mer.example.org")
    henon = CommuneFactory(epci=referent.epci, name="Hénon", insee_code="22076")
    start = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(
        created_by=referent,
        title="Le parapheur en pratique",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=Meeting.Status.HELD,
        minutes="Une formation au parapheur est prévue en mai.",
    )
    InvitationFactory(meeting=meeting, commune=henon, name="Anne Rault", email="maire@henon.fr")
    InvitationFactory(
        meeting=meeting,
        commune=henon,
        name="Bruno Le Gall",
        email="mairie@henon.fr",
        response=Invitation.Response.DECLINED,
    )
    InvitationFactory(
        meeting=meeting, name="Venu sur place", email="venu@example.org", walk_in=True
    )
    InvitationFactory(
        meeting=meeting,
        commune=henon,
        name="Remplacée",
        email="remplacee@henon.fr",
        response=Invitation.Response.DELEGATED,
    )
    for title, name, content in [
        ("Diapositives", "diapos.pdf", SLIDES),
        ("Liste des contacts", "contacts.csv", b"nom;commune\r\n"),
    ]:
        MeetingDocument.objects.create(
            meeting=meeting, title=title, file=SimpleUploadedFile(name, content)
        )

    minutes_send(meeting=meeting, by=referent)  # commits: the e-mails leave after commit

    received = smtp_server.expect_exactly(3)
    by_address = {message.rcpt_tos: message for message in received}
    assert sorted(by_address) == [
        ("maire@henon.fr",),
        ("mairie@henon.fr",),
        ("venu@example.org",),
    ]
    message = by_address[("maire@henon.fr",)]
    assert message.subject == "Compte rendu : Le parapheur en pratique"
    assert "Une formation au parapheur est prévue en mai." in message.text
    assert message.message["Reply-To"] == "referent@lamballe-terre-mer.example.org"
    attachments = {part.get_filename(): part.get_content() for part in message.attachments}
    assert attachments["Diapositives.pdf"] == SLIDES
    assert set(attachments) == {"Diapositives.pdf", "Liste des contacts.csv"}
