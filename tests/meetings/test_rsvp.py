"""The invitee's signed links: valid, replayed, tampered, unknown, expired, cancelled; sending
a colleague instead; documents and the .ics through the same link."""

from datetime import timedelta

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from communes.models import Contact
from meetings import services as meeting_services
from meetings.invitations.tokens import invitation_signature
from meetings.models import Invitation, MeetingDocument
from referent_portal.ical import event_uid
from referent_portal.outbox.models import OutgoingEmail
from tests.meetings.factories import MeetingFactory
from tests.meetings.invitations_territory import *  # noqa: F403
from tests.meetings.invitations_territory import F, ics_of, invite, link_in
from tests.outbox.utils import sent_text

pytestmark = pytest.mark.django_db
Response = Invitation.Response


@pytest.fixture
def invitation(meeting, people):
    (invitation,) = invite(meeting, people["maire_henon"])
    return invitation


@pytest.fixture
def links(invitation):
    return {
        name: link_in(sent_text(invitation.email_message), name)
        for name in ("page", "accept", "decline", "delegate")
    }


def test_opening_the_links_changes_nothing_a_mail_scanner_may_follow_them(
    client, invitation, links
):
    for name, path in links.items():
        response = client.get(path)
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "private, no-store"
    page = client.get(links["page"]).content.decode()
    assert "Le parapheur électronique" in page
    assert "Salle du conseil" in page and "22400 Lamballe" in page
    assert "Démonstration" in page
    assert "Vous n'avez pas encore répondu." in page
    assert "Confirmer votre participation" in client.get(links["accept"]).content.decode()
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING
    assert invitation.responded_at is None


def test_accepting_sets_the_answer_once_and_a_replay_changes_nothing(
    client, invitation, links, people
):
    response = client.post(links["accept"], follow=True)

    assert "Merci, votre réponse est enregistrée : vous participez." in (response.content.decode())
    invitation.refresh_from_db()
    assert invitation.response == Response.ACCEPTED
    answered_at = invitation.responded_at
    assert answered_at is not None
    # The answer is an exchange with the person: their RGPD retention clock restarts.
    contact = Contact.objects.get(pk=people["maire_henon"].pk)
    assert contact.last_activity_at == answered_at
    assert invitation.commune.timeline.filter(title__contains="Yves Morin accepte").exists()

    replay = client.post(links["accept"], follow=True)

    assert "Votre réponse était déjà enregistrée" in replay.content.decode()
    invitation.refresh_from_db()
    assert invitation.responded_at == answered_at
    assert invitation.commune.timeline.filter(title__contains="accepte").count() == 1


def test_the_invitee_may_change_their_mind_until_the_meeting(client, invitation, links):
    client.post(links["accept"])
    client.post(links["decline"])

    invitation.refresh_from_db()
    assert invitation.response == Response.DECLINED


def test_a_tampered_link_gets_a_clear_page_with_400(client, links):
    tampered = links["accept"].replace("/accepter/", "x/accepter/")

    for method in (client.get, client.post):
        response = method(tampered)
        assert response.status_code == 400
        assert "Ce lien d'invitation ne fonctionne pas" in response.content.decode()
        assert "copié incomplètement ou modifié" in response.content.decode()
    assert client.get("/reunions/invitation/n-importe-quoi/").status_code == 400
    assert not Invitation.objects.exclude(response=Response.PENDING).exists()


def test_a_link_signed_for_another_purpose_is_refused(client, invitation):
    from django.core import signing

    forged = signing.Signer(salt="another.salt").sign(invitation.token.hex)

    assert client.get(reverse("meetings:rsvp", args=[forged])).status_code == 400


def test_the_link_of_a_deleted_invitation_gets_404(client, invitation, links):
    invitation.delete()

    response = client.get(links["page"])

    assert response.status_code == 404
    assert "Cette invitation n'existe plus" in response.content.decode()


def test_after_the_meeting_the_link_has_expired(client, meeting, invitation, links):
    with freeze_time(meeting.ends_at + timedelta(minutes=1)):
        page = client.get(links["page"])
        answer = client.post(links["accept"])

    assert page.status_code == 410
    assert "Cette invitation a expiré" in page.content.decode()
    assert answer.status_code == 410
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING


def test_during_the_meeting_a_late_answer_is_still_taken(client, meeting, invitation, links):
    with freeze_time(meeting.starts_at + timedelta(minutes=10)):
        client.post(links["accept"])

    invitation.refresh_from_db()
    assert invitation.response == Response.ACCEPTED


def test_the_link_of_a_cancelled_meeting_says_so(client, meeting, invitation, links, referent):
    meeting.refresh_from_db()
    meeting_services.meeting_cancel(meeting=meeting, by=referent, reason="Salle indisponible.")

    page = client.get(links["page"])
    answer = client.post(links["accept"])

    assert page.status_code == 410
    assert "Cette réunion est annulée" in page.content.decode()
    assert "Salle indisponible." in page.content.decode()
    assert answer.status_code == 410
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING


def test_a_full_meeting_refuses_one_more_acceptance(client, meeting, people, invitation, links):
    meeting.capacity = 1
    meeting.save()
    (other,) = invite(meeting, people["maire_brehand"])
    client.post(link_in(sent_text(other.email_message), "accept"))

    response = client.post(links["accept"])

    assert response.status_code == 409
    assert "La réunion est complète" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING


# --- sending a colleague instead -------------------------------------------------------------


def test_sending_a_colleague_invites_them_and_tells_the_referent(
    client, invitation, links, referent, people
):
    response = client.post(
        links["delegate"],
        {"name": "Lena Kerhervé", "email": "lena.kerherve@22076.example.org", "function": ""},
        follow=True,
    )

    assert "Lena Kerhervé vous remplace" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.response == Response.DELEGATED
    colleague = invitation.substitutes.get()
    # She is a contact of the EPCI: her invitation is linked to her record.
    assert colleague.contact == people["delegue_henon"]
    assert colleague.function == F.DELEGUE_NUMERIQUE
    assert colleague.commune == invitation.commune
    assert colleague.delegated_from == invitation
    email = colleague.email_message
    assert email.to == "lena.kerherve@22076.example.org"
    assert "Yves Morin ne peut pas venir" in email.body_text
    assert str(ics_of(email)["UID"]) == event_uid(invitation.meeting.uid)
    told = OutgoingEmail.objects.get(kind="meetings.delegated")
    assert told.to == referent.email
    assert "Yves Morin (Hénon) ne viendra pas" in told.body_text
    # The colleague's own link works and is theirs.
    client.post(link_in(sent_text(email), "accept"))
    colleague.refresh_from_db()
    assert colleague.response == Response.ACCEPTED

    # Naming the same colleague again changes nothing; another one is refused.
    again = client.post(
        links["delegate"],
        {"name": "Lena Kerhervé", "email": "LENA.kerherve@22076.example.org"},
        follow=True,
    )
    assert "Votre réponse était déjà enregistrée" in again.content.decode()
    other = client.post(links["delegate"], {"name": "Paul Rault", "email": "paul@example.org"})
    assert other.status_code == 400
    assert Invitation.objects.filter(delegated_from=invitation).count() == 1
    assert OutgoingEmail.objects.filter(kind="meetings.delegated").count() == 1
    # Having sent a colleague, accepting is refused with the reason.
    refused = client.post(links["accept"])
    assert refused.status_code == 409
    assert "Vous avez désigné Lena Kerhervé" in refused.content.decode()


def test_a_colleague_form_with_mistakes_keeps_what_was_typed(
    client, invitation, links, meeting, people
):
    invite(meeting, people["dgs_henon"])

    wrong = client.post(links["delegate"], {"name": "Paul Rault", "email": "paul.rault@"})
    own = client.post(links["delegate"], {"name": "Moi", "email": invitation.email.upper()})
    taken = client.post(links["delegate"], {"name": "P. Rault", "email": people["dgs_henon"].email})

    assert wrong.status_code == 400
    assert 'value="Paul Rault"' in wrong.content.decode()
    assert "pas la vôtre" in own.content.decode()
    assert "déjà invitée" in taken.content.decode()
    assert 'value="P. Rault"' in taken.content.decode()
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING
    assert Invitation.objects.count() == 2


# --- documents and the calendar file ---------------------------------------------------------


def test_documents_and_the_ics_come_through_the_same_link(client, meeting, invitation, links):
    document = MeetingDocument.objects.create(
        meeting=meeting,
        title="Diaporama",
        file=SimpleUploadedFile("diaporama.pdf", b"%PDF-1.4 slides", "application/pdf"),
    )
    other = MeetingDocument.objects.create(
        meeting=MeetingFactory(),
        title="Autre",
        file=SimpleUploadedFile("autre.pdf", b"%PDF-1.4 other", "application/pdf"),
    )
    signed = invitation_signature(invitation)

    page = client.get(links["page"]).content.decode()
    download = client.get(reverse("meetings:rsvp_document", args=[signed, document.pk]))
    stranger = client.get(reverse("meetings:rsvp_document", args=[signed, other.pk]))

    assert reverse("meetings:rsvp_document", args=[signed, document.pk]) in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 slides"
    assert stranger.status_code == 404
    # After the meeting, the documents (the minutes come then) are still there.
    with freeze_time(meeting.ends_at + timedelta(days=3)):
        later = client.get(reverse("meetings:rsvp_document", args=[signed, document.pk]))
        expired = client.get(links["page"]).content.decode()
    assert b"".join(later.streaming_content) == b"%PDF-1.4 slides"
    assert "Diaporama" in expired

    ics = client.get(reverse("meetings:rsvp_ics", args=[signed]))
    assert ics["Content-Type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["UID"]) == event_uid(meeting.uid)


def test_the_page_speaks_the_invitees_language(client, meeting, people):
    (invitation,) = invite(meeting, people["maire_andel"])

    page = client.get(link_in(sent_text(invitation.email_message), "page"))

    assert '<html lang="en">' in page.content.decode()


def test_answering_is_refused_once_the_meeting_is_over_even_between_page_and_click(
    client, meeting, invitation, links
):
    page = client.get(links["accept"])
    assert page.status_code == 200
    meeting.ends_at = timezone.now() - timedelta(minutes=1)
    meeting.starts_at = meeting.ends_at - timedelta(hours=2)
    meeting.save()

    response = client.post(links["accept"])

    assert response.status_code == 410
    invitation.refresh_from_db()
    assert invitation.response == Response.PENDING
