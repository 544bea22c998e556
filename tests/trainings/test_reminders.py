"""Reminders before a session: at each of its reminder days, once each, to the enrolled only.

Days are Europe/Paris calendar days; the clock is frozen at midday.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tests.trainings.conftest import mails
from tests.trainings.factories import TrainingSessionFactory
from trainings.models import EnrolmentReminder, TrainingSession
from trainings.services import enrolment_create, enrolment_send_reminders, session_cancel

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def at(day: str):
    return freeze_time(f"{day} 12:00:00+01:00")


@pytest.fixture
def session(referent):
    with at("2026-11-30"):
        return TrainingSessionFactory(
            created_by=referent,
            starts_at=datetime(2026, 12, 14, 9, 30, tzinfo=PARIS),
            ends_at=datetime(2026, 12, 14, 12, 30, tzinfo=PARIS),
            registration_deadline=date(2026, 12, 11),
            capacity=2,
            reminder_days=[7, 1],
        )


@pytest.fixture
def enrolled(session, agent_a, agent_b, agent_c):
    """Anne and Bruno hold the two seats; Chloé waits."""
    with at("2026-11-30"):
        for agent in (agent_a, agent_b, agent_c):
            enrolment_create(session=session, contact=agent.contact, by=agent)


def reminders():
    return sorted(m.to for m in mails("trainings.reminder"))


def test_each_reminder_goes_once_to_each_enrolled_person(session, enrolled, agent_a, agent_b):
    with at("2026-12-06"):
        assert enrolment_send_reminders() == 0
    with at("2026-12-07"):
        assert enrolment_send_reminders() == 2
        assert enrolment_send_reminders() == 0
    with at("2026-12-08"):
        assert enrolment_send_reminders() == 0
    assert reminders() == sorted([agent_a.contact.email, agent_b.contact.email])
    (email, _) = mails("trainings.reminder")
    assert "dans 7 jours" in email.subject

    with at("2026-12-13"):
        assert enrolment_send_reminders() == 2
        assert enrolment_send_reminders() == 0
    assert len(reminders()) == 4
    assert "demain" in mails("trainings.reminder")[-1].subject
    assert set(EnrolmentReminder.objects.values_list("days_before", flat=True)) == {7, 1}


def test_the_waiting_list_is_not_reminded(session, enrolled, agent_c):
    with at("2026-12-07"):
        enrolment_send_reminders()
    assert agent_c.contact.email not in reminders()


def test_a_late_reminder_run_still_sends_the_current_round_only(session, enrolled):
    # The worker was down from D-7 to D-2: the 7-day reminder still goes once on D-3…
    with at("2026-12-11"):
        assert enrolment_send_reminders() == 2
    assert all("dans 3 jours" in m.subject for m in mails("trainings.reminder"))
    # …and the 1-day reminder on D-1, not a third one.
    with at("2026-12-13"):
        assert enrolment_send_reminders() == 2
    with at("2026-12-14"):
        assert enrolment_send_reminders() == 0
    assert len(reminders()) == 4


def test_someone_enrolled_during_a_round_gets_the_next_one_only(session, referent, agent_c):
    with at("2026-12-09"):
        enrolment_create(session=session, contact=agent_c.contact, by=agent_c)
        assert enrolment_send_reminders() == 0  # the confirmation is fresher than a reminder
    with at("2026-12-13"):
        assert enrolment_send_reminders() == 1
    assert reminders() == [agent_c.contact.email]


def test_a_session_without_reminders_or_cancelled_sends_none(session, enrolled, referent):
    quiet = TrainingSessionFactory(created_by=referent, reminder_days=[])
    with at("2026-12-01"):
        enrolment_create(session=quiet, contact=referent_contact(quiet), by=referent)
        session_cancel(session=session, by=referent)
    with at("2026-12-07"):
        assert enrolment_send_reminders() == 0
    assert TrainingSession.objects.get(pk=session.pk).status == "cancelled"


def referent_contact(session):
    from tests.factories import ContactFactory

    return ContactFactory(epci=session.epci)
