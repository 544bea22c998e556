"""The syndicat mixte's catalogue of training modules (sessions and enrolments come later)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class TrainingModule(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    objectives = models.TextField(_("objectifs"), blank=True)
    audience = models.CharField(_("public"), max_length=200, blank=True)
    duration_hours = models.DecimalField(
        _("durée (heures)"), max_digits=4, decimal_places=1, default=3
    )
    prerequisites = models.TextField(_("prérequis"), blank=True)
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service concerné"),
        on_delete=models.SET_NULL,
        related_name="training_modules",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("proposé"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("module de formation")
        verbose_name_plural = _("modules de formation")
        ordering = ["position", "title"]

    def __str__(self):
        return self.title
