"""Helpers of the outbox tests."""

from datetime import date

from referent_portal.outbox.secrets import reveal
from referent_portal.outbox.services import Attachment, email_queue

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//outbox//FR\r\nEND:VCALENDAR\r\n"


def queue_example(**overrides):
    """One message of the example template (templates/outbox/email/example*)."""
    arguments = {
        "to": "secretariat@mairie-plouha.example.org",
        "template": "outbox/email/example",
        "context": {"name": "Mme Le Goff", "when": date(2026, 11, 28)},
        "kind": "tests.example",
        "language": "fr",
        "attachments": [Attachment("reunion.ics", ICS, "text/calendar")],
    }
    return email_queue(**(arguments | overrides))


def sent_text(email) -> str:
    """The text body as the recipient gets it: personal links made now (the row has none)."""
    return reveal(email)[0]


def sent_html(email) -> str:
    return reveal(email)[1]
