"""Sending invitations, updates and cancellations (services), and the referent's pages."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from meetings.invitations.selectors import invitations_panel
from meetings.invitations.services import invitation_resend
from meetings.models import Invitation, Meeting
from referent_portal.ical import event_uid
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory, agent_of
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.meetings.invitations_territory import *  # noqa: F403
from tests.meetings.invitations_territory import F, ics_of, invite, link_in
from tests.outbox.utils import sent_text

pytestmark = pytest.mark.django_db
Response = Invitation.Response


# --- sending ---------------------------------------------------------------------------------


def test_each_invitee_gets_their_own_email_with_an_ics_request(meeting, people, referent):
    sent = invite(meeting, people["maire_henon"], people["maire_brehand"])

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED  # the draft is scheduled at the first sending
    assert len(sent) == 2
    # One message per person, to that person only.
    assert sorted(OutgoingEmail.objects.values_list("to", flat=True)) == sorted(
        [people["maire_henon"].email, people["maire_brehand"].email]
    )
    invitation = Invitation.objects.get(contact=people["maire_henon"])
    assert invitation.email_message.to == "yves.morin@22076.example.org"
    assert invitation.commune.name == "Hénon"
    assert invitation.function == F.MAIRE
    assert invitation.sent_sequence == 0
    assert invitation.invited_by == referent

    email = invitation.email_message
    assert email.subject.startswith("Invitation : Le parapheur électronique, le ")
    assert email.reply_to == referent.email
    assert "Bonjour Yves Morin," in email.body_text
    assert "Salle du conseil, 1 rue de la Mairie, 22400 Lamballe" in email.body_text
    for name in ("accept", "decline", "delegate", "page"):
        link_in(sent_text(email), name)

    event = ics_of(email)
    assert event["X-METHOD"] == "REQUEST"
    assert str(event["UID"]) == event_uid(meeting.uid)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:referent@lamballe-terre-mer.example.org"
    assert event["ORGANIZER"].params["CN"] == "Maëlle Le Goff"
    assert str(event["ATTENDEE"]) == "mailto:yves.morin@22076.example.org"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert str(event["LOCATION"]) == "Salle du conseil, 1 rue de la Mairie, 22400 Lamballe"
    # The .ics is kept in the outbox with the message: it must not carry the invitee's keys.
    assert "/reunions/invitation/" not in str(event.get("DESCRIPTION", ""))


def test_an_english_speaking_maire_is_written_to_in_english(meeting, people):
    invite(meeting, people["maire_andel"])

    email = OutgoingEmail.objects.get(to=people["maire_andel"].email)
    assert email.language == "en"
    assert Invitation.objects.get().language == "en"


def test_people_already_invited_are_not_invited_twice(meeting, people):
    invite(meeting, people["maire_henon"])

    sent = invite(meeting, people["maire_henon"], people["dgs_henon"])

    assert [i.contact for i in sent] == [people["dgs_henon"]]
    assert OutgoingEmail.objects.filter(to=people["maire_henon"].email).count() == 1
    with pytest.raises(ValidationError, match="déjà invitées"):
        invite(meeting, people["maire_henon"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Meeting.Status.CANCELLED}, "annulée"),
        ({"status": Meeting.Status.HELD}, "plus temps"),
        ({"starts_at_days": -3}, "plus temps"),
    ],
)
def test_nobody_is_invited_to_a_cancelled_held_or_past_meeting(meeting, people, change, message):
    if "starts_at_days" in change:
        meeting.starts_at = timezone.now() + timedelta(days=change["starts_at_days"])
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    else:
        meeting.status = change["status"]
    meeting.save()

    with pytest.raises(ValidationError, match=message):
        invite(meeting, people["maire_henon"])
    assert not Invitation.objects.exists()
    assert not OutgoingEmail.objects.exists()


# --- updates and cancellations ---------------------------------------------------------------


def test_a_rescheduled_meeting_sends_the_update_with_the_same_uid_and_a_higher_sequence(
    meeting, people, referent
):
    invite(meeting, people["maire_henon"], people["maire_brehand"], people["dgs_henon"])
    declined = Invitation.objects.get(contact=people["maire_brehand"])
    declined.response = Response.DECLINED
    declined.save()
    delegated = Invitation.objects.get(contact=people["dgs_henon"])
    delegated.response = Response.DELEGATED
    delegated.save()
    old_start = meeting.starts_at
    meeting.refresh_from_db()

    meeting_services.meeting_update(
        meeting=meeting,
        by=referent,
        starts_at=old_start + timedelta(days=2),
        ends_at=old_start + timedelta(days=2, hours=2),
        place="Mairie de Hénon",
    )

    updates = OutgoingEmail.objects.filter(kind="meetings.invitation_update")
    # Everyone still invited (declined included: the new date may suit them); not the one
    # who sent a colleague.
    assert sorted(e.to for e in updates) == sorted(
        [people["maire_henon"].email, people["maire_brehand"].email]
    )
    email = updates.get(to=people["maire_henon"].email)
    event = ics_of(email)
    assert event["X-METHOD"] == "REQUEST"
    assert str(event["UID"]) == event_uid(meeting.uid)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == old_start + timedelta(days=2)
    assert "Ce qui change :" in email.body_text
    assert "Date et heure :" in email.body_text and "au lieu de" in email.body_text
    assert "Lieu : Mairie de Hénon, 1 rue de la Mairie, 22400 Lamballe (au lieu de" in (
        email.body_text
    )
    assert "Vous aviez décliné" in updates.get(to=people["maire_brehand"].email).body_text
    invitation = Invitation.objects.get(contact=people["maire_henon"])
    assert invitation.email_message == email
    assert invitation.sent_sequence == 1


def test_a_cancelled_meeting_sends_a_cancel_with_the_reason(meeting, people, referent):
    invite(meeting, people["maire_henon"], people["maire_andel"])
    meeting.refresh_from_db()

    meeting_services.meeting_cancel(meeting=meeting, by=referent, reason="Salle indisponible.")

    cancels = OutgoingEmail.objects.filter(kind="meetings.invitation_cancel")
    assert cancels.count() == 2
    email = cancels.get(to=people["maire_henon"].email)
    event = ics_of(email)
    assert event["X-METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == event_uid(meeting.uid)
    assert int(event["SEQUENCE"]) == 1
    assert "Motif : Salle indisponible." in email.body_text
    assert email.subject.startswith("Réunion annulée : Le parapheur électronique")


def test_resending_writes_a_fresh_email_with_the_current_invitation(meeting, people, referent):
    (invitation,) = invite(meeting, people["maire_henon"])
    first = invitation.email_message

    email = invitation_resend(invitation=invitation, by=referent)

    invitation.refresh_from_db()
    assert email.pk != first.pk
    assert invitation.email_message == email
    assert email.to == first.to
    assert str(ics_of(email)["UID"]) == str(ics_of(first)["UID"])


# --- the referent's pages --------------------------------------------------------------------


def test_the_referent_chooses_by_function_previews_and_sends(client, meeting, people, referent):
    invite(meeting, people["maire_brehand"])
    client.force_login(referent)
    url = reverse("meetings:invitation_add", args=[meeting.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "Choisir les invités" in page.content.decode()

    preview = client.get(url, {"functions": ["maire", "delegue_numerique"]})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Vérifier la liste des invités" in html
    for person in ("maire_henon", "delegue_henon", "maire_brehand", "maire_andel"):
        assert people[person].email in html
    assert people["dgs_henon"].email not in html
    assert "Déjà invitée" in html  # Bréhand's maire, left aside
    assert "Envoyer les 3 invitations" in html
    assert OutgoingEmail.objects.count() == 1  # the preview sends nothing

    response = client.post(url, {"functions": ["maire", "delegue_numerique"]}, follow=True)

    assert response.redirect_chain[-1][0].endswith(
        reverse("meetings:detail", args=[meeting.pk]) + "#invitations"
    )
    assert "3 invitations partent par courriel" in response.content.decode()
    assert Invitation.objects.filter(meeting=meeting).count() == 4
    assert OutgoingEmail.objects.filter(kind="meetings.invitation").count() == 4


def test_a_contact_whose_address_is_invalid_is_left_aside_and_named_in_the_preview(
    client, meeting, people, referent, communes
):
    broken = ContactFactory(
        epci=referent.epci,
        first_name="Loïc",
        last_name="Hamon",
        function=F.MAIRE,
        email="loïc.hamon@22076.example.org",  # imported as typed: not an address
        communes=[communes["Hénon"]],
    )
    client.force_login(referent)
    url = reverse("meetings:invitation_add", args=[meeting.pk])

    preview = client.get(url, {"communes": [communes["Hénon"].pk], "functions": ["maire"]})
    html = preview.content.decode()
    assert "Adresse e-mail invalide : corrigez la fiche du contact" in html
    assert "Envoyer l'invitation<" in html  # Yves Morin only
    client.post(url, {"communes": [communes["Hénon"].pk], "functions": ["maire"]})

    assert [i.contact for i in Invitation.objects.all()] == [people["maire_henon"]]
    assert not OutgoingEmail.objects.filter(to=broken.email).exists()


def test_an_empty_choice_is_refused_and_a_failed_sending_keeps_the_choice(
    client, meeting, people, referent
):
    client.force_login(referent)
    url = reverse("meetings:invitation_add", args=[meeting.pk])

    empty = client.get(url, {"apercu": "1"})
    assert empty.status_code == 400
    assert "Choisissez au moins une commune" in empty.content.decode()

    invite(meeting, people["maire_henon"])
    again = client.post(url, {"contacts": [people["maire_henon"].pk]})
    assert again.status_code == 400
    html = again.content.decode()
    assert "les personnes choisies sont déjà invitées" in html
    assert f'value="{people["maire_henon"].pk}" selected' in html
    assert Invitation.objects.count() == 1


def test_the_invite_page_refuses_a_cancelled_meeting_clearly(client, meeting, referent):
    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    client.force_login(referent)

    response = client.get(reverse("meetings:invitation_add", args=[meeting.pk]))

    assert response.status_code == 409
    assert "La réunion est annulée : on ne peut plus y inviter." in response.content.decode()


def test_another_epcis_meeting_is_404_and_an_agent_gets_403(client, meeting, people, communes):
    (invitation,) = invite(meeting, people["maire_henon"])
    stranger = ReferentFactory()  # another EPCI
    client.force_login(stranger)
    for url, method in (
        (reverse("meetings:invitation_add", args=[meeting.pk]), client.get),
        (reverse("meetings:invitation_resend", args=[meeting.pk, invitation.pk]), client.post),
    ):
        assert method(url).status_code == 404
    client.force_login(agent_of(communes["Hénon"]))
    assert client.get(reverse("meetings:invitation_add", args=[meeting.pk])).status_code == 403
    assert OutgoingEmail.objects.count() == 1


def test_an_invitation_of_another_meeting_cannot_be_resent_through_this_one(
    client, meeting, referent
):
    other = InvitationFactory(meeting=MeetingFactory(created_by=referent))
    client.force_login(referent)

    response = client.post(reverse("meetings:invitation_resend", args=[meeting.pk, other.pk]))

    assert response.status_code == 404


def test_the_panel_shows_each_invitee_and_the_resend_button_works(
    client, meeting, people, referent
):
    invite(meeting, people["maire_henon"], people["maire_brehand"], people["dgs_henon"])
    Invitation.objects.filter(contact=people["maire_brehand"]).update(
        response=Response.ACCEPTED, responded_at=timezone.now()
    )
    sent = Invitation.objects.get(contact=people["dgs_henon"]).email_message
    sent.status = OutgoingEmail.Status.SENT
    sent.sent_at = timezone.now()
    sent.save()
    client.force_login(referent)

    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    html = page.content.decode()

    summary = page.context["invitation_summary"]
    assert summary == {
        "invited": 3,
        "delivered": 1,
        "accepted": 1,
        "declined": 0,
        "delegated": 0,
        "pending": 2,
    }
    assert "Jean Le Bihan" in html and "Accepte" in html and "Envoyé" in html
    assert "Directeur général des services" in html
    assert reverse("meetings:invitation_add", args=[meeting.pk]) in html

    invitation = Invitation.objects.get(contact=people["maire_henon"])
    resend_url = reverse("meetings:invitation_resend", args=[meeting.pk, invitation.pk])
    assert resend_url in html
    response = client.post(resend_url, follow=True)
    assert "L&#x27;invitation est renvoyée à Yves Morin" in response.content.decode()
    assert OutgoingEmail.objects.filter(to=invitation.email).count() == 2


@pytest.mark.parametrize("size", [2, 25])
def test_the_panel_costs_the_same_queries_whatever_the_number_of_invitees(
    django_assert_num_queries, client, referent, size
):
    meeting = MeetingFactory(created_by=referent)
    commune = CommuneFactory(epci=referent.epci)
    contacts = [ContactFactory(epci=referent.epci, communes=[commune]) for _ in range(size)]
    invite(meeting, *contacts)
    meeting = Meeting.objects.get(pk=meeting.pk)

    with django_assert_num_queries(1):
        panel = invitations_panel(meeting)
    assert len(panel["invitation_rows"]) == size


def test_the_meeting_page_costs_the_same_queries_with_3_or_30_invitees(client, referent):
    counts = []
    client.force_login(referent)
    for size in (3, 30):
        meeting = MeetingFactory(created_by=referent)
        commune = CommuneFactory(epci=referent.epci)
        invite(
            meeting, *[ContactFactory(epci=referent.epci, communes=[commune]) for _ in range(size)]
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
