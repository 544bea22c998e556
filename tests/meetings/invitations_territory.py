"""The invitations tests' world: an EPCI, its referent, three communes and their people.

Imported by tests/meetings/test_invitations*.py, test_rsvp*.py and test_reminders*.py
(`from tests.meetings.invitations_territory import *`): fixtures and helpers, not tests.
"""

import re
import unicodedata
from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from communes.models import Contact
from meetings.audience import audience_recipients
from meetings.invitations.services import invitations_send
from meetings.models import Meeting
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory
from tests.meetings.factories import MeetingFactory

F = Contact.Function


def ascii(name: str) -> str:
    """« Le Bihan » → « lebihan », « Kerhervé » → « kerherve »: an address's local part."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


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
    return {
        name: CommuneFactory(epci=epci, name=name, insee_code=code)
        for name, code in [("Hénon", "22076"), ("Bréhand", "22020"), ("Andel", "22002")]
    }


@pytest.fixture
def people(epci, communes):
    """Élus and staff; Andel's maire reads English; Bréhand has no secretariat."""

    def person(first, last, function, commune, **extra):
        return ContactFactory(
            epci=epci,
            first_name=first,
            last_name=last,
            function=function,
            email=f"{ascii(first)}.{ascii(last)}@{commune.insee_code}.example.org",
            communes=[commune],
            **extra,
        )

    return {
        "maire_henon": person("Yves", "Morin", F.MAIRE, communes["Hénon"]),
        "delegue_henon": person("Lena", "Kerhervé", F.DELEGUE_NUMERIQUE, communes["Hénon"]),
        "dgs_henon": person("Paul", "Rault", F.DGS, communes["Hénon"]),
        "secretaire_henon": person("Anne", "Briand", F.SECRETAIRE, communes["Hénon"]),
        "maire_brehand": person("Jean", "Le Bihan", F.MAIRE, communes["Bréhand"]),
        "maire_andel": person("Mary", "Smith", F.MAIRE, communes["Andel"], language="en"),
    }


@pytest.fixture
def meeting(referent):
    start = (timezone.localtime() + timedelta(days=20)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    return MeetingFactory(
        created_by=referent,
        title="Le parapheur électronique",
        description="1. Démonstration\n2. Questions des communes",
        place="Salle du conseil",
        address="1 rue de la Mairie\n22400 Lamballe",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=Meeting.Status.DRAFT,
    )


def invite(meeting, *contacts, by=None):
    """Invite these contacts through the service, as the invite page does."""
    recipients = audience_recipients(meeting.epci, contacts=contacts)
    return invitations_send(meeting=meeting, recipients=recipients, by=by or meeting.created_by)


def ics_of(email: OutgoingEmail) -> icalendar.Event:
    """The VEVENT of an outbox e-mail's .ics (its calendar's METHOD as event['X-METHOD'])."""
    attachment = email.attachments.get(mimetype__startswith="text/calendar")
    calendar = icalendar.Calendar.from_ical(bytes(attachment.content))
    event = calendar.walk("VEVENT")[0]
    event["X-METHOD"] = str(calendar["METHOD"])
    return event


def link_in(text: str, name: str) -> str:
    """The path of one of the signed links in an e-mail: page, accept, decline, delegate."""
    suffix = {"page": "", "accept": "accepter/", "decline": "decliner/", "delegate": "remplacant/"}
    match = re.search(
        r"http://testserver(/reunions/invitation/[^/\s]+/" + re.escape(suffix[name]) + r")(?=\s)",
        text,
    )
    assert match, f"no {name} link in:\n{text}"
    return match.group(1)
