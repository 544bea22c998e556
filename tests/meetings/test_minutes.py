"""The minutes of a held meeting: written, then sent to every invitee with the documents."""

import html
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from communes.timeline.models import TimelineEntry
from meetings.attendance.services import (
    attendance_add_walk_in,
    attendance_mark,
    minutes_save,
    minutes_send,
)
from meetings.models import Meeting, MeetingDocument
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.services import attachment_bytes
from tests.meetings.attendance_territory import *  # noqa: F403 (fixtures)
from tests.meetings.attendance_territory import MEETING_START

pytestmark = pytest.mark.django_db

MINUTES = "Présentation du parapheur.\nDécision : une formation en mai pour les secrétaires."
PROGRAMME = b"%PDF-1.4 programme de la reunion"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def held(meeting, invitees, referent, communes):
    """The meeting took place: four invitees came, one did not, two walk-ins."""
    for key in ("rault", "tanguy", "guillou", "president"):
        attendance_mark(invitation=invitees[key], attended=True, by=referent)
    attendance_mark(invitation=invitees["le_gall"], attended=False, by=referent)
    attendance_add_walk_in(
        meeting=meeting,
        by=referent,
        name="Hervé Le Bihan",
        commune=communes["Andel"],
        email="herve@andel.example.org",
    )
    attendance_add_walk_in(meeting=meeting, by=referent, name="Sans Courriel")
    MeetingDocument.objects.create(
        meeting=meeting,
        title="Programme",
        file=SimpleUploadedFile("programme.pdf", PROGRAMME, content_type="application/pdf"),
    )
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def logged_in(client, referent):
    client.force_login(referent)
    return client


# --- writing -------------------------------------------------------------------------------


def test_the_minutes_of_a_held_meeting_are_saved_from_their_page(logged_in, held):
    url = reverse("meetings:minutes_edit", args=[held.pk])

    response = logged_in.post(url, {"minutes": f"  {MINUTES}  "})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.minutes == MINUTES
    page = text_of(logged_in.get(response["Location"]))
    assert "Le compte rendu est enregistré. Relisez-le, puis envoyez-le aux invités." in page
    assert "Envoyer le compte rendu…" in page


def test_minutes_before_the_meeting_are_refused_and_the_text_is_kept(logged_in, meeting):
    with freeze_time(MEETING_START - timedelta(days=2)):
        response = logged_in.post(
            reverse("meetings:minutes_edit", args=[meeting.pk]), {"minutes": "Trop tôt"}
        )

    assert response.status_code == 400
    assert "La réunion n'a pas encore eu lieu" in text_of(response)
    assert "Trop tôt</textarea>" in text_of(response)
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    assert meeting.status == Meeting.Status.SCHEDULED


def test_minutes_written_after_the_start_without_check_in_make_the_meeting_held(meeting, referent):
    with freeze_time(MEETING_START + timedelta(hours=3)):
        minutes_save(meeting=meeting, by=referent, minutes=MINUTES)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.minutes == MINUTES


def test_a_cancelled_meeting_has_no_minutes(meeting, referent):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)

    with pytest.raises(ValidationError):
        minutes_save(meeting=meeting, by=referent, minutes=MINUTES)


# --- sending -------------------------------------------------------------------------------


def test_the_minutes_go_to_every_invitee_with_an_address_with_the_documents(
    held, referent, invitees, django_capture_on_commit_callbacks
):
    minutes_save(meeting=held, by=referent, minutes=MINUTES)

    count = minutes_send(meeting=held, by=referent)

    emails = {e.to: e for e in OutgoingEmail.objects.filter(kind="meetings.minutes")}
    assert count == len(emails) == 7
    assert sorted(emails) == sorted(
        [
            "anne.rault@mairie.example.org",
            "bruno.le.gall@mairie.example.org",
            "claude.morin@mairie.example.org",  # declined: told all the same
            "eric.tanguy@mairie.example.org",  # came in place of Denise Hamon
            "fanny.guillou@mairie.example.org",
            "president@lamballe-terre-mer.example.org",
            "herve@andel.example.org",  # a walk-in who left an address
        ]
    )
    rault = emails["anne.rault@mairie.example.org"]
    assert rault.subject == "Compte rendu : Le parapheur électronique en pratique"
    assert "Bonjour Anne Rault," in rault.body_text
    assert "réunion « Le parapheur électronique en pratique » du 12 mars 2026" in rault.body_text
    assert MINUTES in rault.body_text
    assert "- Programme" in rault.body_text
    assert rault.reply_to == referent.email
    # One stored file named by every e-mail, read when each is sent.
    assert [(a.filename, attachment_bytes(a)) for a in rault.attachments.all()] == [
        ("Programme.pdf", PROGRAMME)
    ]
    assert emails["fanny.guillou@mairie.example.org"].language == "en"
    held.refresh_from_db()
    assert held.minutes_sent_at is not None


def test_each_commune_invited_has_the_meeting_on_its_timeline(held, referent, communes, invitees):
    minutes_save(meeting=held, by=referent, minutes=MINUTES)

    minutes_send(meeting=held, by=referent)

    titles = {
        entry.commune.name: entry.title
        for entry in TimelineEntry.objects.filter(kind="meeting").select_related("commune")
    }
    title = "Réunion « Le parapheur électronique en pratique » : "
    assert titles == {
        "Bréhand": title + "1 présent sur 2 invités",
        "Hénon": title + "1 présent sur 2 invités",
        "Plédéliac": title + "1 présent sur 2 invités",
        "Andel": title + "1 présent, venu sans invitation",
    }


def test_sending_again_after_an_edit_warns_of_the_first_sending_and_sends_the_new_version(
    logged_in, held, referent
):
    minutes_save(meeting=held, by=referent, minutes=MINUTES)
    minutes_send(meeting=held, by=referent)
    minutes_save(meeting=held, by=referent, minutes=MINUTES + "\nAjout : les dates de mai.")
    url = reverse("meetings:minutes_send", args=[held.pk])

    confirmation = logged_in.get(url)
    page = text_of(confirmation)
    response = logged_in.post(url, {"seen": confirmation.context["seen"]})

    assert "Le compte rendu a déjà été envoyé le 12 mars 2026 14:30." in page
    assert "Renvoyer le compte rendu" in page
    assert response.status_code == 302
    assert "Le compte rendu part par courriel à 7 invités." in text_of(
        logged_in.get(response["Location"])
    )
    second = OutgoingEmail.objects.filter(kind="meetings.minutes").order_by("-pk").first()
    assert "Ajout : les dates de mai." in second.body_text
    assert "version mise à jour du compte rendu" in second.body_text
    assert OutgoingEmail.objects.filter(kind="meetings.minutes").count() == 14
    assert TimelineEntry.objects.filter(kind="meeting").count() == 4  # written once


def test_empty_minutes_are_not_sent(logged_in, held, referent):
    url = reverse("meetings:minutes_send", args=[held.pk])

    with pytest.raises(ValidationError) as error:
        minutes_send(meeting=held, by=referent)
    response = logged_in.post(url)

    assert "Le compte rendu est vide" in error.value.messages[0]
    assert response.status_code == 400
    assert "Le compte rendu est vide : rédigez-le avant de l'envoyer." in text_of(response)
    assert not OutgoingEmail.objects.exists()
    held.refresh_from_db()
    assert held.minutes_sent_at is None


def test_the_minutes_of_a_meeting_still_to_come_are_not_sent(meeting, invitees, referent):
    Meeting.objects.filter(pk=meeting.pk).update(minutes=MINUTES)
    meeting.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        minutes_send(meeting=meeting, by=referent)

    assert error.value.code == "not_held"
    assert not OutgoingEmail.objects.exists()


def test_a_missing_document_stops_the_sending_with_a_clear_message(held, referent):
    minutes_save(meeting=held, by=referent, minutes=MINUTES)
    held.documents.get().file.delete(save=False)

    with pytest.raises(ValidationError) as error:
        minutes_send(meeting=held, by=referent)

    assert "Le document « Programme » n'est plus disponible" in error.value.messages[0]
    assert not OutgoingEmail.objects.exists()


def test_a_second_click_on_the_confirmation_sends_nothing_more(logged_in, held, referent):
    minutes_save(meeting=held, by=referent, minutes=MINUTES)
    url = reverse("meetings:minutes_send", args=[held.pk])
    seen = logged_in.get(url).context["seen"]

    first = logged_in.post(url, {"seen": seen})
    second = logged_in.post(url, {"seen": seen})

    assert first.status_code == 302
    assert second.status_code == 400
    assert "vient d&#x27;être envoyé" in second.content.decode()
    assert OutgoingEmail.objects.filter(kind="meetings.minutes").count() == 7
