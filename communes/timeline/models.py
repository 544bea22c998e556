"""One timeline per commune: everything that happened to it, newest first."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimelineEntry(models.Model):
    """Written by the services, in the transaction of the change it records. Append-only."""

    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    kind = models.CharField(_("nature"), max_length=32)
    title = models.CharField(_("événement"), max_length=255)
    detail = models.TextField(_("détail"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("événement de la commune")
        verbose_name_plural = _("fil des communes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["commune", "-at"])]

    def __str__(self):
        return f"{self.commune_id} {self.at:%Y-%m-%d}: {self.title}"
