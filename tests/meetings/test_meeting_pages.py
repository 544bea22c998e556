"""The referent's meeting pages: create, edit, list, calendar, cancel, documents, scoping."""

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Category
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def local(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(
        day, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    ).replace(hour=hour)


def form_data(**overrides) -> dict:
    data = {
        "kind": "information",
        "title": "Présentation du parapheur électronique",
        "topic": "Signer les délibérations",
        "service": "",
        "network": "",
        "description": "1. Démonstration\n2. Questions",
        "starts_at": local(10, 14).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(10, 16).strftime("%Y-%m-%dT%H:%M"),
        "place": "Salle du conseil",
        "address": "",
        "host_commune": "",
        "video_url": "",
        "capacity": "40",
        "reminder_days": "7, 1",
        "chase_days": "5",
        "chase_staff": "on",
    }
    return {**data, **overrides}


@pytest.fixture
def referent():
    return ReferentFactory()


@pytest.fixture
def commune(referent):
    return CommuneFactory(epci=referent.epci, name="Plénée-Jugon")


def test_the_referent_creates_a_draft_meeting(client, referent, commune):
    client.force_login(referent)

    response = client.post(
        reverse("meetings:create"), form_data(host_commune=str(commune.pk)), follow=True
    )

    meeting = Meeting.objects.get()
    assert response.redirect_chain[-1][0] == reverse("meetings:detail", args=[meeting.pk])
    assert meeting.status == Meeting.Status.DRAFT
    assert meeting.epci == referent.epci
    assert meeting.reminder_days == [7, 1]
    assert timezone.localtime(meeting.starts_at).hour == 14
    page = response.content.decode()
    assert "Présentation du parapheur électronique" in page
    assert "brouillon" in page
    assert OutgoingEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": local(10, 13).strftime("%Y-%m-%dT%H:%M")}, "ends_at", "La fin doit suivre"),
        (
            {
                "starts_at": local(-2, 9).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": local(-2, 10).strftime("%Y-%m-%dT%H:%M"),
            },
            "starts_at",
            "déjà passée",
        ),
        ({"place": ""}, "place", "Indiquez un lieu"),
        ({"kind": "network"}, "network", "Choisissez le réseau"),
        ({"reminder_days": "7, demain"}, "reminder_days", "entre 1 et 60"),
    ],
)
def test_a_wrong_meeting_is_refused_with_what_was_typed_kept(
    client, referent, overrides, field, message
):
    client.force_login(referent)

    response = client.post(reverse("meetings:create"), form_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Présentation du parapheur électronique"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_meeting_request_becomes_a_meeting_in_one_step(client, referent, commune):
    agent = agent_of(commune)
    request = request_of(
        agent,
        category=Category.MEETING,
        subject="Réunion sur l'archivage électronique",
        description="Les élus veulent comprendre le service d'archivage.",
    )
    client.force_login(referent)
    create_url = reverse("meetings:create") + f"?demande={request.reference}"
    request_page = client.get(reverse("requests_relay:detail", args=[request.reference]))
    assert f'href="{create_url}"' in request_page.content.decode()

    page = client.get(create_url)
    assert page.context["form"].initial["host_commune"] == commune
    assert "sur l&#x27;archivage électronique" in page.content.decode()
    client.post(create_url, form_data(title="Réunion sur l'archivage électronique"))

    meeting = Meeting.objects.get()
    assert meeting.request == request
    assert commune.timeline.filter(kind="meeting").exists()
    # The commune reads it in its request, and is told by e-mail.
    assert "prépare une réunion pour répondre à votre demande" in request.messages.get().body
    assert OutgoingEmail.objects.filter(to=agent.email, kind="requests.message").exists()
    detail = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert request.reference in detail
    request_page = client.get(reverse("requests_relay:detail", args=[request.reference]))
    assert "Prévoir une autre réunion" in request_page.content.decode()


def test_a_request_of_another_epci_cannot_seed_a_meeting(client, referent):
    other = CommuneFactory(epci=EpciFactory())
    request = request_of(agent_of(other), category=Category.MEETING)
    client.force_login(referent)

    response = client.get(reverse("meetings:create") + f"?demande={request.reference}")

    assert response.status_code == 404


def test_editing_a_draft_sends_nothing(client, referent):
    meeting = MeetingFactory(created_by=referent, status=Meeting.Status.DRAFT)
    client.force_login(referent)

    client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        form_data(
            title=meeting.title,
            starts_at=local(12, 9).strftime("%Y-%m-%dT%H:%M"),
            ends_at=local(12, 11).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at).hour == 9
    assert meeting.sequence == 0
    assert OutgoingEmail.objects.count() == 0


def test_a_held_meeting_cannot_be_edited(client, referent):
    meeting = MeetingFactory(created_by=referent, status=Meeting.Status.HELD)
    client.force_login(referent)

    response = client.get(reverse("meetings:edit", args=[meeting.pk]), follow=True)

    assert "ne peut plus être modifiée" in response.content.decode()


def test_lists_split_upcoming_and_past(client, referent):
    upcoming = MeetingFactory(created_by=referent, title="Réunion de décembre")
    past = MeetingFactory(
        created_by=referent,
        title="Réunion de septembre",
        starts_at=timezone.now() - timedelta(days=60),
        ends_at=timezone.now() - timedelta(days=60) + timedelta(hours=2),
        status=Meeting.Status.HELD,
    )
    MeetingFactory(title="Réunion d'un autre EPCI")
    client.force_login(referent)

    upcoming_page = client.get(reverse("meetings:list")).content.decode()
    past_page = client.get(reverse("meetings:past")).content.decode()

    assert upcoming.title in upcoming_page and past.title not in upcoming_page
    assert past.title in past_page and upcoming.title not in past_page
    assert "autre EPCI" not in upcoming_page + past_page


def test_the_calendar_shows_the_month_of_each_meeting(client, referent):
    meeting = MeetingFactory(created_by=referent, title="Réunion du réseau des secrétaires")
    month = timezone.localtime(meeting.starts_at).strftime("%Y-%m")
    client.force_login(referent)

    shown = client.get(reverse("meetings:calendar") + f"?mois={month}").content.decode()
    other_month = client.get(reverse("meetings:calendar") + "?mois=2020-01").content.decode()
    bad_month = client.get(reverse("meetings:calendar") + "?mois=demain")

    assert meeting.title in shown
    assert meeting.title not in other_month
    assert bad_month.status_code == 200


def test_cancelling_a_draft_sends_nothing_and_keeps_the_record(client, referent):
    meeting = MeetingFactory(created_by=referent, status=Meeting.Status.DRAFT)
    client.force_login(referent)

    client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "Salle indisponible"})

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.cancel_reason == "Salle indisponible"
    assert OutgoingEmail.objects.count() == 0
    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Salle indisponible" in page


def test_documents_are_added_and_downloaded(client, referent):
    meeting = MeetingFactory(created_by=referent)
    client.force_login(referent)

    client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Diaporama", "file": SimpleUploadedFile("diaporama.pdf", b"%PDF-1.4 slides")},
    )
    document = meeting.documents.get()
    response = client.get(reverse("meetings:document", args=[meeting.pk, document.pk]))

    assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"
    assert "attachment" in response["Content-Disposition"]


def test_a_document_of_a_refused_type_is_not_kept(client, referent):
    meeting = MeetingFactory(created_by=referent)
    client.force_login(referent)

    response = client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Script", "file": SimpleUploadedFile("script.exe", b"MZ")},
    )

    assert response.status_code == 400
    assert "type de fichier" in response.content.decode()
    assert 'value="Script"' in response.content.decode()
    assert not meeting.documents.exists()


@pytest.mark.parametrize("name", ["detail", "edit", "cancel"])
def test_a_meeting_of_another_epci_is_a_404(client, referent, name):
    meeting = MeetingFactory()
    client.force_login(referent)

    assert client.get(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404


def test_agents_do_not_reach_the_referent_pages(client, commune):
    client.force_login(agent_of(commune))

    assert client.get(reverse("meetings:list")).status_code == 403
    assert client.get(reverse("meetings:create")).status_code == 403


def test_a_commune_page_lists_its_meetings_with_its_own_counts(client, referent, commune):
    from tests.meetings.factories import InvitationFactory

    neighbour = CommuneFactory(epci=referent.epci, name="Jugon-les-Lacs")
    meeting = MeetingFactory(created_by=referent, title="Réunion sur la signature électronique")
    InvitationFactory(meeting=meeting, commune=commune)
    InvitationFactory(meeting=meeting, commune=commune)
    InvitationFactory(meeting=meeting, commune=neighbour)
    MeetingFactory(
        created_by=referent,
        title="Brouillon invisible",
        host_commune=commune,
        status=Meeting.Status.DRAFT,
    )
    client.force_login(referent)

    page = client.get(reverse("communes:detail", args=[commune.insee_code]))
    other = client.get(
        reverse("communes:detail", args=[CommuneFactory(epci=referent.epci).insee_code])
    )

    section = page.context["commune_meetings"]
    assert [(m.title, m.commune_invited) for m in section] == [(meeting.title, 2)]
    assert "Réunion sur la signature électronique" in page.content.decode()
    assert "Réunion sur la signature" not in other.content.decode()


def test_a_network_page_lists_its_meetings_and_prepares_the_next(client, referent):
    from communes.models import Network

    network = Network.objects.create(epci=referent.epci, name="Réseau des secrétaires")
    MeetingFactory(
        created_by=referent, title="Rencontre du réseau", kind="network", network=network
    )
    client.force_login(referent)

    page = client.get(reverse("communes:network_detail", args=[network.pk])).content.decode()
    form = client.get(reverse("meetings:create") + f"?reseau={network.pk}")

    assert "Rencontre du réseau" in page
    assert form.context["form"].initial["network"] == network
    assert form.context["form"].initial["kind"] == Meeting.Kind.NETWORK


def test_no_document_is_added_to_a_cancelled_meeting(client, referent):
    meeting = MeetingFactory(created_by=referent, status=Meeting.Status.CANCELLED)
    client.force_login(referent)

    response = client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Diaporama", "file": SimpleUploadedFile("diaporama.pdf", b"%PDF-1.4")},
    )

    assert response.status_code == 400
    assert "La réunion est annulée." in response.content.decode()
    assert not meeting.documents.exists()
