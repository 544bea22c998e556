"""Suggestions of the referent to a commune about a service, and their follow-up."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class Suggestion(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposée par le portail (non envoyée)")
        SENT = "sent", _("Envoyée, sans réponse")
        ACCEPTED = "accepted", _("Acceptée")
        DECLINED = "declined", _("Déclinée")
        LATER = "later", _("Plus tard")
        DISMISSED = "dismissed", _("Écartée par le référent")

    ANSWERS = (Status.ACCEPTED, Status.DECLINED, Status.LATER)

    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="suggestions",
        null=True,
        blank=True,
    )
    title = models.CharField(_("intitulé"), max_length=200)
    body = models.TextField(_("suggestion"))
    rule = models.CharField(
        _("règle"),
        max_length=64,
        blank=True,
        help_text=_("La règle qui l'a proposée ; vide : écrite par le référent."),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.SENT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("écrite par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réponse de"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    answer_comment = models.TextField(_("commentaire de la commune"), blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at"]
        constraints = [
            # A rule proposes a suggestion once per commune and service while it is pending.
            # Coalesce: a rule about no service (« reprendre contact ») is pending once too,
            # where a plain NULL would be distinct from every other NULL.
            models.UniqueConstraint(
                models.F("commune"),
                Coalesce(models.F("service"), models.Value(0)),
                models.F("rule"),
                condition=models.Q(status__in=["proposed", "sent"]) & ~models.Q(rule=""),
                name="one_pending_rule_suggestion",
                violation_error_message=_(
                    "Cette règle a déjà une suggestion en attente pour cette commune et ce service."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.commune} — {self.title}"
