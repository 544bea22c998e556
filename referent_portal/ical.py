"""iCalendar (RFC 5545 / iTIP RFC 5546) invitations for meetings and training sessions.

One event per file, sent as an attachment of an outbox e-mail. The UID stays the same for the
life of the event; SEQUENCE goes up at each change sent, so calendars replace the old copy;
METHOD:CANCEL with STATUS:CANCELLED removes it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import DNS_NAME
from django.utils import timezone

from .outbox.services import Attachment

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"

# Mail clients show "Accept / Decline" buttons for text/calendar with the method parameter.
MIMETYPES = {method: f"text/calendar; method={method}" for method in (REQUEST, CANCEL, PUBLISH)}


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def event_uid(key: object, kind: str = "meeting") -> str:
    """A UID that is globally unique and stable: <kind>-<key>@<the portal's mail domain>."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or str(DNS_NAME)
    return f"{kind}-{key}@{domain}"


def organizer(user) -> Person:
    """The organiser of an event: the referent who runs it, or the portal's sender address."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if user is not None and user.email:
        return Person(user.get_full_name() or user.username, user.email)
    return Person(name or settings.PORTAL_NAME, address)


def _address(person: Person, **params) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = icalendar.vText(person.name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = value
    return address


def ics_event(
    *,
    uid: str,
    sequence: int,
    method: str,
    summary: str,
    starts_at: datetime,
    ends_at: datetime,
    organizer: Person,
    attendee: Person | None = None,
    partstat: str = "NEEDS-ACTION",
    description: str = "",
    location: str = "",
    url: str = "",
) -> bytes:
    """The .ics file of one event for one attendee (each invitee gets their own copy)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.PORTAL_NAME}//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    # In UTC: a TZID would need its VTIMEZONE in the file, which some calendars require.
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    event["organizer"] = _address(organizer)
    if attendee is not None:
        event.add(
            "attendee",
            _address(attendee, partstat=partstat, rsvp="TRUE", role="REQ-PARTICIPANT"),
        )
    calendar.add_component(event)
    return calendar.to_ical()


def ics_attachment(content: bytes, *, method: str, filename: str = "invitation.ics") -> Attachment:
    return Attachment(filename=filename, content=content, mimetype=MIMETYPES[method])
