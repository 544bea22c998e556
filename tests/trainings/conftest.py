"""A small territory for the trainings: one EPCI, two communes, their agents, a referent."""

import icalendar
import pytest

from communes.models import Contact
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory, agent_of


def plain_agent(*communes, **kwargs):
    """An agent with an account, whose function is « agent » (enrols nobody but themselves)."""
    user = agent_of(*communes, **kwargs)
    Contact.objects.filter(user=user).update(function=Contact.Function.AGENT)
    user.refresh_from_db()
    return user


def secretary(*communes, **kwargs):
    """A secrétaire de mairie with an account: enrols the agents of her communes."""
    user = agent_of(*communes, **kwargs)
    Contact.objects.filter(user=user).update(function=Contact.Function.SECRETAIRE)
    user.refresh_from_db()
    return user


def mails(kind=None, to=None):
    emails = OutgoingEmail.objects.order_by("pk")
    if kind:
        emails = emails.filter(kind=kind)
    if to:
        emails = emails.filter(to=to)
    return list(emails)


def calendar_of(email: OutgoingEmail) -> icalendar.Event:
    """The VEVENT of an outbox e-mail's .ics attachment, with the calendar's METHOD on it."""
    (attachment,) = email.attachments.all()
    calendar = icalendar.Calendar.from_ical(bytes(attachment.content))
    (event,) = calendar.walk("VEVENT")
    event.method = str(calendar["METHOD"])
    event.mimetype = attachment.mimetype
    return event


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Morgane", last_name="Le Bihan")


@pytest.fixture
def commune(epci):
    return CommuneFactory(epci=epci, name="Hénon")


@pytest.fixture
def other_commune(epci):
    return CommuneFactory(epci=epci, name="Plédéliac")


@pytest.fixture
def agent_a(commune):
    return plain_agent(commune, first_name="Anne", last_name="Aubry", username="anne")


@pytest.fixture
def agent_b(commune):
    return plain_agent(commune, first_name="Bruno", last_name="Bellec", username="bruno")


@pytest.fixture
def agent_c(other_commune):
    return plain_agent(other_commune, first_name="Chloé", last_name="Corre", username="chloe")


@pytest.fixture
def contact_without_account(epci, commune):
    return ContactFactory(
        epci=epci,
        communes=[commune],
        first_name="Denis",
        last_name="Dagorn",
        function=Contact.Function.COMPTABLE,
    )
