"""Collective membership drives: one service, many communes, one dossier to the syndicat."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class Drive(TimeStampedModel):
    """A « démarche d'adhésion collective » run by the referent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        OPEN = "open", _("En cours")
        CLOSED = "closed", _("Close, transmise au syndicat mixte")
        CANCELLED = "cancelled", _("Abandonnée")

    epci = models.ForeignKey(
        "communes.Epci", verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="drives"
    )
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="drives",
    )
    title = models.CharField(_("intitulé"), max_length=200)
    message = models.TextField(_("message aux communes"))
    deadline = models.DateField(_("date limite de réponse"))
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("lancée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    dossier = models.OneToOneField(
        "requests_relay.Dossier",
        verbose_name=_("dossier transmis"),
        on_delete=models.PROTECT,
        related_name="drive",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("démarche d'adhésion collective")
        verbose_name_plural = _("démarches d'adhésion collective")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Commitment(TimeStampedModel):
    """Where one commune stands in a drive."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invitée")
        INTERESTED = "interested", _("Intéressée")
        DELIBERATION = "deliberation", _("Délibération prévue")
        COMMITTED = "committed", _("Engagée")
        DECLINED = "declined", _("Déclinée")

    ANSWERED = (Status.INTERESTED, Status.DELIBERATION, Status.COMMITTED, Status.DECLINED)

    drive = models.ForeignKey(
        Drive, verbose_name=_("démarche"), on_delete=models.CASCADE, related_name="commitments"
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    status = models.CharField(
        _("réponse"), max_length=16, choices=Status.choices, default=Status.INVITED
    )
    deliberation_date = models.DateField(_("date de la délibération"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifiée par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    reminded_at = models.DateTimeField(_("relancée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement d'une commune")
        verbose_name_plural = _("engagements des communes")
        ordering = ["drive", "commune__search_name"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "commune"], name="one_commitment_per_commune")
        ]

    def __str__(self):
        return f"{self.commune} — {self.get_status_display()}"
