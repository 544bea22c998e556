"""The .ics files of meetings and sessions: times in UTC, a well-formed organiser."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from referent_portal.ical import REQUEST, Person, ics_event, organizer
from tests.factories import ReferentFactory

PARIS = ZoneInfo("Europe/Paris")


def test_times_are_written_in_utc_so_no_timezone_definition_is_needed():
    content = ics_event(
        uid="meeting-1@portail.example",
        sequence=2,
        method=REQUEST,
        summary="Réunion",
        starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=PARIS),
        ends_at=datetime(2026, 12, 3, 16, 0, tzinfo=PARIS),
        organizer=Person("Claire Le Goff", "claire@epci.example.org"),
    ).decode()

    assert "DTSTART:20261203T130000Z" in content
    assert "TZID" not in content
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 14, 0, tzinfo=PARIS)


def test_an_organiser_without_an_address_is_the_portal_s_sender(db, settings):
    settings.DEFAULT_FROM_EMAIL = "Portail du référent <portail@epci.example.org>"
    referent = ReferentFactory(email="")

    assert organizer(referent) == Person("Portail du référent", "portail@epci.example.org")
