"""The outbox with real peers: a Celery worker on Redis and an SMTP server (aiosmtpd)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from referent_portal.outbox import services
from referent_portal.outbox.models import DeliveryAttempt, OutgoingEmail
from referent_portal.outbox.services import outbox_sweep
from referent_portal.outbox.tasks import send_email
from tests.fixtures_delivery import broker_outage, wait_until
from tests.outbox.utils import ICS, queue_example

pytestmark = pytest.mark.delivery

Status = OutgoingEmail.Status


def status_of(email):
    return OutgoingEmail.objects.get(pk=email.pk).status


def committed_example(**overrides):
    with transaction.atomic():
        return queue_example(**overrides)


def test_a_queued_message_arrives_exactly_once(celery_worker, smtp_server):
    email = committed_example()

    [received] = smtp_server.expect_exactly(1)
    assert received.rcpt_tos == ("secretariat@mairie-plouha.example.org",)
    assert received.subject == email.subject
    assert "samedi 28 novembre 2026" in received.subject
    assert received.message_id == f"<{email.message_id}@portail.invalid>"
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert "Rendez-vous le samedi 28 novembre 2026." in received.text
    [attachment] = received.attachments
    assert attachment.get_filename() == "reunion.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_content().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")

    wait_until(lambda: status_of(email) == Status.SENT)
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (1, "")
    assert list(email.log.values_list("outcome", flat=True)) == [DeliveryAttempt.Outcome.SENT]


def test_a_message_is_retried_while_smtp_is_down_and_arrives_once_it_is_back(
    celery_worker, smtp_server, monkeypatch
):
    monkeypatch.setattr(services, "RETRY_BASE_SECONDS", 1)  # back-off of ~1 s, 2 s, 4 s…
    smtp_server.stop()
    email = committed_example()

    wait_until(lambda: status_of(email) == Status.RETRY)
    email.refresh_from_db()
    assert email.attempts >= 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.log.filter(outcome=DeliveryAttempt.Outcome.TEMPORARY).exists()
    assert smtp_server.messages == []

    smtp_server.start()
    [received] = smtp_server.expect_exactly(1, timeout=15)
    assert received.message_id == f"<{email.message_id}@portail.invalid>"
    wait_until(lambda: status_of(email) == Status.SENT)
    email.refresh_from_db()
    assert email.attempts >= 2
    assert email.log.filter(outcome=DeliveryAttempt.Outcome.SENT).count() == 1


def test_a_permanent_refusal_is_not_retried(celery_worker, smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 No such user here"
    email = committed_example()
    wait_until(lambda: status_of(email) == Status.FAILED)
    email.refresh_from_db()
    assert email.attempts == 1
    assert "No such user" in email.last_error
    assert smtp_server.messages == []


def test_a_broker_outage_at_commit_loses_nothing_and_the_sweeper_sends_it_later(
    celery_worker, smtp_server
):
    with broker_outage():
        email = committed_example()  # on_commit cannot publish: the row stays
        email.refresh_from_db()
        assert (email.status, email.enqueued_at) == (Status.QUEUED, None)
        with pytest.raises(Exception):  # noqa: B017 (kombu's error of the moment)
            outbox_sweep(now=timezone.now() + timedelta(minutes=1))
        assert OutgoingEmail.objects.get(pk=email.pk).enqueued_at is None

    assert outbox_sweep(now=timezone.now() + timedelta(minutes=1)) == 1
    [received] = smtp_server.expect_exactly(1)
    assert received.message_id == f"<{email.message_id}@portail.invalid>"
    wait_until(lambda: status_of(email) == Status.SENT)


def test_a_worker_killed_mid_delivery_leaves_the_message_to_be_sent_once_later(
    celery_worker, celery_worker_process, smtp_server
):
    doomed = celery_worker_process("mail-kill-test", smtp_server=smtp_server)
    with broker_outage():
        email = committed_example()  # not published to "mail": the doomed worker takes it
    with smtp_server.stalled():
        send_email.apply_async((email.pk,), queue="mail-kill-test")
        smtp_server.wait_until_stalled()
        assert status_of(email) == Status.SENDING
        doomed.kill()
    assert "send_email" in doomed.log() and not doomed.alive
    assert smtp_server.messages == []

    # Ten minutes later, the beat's sweeper finds it stuck; the next worker sends it.
    outbox_sweep(now=timezone.now() + settings.OUTBOX_STUCK_AFTER + timedelta(seconds=1))
    [received] = smtp_server.expect_exactly(1)
    assert received.message_id == f"<{email.message_id}@portail.invalid>"
    wait_until(lambda: status_of(email) == Status.SENT)
    email.refresh_from_db()
    assert email.attempts == 2
    assert list(email.log.order_by("number").values_list("outcome", flat=True)) == [
        DeliveryAttempt.Outcome.TEMPORARY,
        DeliveryAttempt.Outcome.SENT,
    ]
