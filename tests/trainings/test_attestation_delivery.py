"""The attestation e-mail, with real peers: a Celery worker on Redis and an SMTP server."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory
from tests.fixtures_delivery import wait_until
from tests.trainings.factories import TrainingSessionFactory, module
from tests.trainings.followup_helpers import seat
from trainings.attendance import attendance_confirm, attendance_mark
from trainings.models import Attestation

pytestmark = pytest.mark.delivery


def test_each_person_present_receives_the_attestation_pdf_and_the_survey_link_once(
    celery_worker, smtp_server
):
    referent = ReferentFactory(
        email="referent@lamballe-terre-mer.example.org", first_name="Morgane", last_name="Le Bihan"
    )
    henon = CommuneFactory(epci=referent.epci, name="Hénon", insee_code="22076")
    start = timezone.now() - timedelta(hours=3)  # the session ended an hour ago
    session = TrainingSessionFactory(
        created_by=referent,
        module=module("m4-signature"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=timezone.localdate(start) - timedelta(days=7),
        capacity=5,
    )
    present = ContactFactory(
        epci=referent.epci,
        communes=[henon],
        first_name="Anne",
        last_name="Rault",
        email="anne.rault@henon.fr",
    )
    absent = ContactFactory(
        epci=referent.epci,
        communes=[henon],
        first_name="Bruno",
        last_name="Le Gall",
        email="bruno.legall@henon.fr",
    )
    attendance_mark(enrolment=seat(session, present), attended=True, by=referent)
    attendance_mark(enrolment=seat(session, absent), attended=False, by=referent)

    attendance_confirm(session=session, by=referent)  # commits: the e-mail leaves after

    (message,) = smtp_server.expect_exactly(1)
    assert message.rcpt_tos == ("anne.rault@henon.fr",)
    assert message.subject.startswith("Votre attestation de formation : ")
    assert message.message["Reply-To"] == "referent@lamballe-terre-mer.example.org"
    assert "http://testserver/formations/questionnaire/" in message.text
    number = Attestation.objects.get().number
    (attachment,) = message.attachments
    assert attachment.get_filename() == f"attestation-formation-{number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())
    assert "AnneRault" in text
    assert "".join(f"N° {number}".split()) in text
    wait_until(
        lambda: OutgoingEmail.objects.filter(
            kind="trainings.attestation", status=OutgoingEmail.Status.SENT
        ).exists()
    )
