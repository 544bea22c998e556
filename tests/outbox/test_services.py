"""The outbox's rules, called directly: no worker. SMTP failures come from a real server."""

import itertools
import smtplib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from referent_portal.delivery import SWEEP_GRACE
from referent_portal.outbox import services
from referent_portal.outbox.models import DeliveryAttempt, OutgoingEmail
from referent_portal.outbox.services import (
    PERMANENT,
    TEMPORARY,
    classify_error,
    email_deliver,
    email_requeue,
    email_resend,
    outbox_sweep,
    retry_delay,
)
from referent_portal.outbox.tasks import send_email
from tests.fixtures_delivery import free_port
from tests.outbox.utils import ICS, queue_example

Status = OutgoingEmail.Status


# classify_error, on exceptions raised by smtplib talking to a real server -------------------


def smtp_error(server, *, to="someone@example.org"):
    # Which exception smtplib raises is what the tests check.
    with (
        pytest.raises(smtplib.SMTPException) as raised,
        smtplib.SMTP(server.host, server.port, timeout=5) as client,
    ):
        client.sendmail("portal@example.org", [to], b"Subject: test\r\n\r\nHello\r\n")
    return raised.value


def test_a_4xx_reply_is_temporary(smtp_server):
    smtp_server.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    error = smtp_error(smtp_server)
    assert isinstance(error, smtplib.SMTPDataError)
    assert classify_error(error) == TEMPORARY


def test_a_5xx_reply_is_permanent(smtp_server):
    smtp_server.data_reply = "554 5.6.0 Message content rejected"
    error = smtp_error(smtp_server)
    assert isinstance(error, smtplib.SMTPDataError)
    assert classify_error(error) == PERMANENT


def test_a_recipient_refused_with_5xx_is_permanent(smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 No such user here"
    error = smtp_error(smtp_server)
    assert isinstance(error, smtplib.SMTPRecipientsRefused)
    assert classify_error(error) == PERMANENT
    assert services.smtp_code_of(error) == 550


def test_a_recipient_refused_with_4xx_is_temporary(smtp_server):
    smtp_server.rcpt_reply = "452 4.2.2 Mailbox full, try later"
    error = smtp_error(smtp_server)
    assert isinstance(error, smtplib.SMTPRecipientsRefused)
    assert classify_error(error) == TEMPORARY


def test_recipients_refused_is_permanent_only_when_every_code_is_5xx():
    assert classify_error(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no")})) == PERMANENT
    mixed = smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no"), "b@x.org": (450, b"later")})
    assert classify_error(mixed) == TEMPORARY


def test_a_refused_connection_is_temporary():
    with pytest.raises(ConnectionRefusedError) as raised:
        smtplib.SMTP("127.0.0.1", free_port(), timeout=5)
    assert classify_error(raised.value) == TEMPORARY


def test_a_rejected_password_waits_for_the_operator_instead_of_dropping_the_message():
    assert classify_error(smtplib.SMTPAuthenticationError(535, b"5.7.8 bad")) == TEMPORARY


def test_an_error_in_the_message_itself_is_permanent():
    assert classify_error(ValueError("Invalid address 'é@x.org'")) == PERMANENT


# retry_delay ---------------------------------------------------------------------------------


def test_retry_delay_grows_then_stays_at_the_cap():
    delays = [retry_delay(n, jitter=1.0) for n in range(1, 30)]
    assert delays[0] == timedelta(seconds=services.RETRY_BASE_SECONDS)
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert delays[1] > delays[0] and delays[5] > delays[4]
    assert max(delays) == timedelta(seconds=services.RETRY_CAP_SECONDS)


def test_retry_delay_jitter_stays_within_bounds_even_after_many_attempts():
    cap = timedelta(seconds=services.RETRY_CAP_SECONDS)
    for attempts in (1, 2, 3, 10, 1000):
        base = retry_delay(attempts, jitter=1.0)
        for _ in range(50):
            delay = retry_delay(attempts)
            assert base * 0.8 <= delay <= min(base * 1.2, cap)


# email_queue: rendering in the recipient's language -----------------------------------------


@pytest.mark.django_db
def test_email_queue_renders_in_the_recipients_language():
    french = queue_example(language="fr")
    english = queue_example(language="en")
    # 28 November 2026 is a Saturday.
    assert "samedi 28 novembre 2026" in french.subject
    assert "Rendez-vous le samedi 28 novembre 2026." in french.body_text
    assert "Saturday 28 November 2026" in english.subject
    assert "Saturday 28 November 2026" in english.body_text
    assert "samedi" not in english.body_text
    assert (french.language, english.language) == ("fr", "en")


@pytest.mark.django_db
def test_a_regional_or_unknown_language_falls_back_to_one_the_portal_offers():
    assert queue_example(language="en-GB").language == "en"
    assert queue_example(language="de").language == "fr"
    assert queue_example(language="").language == "fr"


@pytest.mark.django_db
def test_plain_text_is_not_html_escaped_but_the_html_part_is():
    email = queue_example(context={"name": "L'Hermitage & fils", "when": date(2026, 11, 28)})
    assert "Bonjour L'Hermitage & fils" in email.subject
    assert "Bonjour L'Hermitage & fils," in email.body_text
    assert "L&#x27;Hermitage &amp; fils" in email.body_html
    assert "http://testserver" in email.body_text  # site_url is in every context


@pytest.mark.django_db
def test_an_invalid_address_is_refused_and_nothing_is_written():
    with pytest.raises(ValidationError):
        queue_example(to="not-an-address")
    assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db
def test_the_row_belongs_to_the_callers_transaction(published, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_example()
        raise RuntimeError("the change that caused the e-mail failed")
    assert not OutgoingEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        email = queue_example()
        assert published == []  # nothing leaves before the commit
    assert published == [(email.pk, None)]
    email.refresh_from_db()
    assert email.enqueued_at is not None


@pytest.mark.django_db
def test_a_broker_outage_at_commit_keeps_the_row_for_the_sweeper(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_example()
    email.refresh_from_db()
    assert (email.status, email.enqueued_at) == (Status.QUEUED, None)


# email_deliver (locmem mailer) ----------------------------------------------------------------


@pytest.mark.django_db
def test_delivering_twice_sends_once(mailoutbox):
    email = queue_example()
    assert email_deliver(email_id=email.pk) is None
    assert email_deliver(email_id=email.pk) is None
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 1, "")
    assert email.sent_at is not None and email.sending_since is None
    [attempt] = email.log.all()
    assert (attempt.number, attempt.outcome) == (1, DeliveryAttempt.Outcome.SENT)

    sent = mailoutbox[0]
    assert sent.to == ["secretariat@mairie-plouha.example.org"]
    assert sent.extra_headers["Message-ID"] == f"<{email.message_id}@portail.invalid>"
    assert sent.extra_headers["Content-Language"] == "fr"
    [attachment] = sent.attachments
    assert (attachment.filename, attachment.mimetype) == ("reunion.ics", "text/calendar")
    assert ICS in (
        attachment.content.decode() if isinstance(attachment.content, bytes) else attachment.content
    )
    assert [mimetype for _body, mimetype in sent.alternatives] == ["text/html"]


@pytest.mark.django_db
def test_a_message_in_flight_is_not_sent_again(mailoutbox):
    email = queue_example()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.SENDING, sending_since=timezone.now(), attempts=1
    )
    assert email_deliver(email_id=email.pk) is None
    assert mailoutbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENDING, 1)


@pytest.mark.django_db
def test_a_retry_is_not_sent_before_its_time(mailoutbox):
    email = queue_example()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=Status.RETRY, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    email_deliver(email_id=email.pk)
    assert mailoutbox == []


# email_deliver against a real SMTP server that fails --------------------------------------------


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_message_with_no_more_attempts(smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 <secretariat@mairie-plouha.example.org>: unknown user"
    email = queue_example()
    assert email_deliver(email_id=email.pk) is None
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 1, None)
    assert "unknown user" in email.last_error
    [attempt] = email.log.all()
    assert (attempt.outcome, attempt.smtp_code) == (DeliveryAttempt.Outcome.PERMANENT, 550)

    smtp_server.rcpt_reply = None
    assert email_deliver(email_id=email.pk) is None
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_temporary_failure_schedules_a_retry_with_back_off(smtp_server):
    smtp_server.stop()
    email = queue_example()
    before = timezone.now()
    delay = email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.RETRY
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert timedelta(seconds=20) <= delay <= timedelta(seconds=40)
    assert before + delay <= email.next_attempt_at <= timezone.now() + delay
    [attempt] = email.log.all()
    assert attempt.outcome == DeliveryAttempt.Outcome.TEMPORARY


@pytest.mark.django_db
def test_the_message_fails_for_good_once_max_attempts_are_used(smtp_server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_server.stop()
    email = queue_example()
    for _ in range(3):
        OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=None)  # it is due
        email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 3, None)
    assert email.log.count() == 3

    smtp_server.start()
    email_deliver(email_id=email.pk)
    assert smtp_server.messages == []
    assert OutgoingEmail.objects.get(pk=email.pk).attempts == 3


# The task: retries ride on a countdown, long waits on the row -----------------------------------


@pytest.mark.django_db
def test_a_short_retry_is_scheduled_on_the_broker(smtp_server, published):
    smtp_server.stop()
    email = queue_example()
    send_email(email.pk)
    [(email_id, countdown)] = published
    assert email_id == email.pk and 20 <= countdown <= 40
    assert OutgoingEmail.objects.get(pk=email.pk).enqueued_at is not None


@pytest.mark.django_db
def test_a_long_retry_waits_in_the_row_for_the_sweeper(smtp_server, published):
    smtp_server.stop()
    email = queue_example()
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=7)
    send_email(email.pk)
    assert published == []
    email.refresh_from_db()
    assert email.status == Status.RETRY and email.enqueued_at is None
    assert email.next_attempt_at > timezone.now() + timedelta(minutes=15)


# outbox_sweep ----------------------------------------------------------------------------------


def _row(**fields):
    email = queue_example()
    OutgoingEmail.objects.filter(pk=email.pk).update(**fields)
    return email.pk


@pytest.mark.django_db
def test_the_sweeper_requeues_a_row_stuck_in_flight(published, settings):
    now = timezone.now()
    stuck = _row(
        status=Status.SENDING,
        attempts=1,
        sending_since=now - settings.OUTBOX_STUCK_AFTER - timedelta(seconds=1),
        enqueued_at=now - timedelta(minutes=11),
    )
    in_flight = _row(status=Status.SENDING, attempts=1, sending_since=now - timedelta(seconds=5))

    assert outbox_sweep(now=now + SWEEP_GRACE + timedelta(seconds=1)) == 1
    assert [email_id for email_id, _countdown in published] == [stuck]
    email = OutgoingEmail.objects.get(pk=stuck)
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.RETRY, 1, None)
    assert "interrompu" in email.last_error
    [attempt] = email.log.all()
    assert (attempt.number, attempt.duration_ms) == (1, None)
    assert OutgoingEmail.objects.get(pk=in_flight).status == Status.SENDING


@pytest.mark.django_db
def test_a_message_that_keeps_killing_the_worker_is_not_tried_forever(published, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    now = timezone.now()
    stuck = _row(status=Status.SENDING, attempts=3, sending_since=now - timedelta(hours=1))
    assert outbox_sweep(now=now) == 0
    assert OutgoingEmail.objects.get(pk=stuck).status == Status.FAILED
    assert published == []


@pytest.mark.django_db
def test_the_sweeper_enqueues_rows_no_task_is_coming_for(published, settings):
    now = timezone.now()
    later = now + SWEEP_GRACE + timedelta(seconds=1)
    overdue = later - settings.OUTBOX_STUCK_AFTER - timedelta(seconds=1)
    never_enqueued = _row(enqueued_at=None)
    long_retry_due = _row(status=Status.RETRY, attempts=7, next_attempt_at=later)
    lost_task = _row(enqueued_at=overdue)
    lost_retry = _row(status=Status.RETRY, attempts=1, next_attempt_at=overdue, enqueued_at=overdue)
    # Left alone: a task is on its way, or the row is not due, or done.
    _row(enqueued_at=later)
    _row(status=Status.RETRY, attempts=1, next_attempt_at=later, enqueued_at=now)
    _row(status=Status.RETRY, attempts=7, next_attempt_at=later + timedelta(hours=1))
    _row(status=Status.SENT, sent_at=now)
    _row(status=Status.FAILED)

    assert outbox_sweep(now=later) == 4
    assert {email_id for email_id, _countdown in published} == {
        never_enqueued,
        long_retry_due,
        lost_task,
        lost_retry,
    }


@pytest.mark.django_db
def test_the_sweeper_leaves_a_row_just_committed_to_its_own_callback(published):
    _row(enqueued_at=None)
    assert outbox_sweep() == 0
    assert published == []


# Resending ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resending_a_sent_message_queues_a_copy(published, django_capture_on_commit_callbacks):
    original = OutgoingEmail.objects.get(pk=_row(status=Status.SENT, sent_at=timezone.now()))
    with django_capture_on_commit_callbacks(execute=True):
        copy = email_resend(email_id=original.pk)
    assert copy.pk != original.pk and copy.resent_from == original
    assert (copy.status, copy.attempts) == (Status.QUEUED, 0)
    assert copy.message_id != original.message_id
    assert (copy.to, copy.subject, copy.body_text) == (
        original.to,
        original.subject,
        original.body_text,
    )
    assert [a.filename for a in copy.attachments.all()] == ["reunion.ics"]
    assert published == [(copy.pk, None)]
    assert OutgoingEmail.objects.get(pk=original.pk).status == Status.SENT


@pytest.mark.django_db
def test_resending_a_failed_message_requeues_it_with_a_fresh_budget(
    published, django_capture_on_commit_callbacks
):
    failed = _row(status=Status.FAILED, attempts=10, last_error="SMTPDataError: 554")
    with django_capture_on_commit_callbacks(execute=True):
        email = email_resend(email_id=failed)
    assert email.pk == failed
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.QUEUED, 0, None)
    assert published == [(failed, None)]


@pytest.mark.django_db
def test_requeue_leaves_a_sent_or_queued_message_alone(published):
    sent = _row(status=Status.SENT, sent_at=timezone.now())
    queued = _row()
    assert email_requeue(email_id=sent) is None
    assert email_requeue(email_id=queued) is None
    assert email_resend(email_id=queued).pk == queued
    assert OutgoingEmail.objects.count() == 2
