"""The one e-mail outbox of the portal.

Every e-mail is first a row, written in the transaction of the change that caused it; a thin
Celery task sends it and records the outcome. Nothing leaves the portal any other way.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel
from referent_portal.uploads.storage import UnguessableName


class OutgoingEmail(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyé")
        RETRY = "retry", _("Nouvel essai prévu")
        FAILED = "failed", _("Échec définitif")
        SKIPPED = "skipped", _("Non envoyé (choix du destinataire)")

    SENDABLE = (Status.QUEUED, Status.RETRY)

    message_id = models.UUIDField(_("identifiant"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        _("nature"),
        max_length=64,
        db_index=True,
        help_text=_("Ce qui a causé l'envoi, ex. accounts.magic_link."),
    )
    to = models.EmailField(_("destinataire"))
    from_email = models.CharField(_("expéditeur"), max_length=254)
    reply_to = models.EmailField(_("répondre à"), blank=True)
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    # What the personal links of the message are made from when it is sent (an account, an
    # invitation, an enrolment: its id, not a secret). The bodies hold placeholders only.
    secret_ref = models.CharField(_("liens personnels faits d'après"), max_length=64, blank=True)
    language = models.CharField(
        _("langue"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    # When a send task was last handed to the broker; empty while no task is waiting for the
    # row. The sweeper re-queues rows whose task never came (broker outage, lost message).
    enqueued_at = models.DateTimeField(_("confié à la file le"), null=True, blank=True)
    sending_since = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    resent_from = models.ForeignKey(
        "self",
        verbose_name=_("renvoi de"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resends",
    )

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="sent_email_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(sending_since__isnull=False),
                name="sending_email_has_sending_since",
            ),
        ]
        permissions = [("resend_outgoingemail", _("Peut renvoyer un courriel sortant"))]

    def __str__(self):
        # Not the subject: it is content (a request's notice names it), and this string is
        # shown to every reader of the outbox and kept in the admin's log.
        return f"{self.kind} → {self.to}"


class OutgoingAttachment(models.Model):
    email = models.ForeignKey(
        OutgoingEmail,
        verbose_name=_("courriel"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("nom du fichier"), max_length=255)
    mimetype = models.CharField(_("type"), max_length=100)
    # Either the bytes, kept with this one message (an .ics made for one invitee)…
    content = models.BinaryField(_("contenu"), blank=True, default=b"")
    # …or the name of a file in the default storage that many messages share (a campaign's
    # PDF for 3,000 recipients is stored once, not 3,000 times). Read when the message is sent;
    # the feature that wrote the file keeps it for as long as its messages may be sent.
    # Never served by URL: read by the mail task, and by the admin's download view only.
    file = models.FileField(
        _("fichier partagé"), max_length=255, blank=True, upload_to=UnguessableName("outbox")
    )

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["pk"]

    def __str__(self):
        return self.filename


class DeliveryAttempt(models.Model):
    """One try at handing a message to the SMTP server: the log the admin site shows."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Remis au serveur")
        TEMPORARY = "temporary", _("Échec temporaire")
        PERMANENT = "permanent", _("Échec définitif")

    email = models.ForeignKey(
        OutgoingEmail, verbose_name=_("courriel"), on_delete=models.CASCADE, related_name="log"
    )
    number = models.PositiveSmallIntegerField(_("n°"))
    started_at = models.DateTimeField(_("début"))
    # Empty when the attempt was interrupted (worker killed) and the sweeper closed it.
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), null=True, blank=True)
    outcome = models.CharField(_("résultat"), max_length=16, choices=Outcome.choices)
    smtp_code = models.PositiveSmallIntegerField(_("code SMTP"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.email_id} #{self.number} @ {self.started_at:%Y-%m-%d %H:%M:%S}"
