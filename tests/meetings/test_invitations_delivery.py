"""Invitations as the invitees' mail servers receive them: a real Celery worker on Redis sends
each through a real SMTP server (aiosmtpd); calendars parse the .ics."""

from datetime import timedelta

import icalendar
import pytest

from meetings import services as meeting_services
from meetings.models import Invitation
from referent_portal.ical import event_uid
from referent_portal.outbox.models import OutgoingEmail
from tests.fixtures_delivery import wait_until
from tests.meetings.invitations_territory import *  # noqa: F403
from tests.meetings.invitations_territory import invite

pytestmark = pytest.mark.django_db(transaction=True)


def calendar_of(received) -> icalendar.Calendar:
    (part,) = [a for a in received.attachments if a.get_content_type() == "text/calendar"]
    assert part.get_param("method") in ("REQUEST", "CANCEL")
    return icalendar.Calendar.from_ical(part.get_content())


def by_recipient(messages) -> dict[str, object]:
    result = {}
    for received in messages:
        # One recipient per message, named in To: never a list, never a Bcc.
        assert len(received.rcpt_tos) == 1
        assert received.message["To"] == received.rcpt_tos[0]
        assert received.message["Bcc"] is None
        result[received.rcpt_tos[0]] = received
    return result


def test_each_invitee_receives_their_own_invitation_then_the_update_then_the_cancel(
    celery_worker, smtp_server, meeting, people, referent
):
    invited = [people["maire_henon"], people["maire_brehand"], people["maire_andel"]]
    invite(meeting, *invited)

    first = by_recipient(smtp_server.expect_exactly(3, timeout=20))
    assert set(first) == {person.email for person in invited}
    uid = event_uid(meeting.uid)
    for person in invited:
        calendar = calendar_of(first[person.email])
        event = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) == 0
        assert str(event["ATTENDEE"]) == f"mailto:{person.email}"
        assert str(event["ORGANIZER"]) == f"mailto:{referent.email}"
    henon = first[people["maire_henon"].email]
    assert "Le parapheur électronique" in henon.subject
    assert "/reunions/invitation/" in henon.text
    # Each person's links are their own.
    assert henon.text.split("/reunions/invitation/")[1][:40] not in (
        first[people["maire_brehand"].email].text
    )
    wait_until(lambda: OutgoingEmail.objects.filter(status="sent").count() == 3)

    # Moved by two days: the update, same UID, SEQUENCE 1.
    smtp_server.clear()
    meeting.refresh_from_db()
    meeting_services.meeting_update(
        meeting=meeting,
        by=referent,
        starts_at=meeting.starts_at + timedelta(days=2),
        ends_at=meeting.ends_at + timedelta(days=2),
    )
    updates = by_recipient(smtp_server.expect_exactly(3, timeout=20))
    for person in invited:
        calendar = calendar_of(updates[person.email])
        event = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) == 1
    assert "Ce qui change" in updates[people["maire_henon"].email].text

    # Cancelled: METHOD:CANCEL, same UID, a higher SEQUENCE again.
    smtp_server.clear()
    meeting.refresh_from_db()
    meeting_services.meeting_cancel(meeting=meeting, by=referent, reason="Intempéries.")
    cancels = by_recipient(smtp_server.expect_exactly(3, timeout=20))
    for person in invited:
        calendar = calendar_of(cancels[person.email])
        event = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) == 2
    assert "Intempéries." in cancels[people["maire_henon"].email].text
    wait_until(
        lambda: all(
            i.email_message.status == "sent"
            for i in Invitation.objects.select_related("email_message")
        )
    )
