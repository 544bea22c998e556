"""Which commune uses which service of the syndicat mixte, and how it got there."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class Adoption(TimeStampedModel):
    """A commune × service. No row means « non adhérente »."""

    class Status(models.TextChoices):
        NOT_ADOPTED = "not_adopted", _("Non adhérente")
        INTERESTED = "interested", _("Intéressée")
        CHARTER_SIGNED = "charter_signed", _("Charte signée")
        DEPLOYING = "deploying", _("En déploiement")
        ACTIVE = "active", _("Active")
        STOPPED = "stopped", _("Arrêtée")

    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="adoptions",
    )
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.NOT_ADOPTED
    )
    status_changed_at = models.DateTimeField(_("état modifié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("adhésion à un service")
        verbose_name_plural = _("adhésions aux services")
        ordering = ["commune__search_name", "service__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "service"], name="one_adoption_per_commune_service"
            )
        ]

    def __str__(self):
        return f"{self.commune} × {self.service} : {self.get_status_display()}"


class AdoptionEvent(models.Model):
    """One change of status: who, when, why. Append-only."""

    class Source(models.TextChoices):
        REFERENT = "referent", _("Référent")
        SYNDICAT = "syndicat", _("Syndicat mixte")
        DRIVE = "drive", _("Démarche d'adhésion collective")
        REQUEST = "request", _("Demande de la commune")
        IMPORT = "import", _("Reprise de données")

    adoption = models.ForeignKey(
        Adoption, verbose_name=_("adhésion"), on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(_("ancien état"), max_length=16, choices=Adoption.Status.choices)
    to_status = models.CharField(_("nouvel état"), max_length=16, choices=Adoption.Status.choices)
    changed_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    source = models.CharField(
        _("origine"), max_length=16, choices=Source.choices, default=Source.REFERENT
    )
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("changement d'état d'adhésion")
        verbose_name_plural = _("historique des adhésions")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.adoption_id}: {self.from_status} → {self.to_status}"
