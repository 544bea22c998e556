"""A meeting of today, at 14:00 in Lamballe, and its invitees: the attendance tests' world.

Imported by tests/meetings/test_attendance*.py, test_minutes*.py and test_follow_ups*.py
(`from tests.meetings.attendance_territory import *`): fixtures, not tests.

Time is frozen at midday (Europe/Paris) on 12 March 2026, the meeting's day, unless a test
moves it: near midnight a calendar-day rule would otherwise depend on when the suite runs.
"""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from meetings.models import Invitation, Meeting
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of
from tests.meetings.factories import InvitationFactory, MeetingFactory

Response = Invitation.Response
# The meeting, 14:00–16:00 in Paris (UTC+1 in March before the change of time), and the time
# the tests run at: half an hour into it.
MEETING_START = datetime(2026, 3, 12, 13, 0, tzinfo=UTC)
DURING = MEETING_START + timedelta(minutes=30)


@pytest.fixture
def frozen():
    with freeze_time(DURING) as clock:
        yield clock


@pytest.fixture
def epci():
    return EpciFactory(name="CA Lamballe Terre et Mer", siren="200069391")


@pytest.fixture
def referent(epci):
    return ReferentFactory(
        epci=epci,
        username="maelle.legoff",
        first_name="Maëlle",
        last_name="Le Goff",
        email="referent@lamballe-terre-mer.example.org",
    )


@pytest.fixture
def communes(epci):
    """Created out of alphabetical order: the pages and the sheet sort them."""
    return {
        name: CommuneFactory(epci=epci, name=name, insee_code=code)
        for name, code in [
            ("Plédéliac", "22176"),
            ("Hénon", "22076"),
            ("Bréhand", "22020"),
            ("Andel", "22002"),
        ]
    }


@pytest.fixture
def meeting(frozen, referent, communes):
    return MeetingFactory(
        created_by=referent,
        title="Le parapheur électronique en pratique",
        starts_at=MEETING_START,
        ends_at=MEETING_START + timedelta(hours=2),
        place="Salle du conseil",
        host_commune=communes["Hénon"],
        status=Meeting.Status.SCHEDULED,
    )


def invite(meeting, name, commune=None, **fields):
    return InvitationFactory(
        meeting=meeting,
        name=name,
        commune=commune,
        email=fields.pop("email", f"{name.lower().replace(' ', '.')}@mairie.example.org"),
        **fields,
    )


@pytest.fixture
def invitees(meeting, communes):
    """Who was invited and what they answered."""
    henon, brehand, pledeliac = communes["Hénon"], communes["Bréhand"], communes["Plédéliac"]
    delegating = invite(
        meeting, "Denise Hamon", brehand, function="Adjointe au maire", response=Response.DELEGATED
    )
    return {
        "rault": invite(meeting, "Anne Rault", henon, function="Maire", response=Response.ACCEPTED),
        "le_gall": invite(meeting, "Bruno Le Gall", henon, function="Secrétaire de mairie"),
        "morin": invite(
            meeting, "Claude Morin", brehand, function="Maire", response=Response.DECLINED
        ),
        "hamon": delegating,
        "tanguy": invite(
            meeting,
            "Eric Tanguy",
            brehand,
            function="Conseiller délégué au numérique",
            response=Response.ACCEPTED,
            delegated_from=delegating,
        ),
        "guillou": invite(
            meeting,
            "Fanny Guillou",
            pledeliac,
            function="DGS",
            response=Response.ACCEPTED,
            language="en",
        ),
        "sans_adresse": invite(
            meeting, "Gilles Sans Adresse", pledeliac, function="Maire", email=""
        ),
        "president": invite(
            meeting,
            "Gaël Le Goff",
            None,
            function="Président de l'EPCI",
            response=Response.ACCEPTED,
            email="president@lamballe-terre-mer.example.org",
        ),
    }


@pytest.fixture
def other_meeting(frozen):
    """A meeting of another EPCI, on the same day."""
    meeting = MeetingFactory(
        title="Réunion d'un autre EPCI",
        starts_at=MEETING_START,
        ends_at=MEETING_START + timedelta(hours=2),
    )
    other_commune = CommuneFactory(epci=meeting.epci, name="Dinan", insee_code="22050")
    invite(meeting, "Hélène Autre", other_commune, response=Response.ACCEPTED)
    return meeting


@pytest.fixture
def agent(communes):
    return agent_of(communes["Hénon"], username="anne.agent", first_name="Anne", last_name="Agent")


__all__ = [
    "DURING",
    "MEETING_START",
    "Response",
    "agent",
    "communes",
    "epci",
    "frozen",
    "invite",
    "invitees",
    "meeting",
    "other_meeting",
    "referent",
]
