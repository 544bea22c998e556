"""Writes of the outbox: queue a message, deliver it once, sweep what was left behind.

The life of a row: QUEUED → SENDING → SENT, or → RETRY (temporary failure, back-off) → SENDING
again, or → FAILED (permanent failure, or OUTBOX_MAX_ATTEMPTS used up). The broker only carries
row ids; the row is the truth, so a lost task is repaired by `outbox_sweep`.
"""

import logging
import mimetypes
import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.mail import DNS_NAME, EmailMultiAlternatives, mailers
from django.db import transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from referent_portal.accounts.preferences import opted_out
from referent_portal.delivery import backoff, is_due, needs_a_task, rides_on_countdown

from .models import DeliveryAttempt, OutgoingAttachment, OutgoingEmail
from .secrets import has_placeholders, reveal

logger = logging.getLogger(__name__)

TEMPORARY = "temporary"
PERMANENT = "permanent"
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its bytes, or the name of a file in the default storage.

    With `storage_name`, every message stores only that name and reads the file when it is
    sent: one copy of a campaign's PDF for thousands of messages. The file must still be there
    then (a missing file is a temporary failure, retried like an SMTP outage).
    """

    filename: str
    content: bytes | str = b""
    mimetype: str | None = None
    storage_name: str = ""

    def __post_init__(self):
        if self.storage_name and self.content:
            raise ValueError("An attachment has either content or a storage_name, not both.")


def classify_error(exc: BaseException) -> str:
    """Tell whether a failed send may succeed later (temporary) or never will (permanent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return PERMANENT if codes and all(code >= 500 for code in codes) else TEMPORARY
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # A wrong password is the operator's to fix; the message must wait, not be dropped.
        return TEMPORARY
    if isinstance(exc, smtplib.SMTPResponseException):
        return PERMANENT if exc.smtp_code >= 500 else TEMPORARY
    if isinstance(exc, OSError):
        # Refused connections, timeouts, resets, DNS, TLS, a dropped SMTP session
        # (smtplib.SMTPException is an OSError too).
        return TEMPORARY
    if isinstance(exc, ImproperlyConfigured):
        # A broken MAILERS setting (InvalidMailer) is fixed by the operator, then sent.
        return TEMPORARY
    # Anything else is in the message itself (an address that cannot be encoded, a bad
    # header): sending it again would fail the same way.
    return PERMANENT


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def smtp_code_of(exc: BaseException | None) -> int | None:
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return max(code for code, _msg in exc.recipients.values())
    return None


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """Exponential back-off after `attempts` failed tries, with jitter, never above the cap."""
    return backoff(
        attempts, base_seconds=RETRY_BASE_SECONDS, cap_seconds=RETRY_CAP_SECONDS, jitter=jitter
    )


# Enqueueing ---------------------------------------------------------------------------------


def email_enqueue(*, email_id: int, countdown: float | None = None) -> None:
    """Hand the send task of a committed row to the broker. Raises when the broker is down."""
    from .tasks import send_email

    OutgoingEmail.objects.filter(pk=email_id).update(enqueued_at=timezone.now())
    try:
        send_email.apply_async((email_id,), countdown=countdown)
    except Exception:
        # No task is waiting for the row: the sweeper picks it up on its next round.
        OutgoingEmail.objects.filter(pk=email_id).update(enqueued_at=None)
        raise


def _enqueue_after_commit(email_id: int) -> None:
    try:
        email_enqueue(email_id=email_id)
    except Exception as exc:  # noqa: BLE001 (whatever the broker raised, the row is safe)
        # The row is committed; losing the broker must not undo the change that caused it.
        logger.warning(
            "E-mail %s could not be enqueued (%s); the outbox sweeper will send it.",
            email_id,
            _describe(exc),
        )


def email_schedule_retry(*, email_id: int, delay: timedelta) -> None:
    """After a temporary failure: a short wait rides on a countdown, a long one on the row."""
    if rides_on_countdown(delay):
        email_enqueue(email_id=email_id, countdown=delay.total_seconds())


# Queueing -----------------------------------------------------------------------------------


def _render_text(name: str, context: dict) -> str:
    """Plain text is not HTML: render it without autoescaping (« L'Hermitage », not &#x27;)."""
    template = get_template(name)
    return template.template.render(Context(context, autoescape=False))


def _render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = _render_text(f"{template}_subject.txt", context)
        text = _render_text(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return " ".join(subject.split()), text, html


def _supported_language(language: str | None) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


@transaction.atomic
def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    language: str | None = None,
    reply_to: str = "",
    attachments: Iterable[Attachment] = (),
    secret_ref: str | int = "",
) -> OutgoingEmail:
    """Write one message to the outbox, in the caller's transaction; send it after commit.

    `template` names `<template>_subject.txt`, `<template>.txt` and optionally
    `<template>.html`, rendered in the recipient's `language` (the portal's default when
    empty or not offered). Raises ValidationError for an invalid address.

    Personal links (login, reset, RSVP, survey) are never in `context`: the template gets
    placeholders (`secrets.link_placeholder`) and the kind's link provider makes the links
    from `secret_ref` when the message is sent (see secrets.py).
    """
    language = _supported_language(language)
    subject, text, html = _render(template, {**context, "site_url": settings.SITE_URL}, language)
    if has_placeholders(subject):
        raise ValueError("A personal link cannot go in a subject.")
    email = OutgoingEmail(
        kind=kind,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        language=language,
        secret_ref=str(secret_ref),
    )
    if opted_out(kind, to):
        # Kept as a row: the sender's page shows why this person was not written to.
        email.status = OutgoingEmail.Status.SKIPPED
        email.last_error = gettext(
            "Non envoyé : le destinataire a choisi de ne pas recevoir ces messages."
        )
    # The fields (an invalid address is the caller's ValidationError); not the two constraints
    # on sent/sending rows nor the fresh UUID's uniqueness, which a new row cannot break and
    # the database enforces anyway: they cost three queries per message, which a campaign of
    # thousands of recipients pays thousands of times.
    email.full_clean(exclude=["message_id"], validate_constraints=False)
    email.save()
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(
            email=email,
            filename=a.filename,
            mimetype=a.mimetype
            or mimetypes.guess_type(a.filename)[0]
            or "application/octet-stream",
            content=a.content.encode() if isinstance(a.content, str) else a.content,
            file=a.storage_name,
        )
        for a in attachments
    )
    if email.status == OutgoingEmail.Status.QUEUED:
        transaction.on_commit(partial(_enqueue_after_commit, email.pk))
    return email


# Delivering ---------------------------------------------------------------------------------


def message_id_header(email: OutgoingEmail) -> str:
    """The Message-ID header of every copy of this message: <uuid@sender's domain>."""
    domain = parseaddr(email.from_email)[1].rpartition("@")[2] or str(DNS_NAME)
    # Stable across attempts: a copy delivered twice after a crash is recognisably the same.
    return f"<{email.message_id}@{domain}>"


def _build_message(email: OutgoingEmail) -> EmailMultiAlternatives:
    """The message as the recipient gets it: its personal links made now (secrets.py)."""
    text, html = reveal(email)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={
            "Message-ID": message_id_header(email),
            "Content-Language": email.language,
            # RFC 3834: no out-of-office replies to the portal's notifications.
            "Auto-Submitted": "auto-generated",
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, attachment_bytes(attachment), attachment.mimetype)
    return message


def attachment_bytes(attachment: OutgoingAttachment) -> bytes:
    """The attachment's content: its own bytes, or the shared file read from the storage."""
    if attachment.file:
        # FileNotFoundError is an OSError: a temporary failure, retried (a restored volume).
        with default_storage.open(attachment.file.name, "rb") as shared:
            return shared.read()
    return bytes(attachment.content)


def _send(email: OutgoingEmail) -> None:
    sent = mailers.default.send_messages([_build_message(email)])
    if sent != 1:
        raise smtplib.SMTPException("The mailer reported that nothing was sent.")


def email_deliver(*, email_id: int) -> timedelta | None:
    """Send one queued message. Harmless to call twice or concurrently.

    Returns the delay before the next attempt when the send failed temporarily.
    """
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(is_due(now), pk=email_id, status__in=OutgoingEmail.SENDABLE)
            .first()
        )
        if email is None:
            return None  # sent, in flight elsewhere, failed, not due yet, or deleted
        email.status = OutgoingEmail.Status.SENDING
        email.sending_since = now
        email.attempts += 1
        email.save(update_fields=["status", "sending_since", "attempts", "updated_at"])

    # The SMTP conversation happens outside any transaction: no row lock is held meanwhile.
    started = time.monotonic()
    error = None
    try:
        _send(email)
    except Exception as exc:  # noqa: BLE001 (every failure is recorded, then classified)
        error = exc
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_outcome(email_id, error=error, started_at=now, duration_ms=duration_ms)


@transaction.atomic
def _record_outcome(email_id, *, error, started_at, duration_ms) -> timedelta | None:
    email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None:
        return None  # deleted by a superuser meanwhile
    now = timezone.now()
    kind = None if error is None else classify_error(error)
    DeliveryAttempt.objects.create(
        email=email,
        number=email.attempts,
        started_at=started_at,
        duration_ms=duration_ms,
        outcome=DeliveryAttempt.Outcome.SENT if error is None else kind,
        smtp_code=smtp_code_of(error),
        error="" if error is None else _describe(error),
    )
    delay = None
    if error is None:
        # Even if the sweeper gave up on the row meanwhile: it did leave, say so.
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = now
        email.last_error = ""
        email.next_attempt_at = None
    else:
        email.last_error = _describe(error)
        if kind == TEMPORARY and email.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            delay = retry_delay(email.attempts)
            email.status = OutgoingEmail.Status.RETRY
            email.next_attempt_at = now + delay
        else:
            email.status = OutgoingEmail.Status.FAILED
            email.next_attempt_at = None
        logger.warning(
            "E-mail %s (%s) attempt %s failed (%s): %s",
            email.pk,
            email.kind,
            email.attempts,
            kind,
            email.last_error,
        )
    email.sending_since = None
    email.enqueued_at = None  # the task that carried this attempt is done
    email.save(
        update_fields=[
            "status",
            "sent_at",
            "last_error",
            "next_attempt_at",
            "sending_since",
            "enqueued_at",
            "updated_at",
        ]
    )
    return delay


# Sweeping -----------------------------------------------------------------------------------


def _release_stuck(now) -> int:
    """Rows left in SENDING by a worker that died mid-send: count the attempt, try again."""
    with transaction.atomic():
        stuck = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True).filter(
                status=OutgoingEmail.Status.SENDING,
                sending_since__lt=now - settings.OUTBOX_STUCK_AFTER,
            )
        )
        error = gettext("Envoi interrompu : aucun résultat enregistré (processus arrêté ?).")
        for email in stuck:
            DeliveryAttempt.objects.create(
                email=email,
                number=email.attempts,
                started_at=email.sending_since,
                duration_ms=None,
                outcome=DeliveryAttempt.Outcome.TEMPORARY,
                error=error,
            )
            # A message that kills the worker every time must not be tried forever.
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
            else:
                email.status = OutgoingEmail.Status.RETRY
            email.next_attempt_at = None
            email.sending_since = None
            email.enqueued_at = None
            email.last_error = error
            email.save(
                update_fields=[
                    "status",
                    "next_attempt_at",
                    "sending_since",
                    "enqueued_at",
                    "last_error",
                    "updated_at",
                ]
            )
    return len(stuck)


def outbox_sweep(*, now=None, batch_size: int = SWEEP_BATCH) -> int:
    """Re-queue what no task is coming for: stuck sends, rows never enqueued, due retries.

    Returns the number of rows handed to the broker.
    """
    now = now or timezone.now()
    _release_stuck(now)
    due = OutgoingEmail.objects.filter(
        needs_a_task(now, settings.OUTBOX_STUCK_AFTER), status__in=OutgoingEmail.SENDABLE
    ).order_by("created_at")
    ids = list(due.values_list("pk", flat=True)[:batch_size])
    for count, email_id in enumerate(ids):
        try:
            email_enqueue(email_id=email_id)
        except Exception as exc:
            logger.warning("Outbox sweep stopped at e-mail %s: %s", email_id, _describe(exc))
            if count == 0:
                raise
            return count
    return len(ids)


# Resending (admin actions) ------------------------------------------------------------------


@transaction.atomic
def email_requeue(*, email_id: int) -> OutgoingEmail | None:
    """Try a failed or waiting message again now, with a fresh budget of attempts.

    Returns None when the message is in no state to be re-queued (sent, queued, in flight).
    The log of earlier attempts is kept.
    """
    email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
    if email.status not in (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.RETRY):
        return None
    email.status = OutgoingEmail.Status.QUEUED
    email.attempts = 0
    email.next_attempt_at = None
    email.enqueued_at = None
    email.save(update_fields=["status", "attempts", "next_attempt_at", "enqueued_at", "updated_at"])
    transaction.on_commit(partial(_enqueue_after_commit, email.pk))
    return email


@transaction.atomic
def email_resend(*, email_id: int) -> OutgoingEmail:
    """Send a message again: a sent one is copied and the copy queued, a failed or waiting
    one is re-queued now. A message queued or in flight is left as it is.

    Returns the row that will be sent.
    """
    email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
    if email.status in (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.RETRY):
        return email_requeue(email_id=email.pk)
    if email.status != OutgoingEmail.Status.SENT:
        return email
    copy = OutgoingEmail.objects.create(
        kind=email.kind,
        to=email.to,
        from_email=email.from_email,
        reply_to=email.reply_to,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        language=email.language,
        secret_ref=email.secret_ref,
        resent_from=email,
    )
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(
            email=copy, filename=a.filename, mimetype=a.mimetype, content=a.content, file=a.file
        )
        for a in email.attachments.all()
    )
    transaction.on_commit(partial(_enqueue_after_commit, copy.pk))
    return copy
