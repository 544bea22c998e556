"""The attestation de formation: what the PDF says, and who may download it."""

import io
from datetime import date

import pytest
from django.urls import reverse
from freezegun import freeze_time
from pypdf import PdfReader

from communes.contacts.services import contact_anonymise
from tests.factories import ReferentFactory
from tests.trainings.conftest import plain_agent
from tests.trainings.followup_helpers import page_text, seat, session_on
from trainings.attendance import attendance_confirm, attendance_mark
from trainings.attestations import attestation_pdf, attestations_of
from trainings.models import Attestation

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 12)
MIDDAY = "2026-03-12 12:00:00+01:00"


def pdf_text(content: bytes) -> str:
    """The text of the one-page PDF without any white space: pypdf splits a kerned word
    (« T erre »), so phrases are compared without spaces (see `said`)."""
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return "".join(reader.pages[0].extract_text().split())


def said(phrase: str) -> str:
    return "".join(phrase.split())


@pytest.fixture
def held(referent, agent_a, agent_b, agent_c, settings):
    """Anne (Hénon) and Chloé (Plédéliac) were present, Bruno absent; confirmed at midday."""
    settings.SYNDICAT_NAME = "Mégalis Bretagne"
    with freeze_time(MIDDAY):
        session = session_on(referent, DAY, trainer_name="Claire Le Goff")
        seats = [seat(session, user.contact) for user in (agent_a, agent_b, agent_c)]
        for enrolment, present in zip(seats, (True, False, True), strict=True):
            attendance_mark(enrolment=enrolment, attended=present, by=referent)
        attendance_confirm(session=session, by=referent)
    return session, seats


def test_the_pdf_names_the_person_commune_module_date_duration_epci_syndicat_and_number(held):
    _session, seats = held
    attestation = Attestation.objects.get(enrolment=seats[0])
    text = pdf_text(attestation_pdf(attestation))
    assert said("Attestation de formation") in text
    assert said("Anne Aubry") in text
    assert said("agent de la commune de Hénon") in text
    assert said("« Télétransmettre les actes à la préfecture »") in text
    assert said("le 12 mars 2026, de 09:30 à 12:30") in text
    assert said("3 heures") in text
    assert said("Lamballe Terre et Mer") in text
    assert said("Mégalis Bretagne") in text
    assert said(f"N° {attestation.number}") in text
    assert said("Délivrée le 12 mars 2026") in text
    assert said("Morgane Le Bihan") in text  # the referent who confirmed


def test_the_pdf_is_drawn_from_the_data_and_follows_a_corrected_name(held):
    _session, seats = held
    contact = seats[0].contact
    contact.last_name = "Aubry-Le Gall"
    contact.save()
    attestation = Attestation.objects.get(enrolment=seats[0])
    assert said("Anne Aubry-Le Gall") in pdf_text(attestation_pdf(attestation))


def test_a_half_hour_duration_reads_with_a_decimal_comma(held):
    session, seats = held
    session.module.duration_hours = "1.5"
    session.module.save()
    attestation = Attestation.objects.get(enrolment=seats[2])
    text = pdf_text(attestation_pdf(attestation))
    assert said("1,5 heure") in text
    assert said("1,5 heures") not in text


def test_the_attendee_downloads_their_own_attestation_from_their_space(client, held, agent_a):
    _session, seats = held
    attestation = Attestation.objects.get(enrolment=seats[0])
    client.force_login(agent_a)
    space = client.get(reverse("trainings:my_attestations"))
    assert "Télétransmettre les actes à la préfecture" in page_text(space)
    assert [a.number for a in attestations_of(agent_a)] == [attestation.number]
    response = client.get(reverse("trainings:attestation", args=[attestation.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"attestation-formation-{attestation.number}.pdf" in response["Content-Disposition"]
    assert said("Anne Aubry") in pdf_text(response.content)


def test_another_persons_attestation_is_a_404(client, held, agent_b, agent_c, commune):
    _session, seats = held
    anne = Attestation.objects.get(enrolment=seats[0]).number
    chloe = Attestation.objects.get(enrolment=seats[2]).number
    url = reverse("trainings:attestation", args=[anne])
    for user in (agent_b, agent_c, plain_agent(commune), ReferentFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(agent_c)
    assert client.get(reverse("trainings:attestation", args=[chloe])).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_referent_downloads_every_attestation_of_the_session(client, held, referent):
    _session, _seats = held
    client.force_login(referent)
    for attestation in Attestation.objects.all():
        response = client.get(reverse("trainings:attestation", args=[attestation.number]))
        assert response.status_code == 200
    assert Attestation.objects.count() == 2


def test_someone_marked_absent_after_the_confirmation_can_no_longer_download_it(
    client, held, referent, agent_a
):
    _session, seats = held
    number = Attestation.objects.get(enrolment=seats[0]).number
    with freeze_time(MIDDAY):
        attendance_mark(enrolment=seats[0], attended=False, by=referent)
    client.force_login(agent_a)
    assert client.get(reverse("trainings:attestation", args=[number])).status_code == 404
    assert "Vous n'avez pas encore d'attestation" in page_text(
        client.get(reverse("trainings:my_attestations"))
    )


def test_an_anonymised_persons_attestation_no_longer_names_them(held, referent):
    _session, seats = held
    contact = seats[0].contact
    contact_anonymise(contact=contact, by=referent)
    attestation = Attestation.objects.get(enrolment=seats[0])
    text = pdf_text(attestation_pdf(attestation))
    assert said("Anne Aubry") not in text
    assert said(f"Contact anonymisé n° {contact.pk}") in text
    # The copy the e-mail carried is emptied with the rest of the person's e-mails.
    (attachment,) = attestation.email_message.attachments.all()
    assert bytes(attachment.content) == b""
