"""The one e-mail outbox of the portal.

Every e-mail is first a row, written in the transaction of the change that caused it; a thin
Celery task sends it and records the outcome. Nothing leaves the portal any other way.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class OutgoingEmail(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyé")
        RETRY = "retry", _("Nouvel essai prévu")
        FAILED = "failed", _("Échec définitif")

    SENDABLE = (Status.QUEUED, Status.RETRY)

    message_id = models.UUIDField(_("identifiant"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        _("nature"), max_length=64, help_text=_("Ce qui a causé l'envoi, ex. accounts.magic_link.")
    )
    to = models.EmailField(_("destinataire"))
    from_email = models.CharField(_("expéditeur"), max_length=254)
    reply_to = models.EmailField(_("répondre à"), blank=True)
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("langue"), max_length=8, default="fr")
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    sending_since = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="sent_email_has_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class OutgoingAttachment(models.Model):
    email = models.ForeignKey(
        OutgoingEmail,
        verbose_name=_("courriel"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("nom du fichier"), max_length=255)
    mimetype = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("contenu"))

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self):
        return self.filename


class DeliveryAttempt(models.Model):
    """One try at handing a message to the SMTP server: the log the admin site shows."""

    email = models.ForeignKey(
        OutgoingEmail, verbose_name=_("courriel"), on_delete=models.CASCADE, related_name="log"
    )
    started_at = models.DateTimeField(_("début"))
    duration_ms = models.PositiveIntegerField(_("durée (ms)"))
    succeeded = models.BooleanField(_("réussie"))
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.email_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"
