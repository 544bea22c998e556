"""Networks of competences: agents of several communes sharing one practice."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class Network(TimeStampedModel):
    epci = models.ForeignKey(
        "communes.Epci", verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="networks"
    )
    name = models.CharField(_("nom"), max_length=200)
    theme = models.TextField(_("thème"), blank=True)
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service concerné"),
        on_delete=models.SET_NULL,
        related_name="networks",
        null=True,
        blank=True,
    )
    coordinator = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("coordinateur"),
        on_delete=models.SET_NULL,
        related_name="coordinated_networks",
        null=True,
        blank=True,
    )
    members = models.ManyToManyField(
        "communes.Contact",
        verbose_name=_("membres"),
        through="Membership",
        related_name="networks",
        blank=True,
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("réseau de compétences")
        verbose_name_plural = _("réseaux de compétences")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["epci", "name"], name="network_name_unique_per_epci")
        ]

    def __str__(self):
        return self.name


class Membership(TimeStampedModel):
    network = models.ForeignKey(
        Network, verbose_name=_("réseau"), on_delete=models.CASCADE, related_name="memberships"
    )
    contact = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("membre d'un réseau")
        verbose_name_plural = _("membres des réseaux")
        ordering = ["network", "contact__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "contact"], name="one_membership_per_contact"
            )
        ]

    def __str__(self):
        return f"{self.contact} ∈ {self.network}"
