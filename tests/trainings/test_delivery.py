"""Enrolment e-mails with real peers: a Celery worker on Redis and an SMTP server (aiosmtpd);
the .ics that arrives is parsed with icalendar as a calendar client would."""

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from tests.fixtures_delivery import wait_until
from tests.trainings.factories import TrainingSessionFactory
from trainings.models import Enrolment, EnrolmentReminder
from trainings.services import enrolment_create, enrolment_withdraw, session_cancel
from trainings.tasks import send_training_reminders

pytestmark = pytest.mark.delivery


def calendar_in(received) -> tuple[str, icalendar.Event]:
    (part,) = [a for a in received.attachments if a.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert part.get_param("method") == str(calendar["METHOD"])
    return str(calendar["METHOD"]), event


def test_enrolment_waiting_list_and_promotion_reach_the_mailboxes_with_their_calendar(
    celery_worker, smtp_server, referent, agent_a, agent_b
):
    session = TrainingSessionFactory(created_by=referent, capacity=1)
    uid = f"training-{session.uid}@"

    first = enrolment_create(session=session, contact=agent_a.contact, by=agent_a)
    (confirmed,) = smtp_server.expect_exactly(1)
    assert confirmed.rcpt_tos == (agent_a.contact.email,)
    assert confirmed.subject.startswith("Inscription confirmée : Télétransmettre les actes")
    assert confirmed.message["Reply-To"] == referent.email
    method, event = calendar_in(confirmed)
    assert method == "REQUEST"
    assert str(event["uid"]).startswith(uid)
    assert event.decoded("dtstart") == session.starts_at
    assert "Salle du conseil communautaire" in str(event["location"])

    enrolment_create(session=session, contact=agent_b.contact, by=agent_b)
    waiting = smtp_server.expect_exactly(2)[1]
    assert waiting.rcpt_tos == (agent_b.contact.email,)
    assert "en position 1" in waiting.text
    assert not waiting.attachments

    enrolment_withdraw(enrolment=first, by=agent_a)
    received = smtp_server.expect_exactly(4)[2:]
    by_address = {message.rcpt_tos[0]: message for message in received}
    method, event = calendar_in(by_address[agent_a.contact.email])
    assert (method, str(event["status"])) == ("CANCEL", "CANCELLED")
    promoted = by_address[agent_b.contact.email]
    assert "Une place s'est libérée" in promoted.subject
    method, event = calendar_in(promoted)
    assert method == "REQUEST"
    assert str(event["uid"]).startswith(uid)


def test_a_cancelled_session_sends_the_enrolled_a_cancel_with_a_higher_sequence(
    celery_worker, smtp_server, referent, agent_a
):
    session = TrainingSessionFactory(created_by=referent, capacity=3)
    enrolment_create(session=session, contact=agent_a.contact, by=agent_a)
    smtp_server.expect_exactly(1)

    session_cancel(session=session, by=referent, reason="Formateur indisponible")

    cancelled = smtp_server.expect_exactly(2)[1]
    assert "Formateur indisponible" in cancelled.text
    method, event = calendar_in(cancelled)
    assert (method, event["sequence"]) == ("CANCEL", 1)


def test_the_reminder_task_runs_on_the_worker_and_reminds_once(
    celery_worker, smtp_server, referent, agent_a
):
    session = TrainingSessionFactory(
        created_by=referent,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=3),
        registration_deadline=timezone.localdate(),
        reminder_days=[7],
    )
    enrolment = enrolment_create(session=session, contact=agent_a.contact, by=agent_a)
    smtp_server.expect_exactly(1)
    # Enrolled a fortnight ago, before the 7-day round began.
    Enrolment.objects.filter(pk=enrolment.pk).update(queued_at=timezone.now() - timedelta(days=14))

    send_training_reminders.delay()
    reminder = smtp_server.wait_for(2)[1]
    assert (
        reminder.subject
        == "Rappel : formation Télétransmettre les actes à la préfecture dans 3 jours"
    )
    wait_until(lambda: EnrolmentReminder.objects.filter(enrolment=enrolment).exists())

    send_training_reminders.delay()
    smtp_server.expect_exactly(2)
