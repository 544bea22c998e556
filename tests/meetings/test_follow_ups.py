"""Follow-ups of a held meeting, and what they become: a request of a commune or a suggestion."""

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from communes.models import Service
from communes.suggestions.models import Suggestion
from meetings.attendance.services import (
    attendance_mark,
    follow_up_add,
    follow_up_to_request,
    follow_up_to_suggestion,
)
from meetings.models import FollowUp
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Category, Request
from tests.factories import CommuneFactory
from tests.meetings.attendance_territory import *  # noqa: F403 (fixtures)
from tests.meetings.attendance_territory import MEETING_START

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def words_of(page: str) -> str:
    """The page's text as a person reads it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def held(meeting, invitees, referent):
    attendance_mark(invitation=invitees["rault"], attended=True, by=referent)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def logged_in(client, referent):
    client.force_login(referent)
    return client


@pytest.fixture
def follow_up(held, referent, communes):
    return follow_up_add(
        meeting=held,
        by=referent,
        commune=communes["Hénon"],
        text="Hénon souhaite une formation au parapheur pour ses deux secrétaires.",
    )


def test_a_follow_up_is_noted_from_the_meeting_page(logged_in, held, communes):
    response = logged_in.post(
        reverse("meetings:follow_up_add", args=[held.pk]),
        {"commune": communes["Bréhand"].pk, "text": "  Rappeler le maire de Bréhand.  "},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#suites-titre")
    follow_up = FollowUp.objects.get()
    assert (follow_up.meeting, follow_up.commune, follow_up.text) == (
        held,
        communes["Bréhand"],
        "Rappeler le maire de Bréhand.",
    )
    page = text_of(logged_in.get(response["Location"]))
    assert "La suite à donner est notée." in page
    assert "En faire une demande de la commune" in page


def test_an_empty_follow_up_is_refused_and_the_commune_kept(logged_in, held, communes):
    response = logged_in.post(
        reverse("meetings:follow_up_add", args=[held.pk]),
        {"commune": communes["Bréhand"].pk, "text": "   "},
    )

    assert response.status_code == 400
    page = text_of(response)
    assert "La suite n'est pas notée." in page
    assert f'<option value="{communes["Bréhand"].pk}" selected>' in page
    assert not FollowUp.objects.exists()


def test_no_follow_up_before_the_meeting(meeting, referent):
    with freeze_time(MEETING_START - timedelta(days=1)), pytest.raises(ValidationError):
        follow_up_add(meeting=meeting, by=referent, text="Trop tôt")

    assert not FollowUp.objects.exists()


def test_a_follow_up_for_a_commune_of_another_epci_is_refused(held, referent):
    with pytest.raises(ValidationError):
        follow_up_add(
            meeting=held, by=referent, text="X", commune=CommuneFactory(insee_code="22050")
        )


# --- into a request ------------------------------------------------------------------------


def test_a_follow_up_becomes_a_request_of_its_commune_that_says_where_it_comes_from(
    logged_in, held, follow_up, communes, referent
):
    url = reverse("meetings:follow_up_request", args=[held.pk, follow_up.pk])
    form = text_of(logged_in.get(url))
    assert "Hénon souhaite une formation au parapheur" in form  # pre-filled

    response = logged_in.post(
        url,
        {
            "category": Category.USAGE,
            "subject": "Formation au parapheur",
            "description": "Deux secrétaires à former.",
        },
    )

    request = Request.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests_relay:detail", args=[request.reference])
    assert request.reference.startswith("DEM-2026-")
    assert (request.commune, request.category, request.submitted_by) == (
        communes["Hénon"],
        Category.USAGE,
        referent,
    )
    assert request.description == (
        "Deux secrétaires à former.\n\nDemande enregistrée par le référent à la suite de la "
        "réunion « Le parapheur électronique en pratique » du 12/03/2026."
    )
    follow_up.refresh_from_db()
    assert follow_up.request == request
    page = text_of(logged_in.get(reverse("meetings:detail", args=[held.pk])))
    assert f"Devenue la demande {request.reference} — Nouvelle" in words_of(page)


def test_a_follow_up_is_converted_once(logged_in, held, follow_up, referent):
    follow_up_to_request(
        follow_up=follow_up, by=referent, category=Category.OTHER, subject="S", description="D"
    )

    with pytest.raises(ValidationError) as error:
        follow_up_to_suggestion(follow_up=follow_up, by=referent, title="T", body="B")
    with pytest.raises(ValidationError):
        follow_up_to_request(
            follow_up=follow_up, by=referent, category=Category.OTHER, subject="S", description="D"
        )
    response = logged_in.post(
        reverse("meetings:follow_up_request", args=[held.pk, follow_up.pk]),
        {"category": Category.OTHER, "subject": "Encore", "description": "Encore"},
    )

    assert error.value.code == "already_converted"
    assert response.status_code == 302
    assert Request.objects.count() == 1
    assert not Suggestion.objects.exists()


def test_a_membership_request_without_a_service_is_refused_and_keeps_the_input(
    logged_in, held, follow_up
):
    response = logged_in.post(
        reverse("meetings:follow_up_request", args=[held.pk, follow_up.pk]),
        {"category": Category.MEMBERSHIP, "subject": "Adhésion", "description": "Au parapheur"},
    )

    assert response.status_code == 400
    page = text_of(response)
    assert "Une demande d'adhésion précise le service." in page
    assert 'value="Adhésion"' in page
    assert not Request.objects.exists()
    follow_up.refresh_from_db()
    assert follow_up.request is None


def test_a_follow_up_without_a_commune_asks_for_one_when_converted(
    logged_in, held, referent, communes
):
    follow_up = follow_up_add(meeting=held, by=referent, text="Diffuser le guide aux mairies")
    url = reverse("meetings:follow_up_request", args=[held.pk, follow_up.pk])
    data = {"category": Category.OTHER, "subject": "Guide", "description": "Le guide"}

    refused = logged_in.post(url, data)
    response = logged_in.post(url, {**data, "commune": communes["Plédéliac"].pk})

    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in text_of(refused)
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.commune == communes["Plédéliac"]
    assert follow_up.request.commune == communes["Plédéliac"]


# --- into a suggestion ---------------------------------------------------------------------


def test_a_follow_up_becomes_a_suggestion_sent_to_the_communes_agents(
    logged_in, held, follow_up, communes, agent
):
    parapheur = Service.objects.get(code="parapheur")

    response = logged_in.post(
        reverse("meetings:follow_up_suggestion", args=[held.pk, follow_up.pk]),
        {"title": "Former vos secrétaires", "body": "Le module 2.", "service": parapheur.pk},
    )

    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert (suggestion.commune, suggestion.service, suggestion.status) == (
        communes["Hénon"],
        parapheur,
        Suggestion.Status.SENT,
    )
    follow_up.refresh_from_db()
    assert follow_up.suggestion == suggestion
    assert OutgoingEmail.objects.filter(kind="suggestions.sent", to=agent.email).exists()
    page = text_of(logged_in.get(response["Location"]))
    assert "La suggestion « Former vos secrétaires » est envoyée à Hénon." in page
    assert "Devenue la suggestion « Former vos secrétaires »" in page


def test_a_follow_up_of_another_meeting_answers_404(logged_in, held, follow_up, referent):
    other = held.__class__.objects.create(
        epci=held.epci,
        title="Autre",
        starts_at=held.starts_at,
        ends_at=held.ends_at,
        created_by=referent,
        place="Ailleurs",
    )

    response = logged_in.get(reverse("meetings:follow_up_request", args=[other.pk, follow_up.pk]))

    assert response.status_code == 404
