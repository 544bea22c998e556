"""« Mon espace » for an agent serving two communes: invitations, trainings, attestations."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.invitations.tokens import invitation_signature
from meetings.models import Invitation
from tests.factories import CommuneFactory, ReferentFactory, agent_of
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.trainings.followup_helpers import held_session, seat, session_on
from trainings.models import Attestation

pytestmark = pytest.mark.django_db

SPACE = reverse("dashboard:agent_home")


@pytest.fixture
def referent():
    return ReferentFactory()


@pytest.fixture
def agent(referent):
    henon = CommuneFactory(epci=referent.epci, name="Hénon")
    andel = CommuneFactory(epci=referent.epci, name="Andel")
    return agent_of(henon, andel)


def test_the_agent_of_two_communes_finds_everything_in_one_place(client, referent, agent):
    contact = agent.contact
    meeting = MeetingFactory(created_by=referent, title="Présentation de l'archivage")
    invitation = InvitationFactory(meeting=meeting, contact=contact, email=contact.email)
    answered = MeetingFactory(created_by=referent, title="Réunion déjà répondue")
    InvitationFactory(
        meeting=answered,
        contact=contact,
        email=contact.email,
        response=Invitation.Response.ACCEPTED,
    )
    other = MeetingFactory(created_by=referent, title="Réunion d'un collègue")
    InvitationFactory(meeting=other)
    upcoming = session_on(referent, timezone.localdate() + timedelta(days=20), code="m1-marches")
    seat(upcoming, contact)
    past = held_session(referent, timezone.localdate() - timedelta(days=30), attendees=[contact])
    Attestation.objects.create(
        enrolment=past.enrolments.get(), number="ATT-2026-00001", issued_at=timezone.now()
    )
    client.force_login(agent)

    response = client.get(SPACE)

    page = response.content.decode()
    assert "Hénon" in page and "Andel" in page
    assert "Présentation de l&#x27;archivage" in page
    assert reverse("meetings:rsvp", args=[invitation_signature(invitation)]) in page
    assert "déjà répondue" not in page and "un collègue" not in page
    assert response.context["enrolments"][0].session == upcoming
    assert upcoming.module.title in page
    assert "Mon attestation de formation" in page
    assert reverse("trainings:my_attestations") in page
