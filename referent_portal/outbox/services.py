"""Writes of the outbox: queue a message, deliver it once, sweep what was left behind."""

import logging
import random
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import DeliveryAttempt, OutgoingAttachment, OutgoingEmail

logger = logging.getLogger(__name__)

TEMPORARY = "temporary"
PERMANENT = "permanent"
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


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
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | socket.gaierror):
        return TEMPORARY
    if isinstance(exc, OSError):  # refused connections, timeouts, resets
        return TEMPORARY
    return PERMANENT


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """Exponential back-off with jitter, bounded by RETRY_CAP_SECONDS."""
    base = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS)
    factor = random.uniform(0.8, 1.2) if jitter is None else jitter
    return timedelta(seconds=min(base * factor, RETRY_CAP_SECONDS))


def _enqueue(email_id: int, *, countdown: float | None = None) -> None:
    from .tasks import send_email

    send_email.apply_async((email_id,), countdown=countdown)


def _render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        text = render_to_string(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return " ".join(subject.split()), text, html


@transaction.atomic
def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    kind: str,
    language: str = settings.LANGUAGE_CODE,
    reply_to: str = "",
    attachments: tuple[Attachment, ...] = (),
) -> OutgoingEmail:
    """Write one message to the outbox, in the caller's transaction; send it after commit.

    `template` names `<template>_subject.txt`, `<template>.txt` and optionally
    `<template>.html`, rendered in the recipient's `language`.
    """
    subject, text, html = _render(template, {**context, "site_url": settings.SITE_URL}, language)
    email = OutgoingEmail(
        kind=kind,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        language=language,
    )
    email.full_clean()
    email.save()
    OutgoingAttachment.objects.bulk_create(
        OutgoingAttachment(email=email, filename=a.filename, mimetype=a.mimetype, content=a.content)
        for a in attachments
    )
    # robust: a broker outage must not undo the change; the sweeper sends it later.
    transaction.on_commit(partial(_enqueue, email.pk), robust=True)
    return email


def _build_message(email: OutgoingEmail) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        # A stable Message-ID: a copy sent twice after a crash is recognisable as the same.
        headers={"Message-ID": make_msgid(idstring=email.message_id.hex, domain=domain)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def email_deliver(*, email_id: int) -> timedelta | None:
    """Send one queued message. Harmless to call twice or concurrently.

    Returns the delay before the next attempt when the send failed temporarily.
    """
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status__in=OutgoingEmail.SENDABLE)
            .first()
        )
        if email is None or (email.next_attempt_at and email.next_attempt_at > now):
            return None
        email.status = OutgoingEmail.Status.SENDING
        email.sending_since = now
        email.attempts += 1
        email.save(update_fields=["status", "sending_since", "attempts", "updated_at"])

    started = time.monotonic()
    error = None
    try:
        mailers.default.send_messages([_build_message(email)])
    except Exception as exc:
        error = exc
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_outcome(email, error=error, started_at=now, duration_ms=duration_ms)


@transaction.atomic
def _record_outcome(email, *, error, started_at, duration_ms) -> timedelta | None:
    DeliveryAttempt.objects.create(
        email=email,
        started_at=started_at,
        duration_ms=duration_ms,
        succeeded=error is None,
        error="" if error is None else f"{type(error).__name__}: {error}"[:2000],
    )
    delay = None
    if error is None:
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.next_attempt_at = None
    else:
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if classify_error(error) == TEMPORARY and email.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            delay = retry_delay(email.attempts)
            email.status = OutgoingEmail.Status.RETRY
            email.next_attempt_at = timezone.now() + delay
        else:
            email.status = OutgoingEmail.Status.FAILED
            email.next_attempt_at = None
        logger.warning("E-mail %s to %s failed: %s", email.pk, email.to, email.last_error)
    email.sending_since = None
    email.save(
        update_fields=[
            "status",
            "sent_at",
            "last_error",
            "next_attempt_at",
            "sending_since",
            "updated_at",
        ]
    )
    return delay


def outbox_sweep(*, now=None) -> int:
    """Re-queue what is due: retries whose time has come, rows never enqueued, stuck sends."""
    now = now or timezone.now()
    stuck = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING,
        sending_since__lt=now - settings.OUTBOX_STUCK_AFTER,
    )
    stuck.update(status=OutgoingEmail.Status.RETRY, next_attempt_at=now, sending_since=None)
    due = OutgoingEmail.objects.filter(
        status__in=OutgoingEmail.SENDABLE,
        created_at__lt=now - timedelta(seconds=30),
    ).exclude(next_attempt_at__gt=now)
    ids = list(due.values_list("pk", flat=True)[:1000])
    for email_id in ids:
        _enqueue(email_id)
    return len(ids)


@transaction.atomic
def email_resend(*, email_id: int) -> OutgoingEmail:
    """Send a message again: a failed one is re-queued, a sent one is copied and queued."""
    email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
    if email.status == OutgoingEmail.Status.SENT:
        attachments = list(email.attachments.all())
        email.pk = None
        email.message_id = OutgoingEmail._meta.get_field("message_id").default()
        email.status = OutgoingEmail.Status.QUEUED
        email.attempts = 0
        email.sent_at = None
        email.last_error = ""
        email.save(force_insert=True)
        OutgoingAttachment.objects.bulk_create(
            OutgoingAttachment(
                email=email, filename=a.filename, mimetype=a.mimetype, content=a.content
            )
            for a in attachments
        )
    elif email.status in (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.RETRY):
        email.status = OutgoingEmail.Status.QUEUED
        email.next_attempt_at = None
        email.save(update_fields=["status", "next_attempt_at", "updated_at"])
    transaction.on_commit(partial(_enqueue, email.pk), robust=True)
    return email
