"""Users and their role: what part of the territory they may see follows from it."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        REFERENT = "referent", _("Référent e-administration")
        AGENT = "agent", _("Agent communal")
        SYNDICAT = "syndicat", _("Syndicat mixte")

    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, default=Role.AGENT)
    epci = models.ForeignKey(
        "communes.Epci",
        verbose_name=_("EPCI"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("L'EPCI du référent, ou des communes de l'agent."),
    )
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    # Keys of accounts.preferences.OPTIONAL the person chose not to receive.
    email_opt_outs = models.JSONField(_("courriels refusés"), default=list, blank=True)

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="referent") | models.Q(epci__isnull=False),
                name="referent_has_an_epci",
                violation_error_message=_("Un référent est rattaché à un EPCI."),
            ),
        ]

    # A superuser is the platform operator, whatever its role (`createsuperuser` leaves the
    # default, « agent »): it reads with the syndicat mixte's scope and acts for no EPCI and no
    # commune — never a referent's or a commune agent's page, form or message in their name.

    @property
    def is_referent(self):
        return self.role == self.Role.REFERENT and not self.is_superuser

    @property
    def is_agent(self):
        return self.role == self.Role.AGENT and not self.is_superuser

    @property
    def is_syndicat(self):
        return self.role == self.Role.SYNDICAT
