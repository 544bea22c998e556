"""The territory (EPCIs and their communes, from official data) and the people in it."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referent_portal.db import TimeStampedModel

from .text import fold


class Epci(TimeStampedModel):
    """An intercommunal body (EPCI à fiscalité propre), identified by its SIREN."""

    class Kind(models.TextChoices):
        CC = "CC", _("Communauté de communes")
        CA = "CA", _("Communauté d'agglomération")
        CU = "CU", _("Communauté urbaine")
        METRO = "METRO", _("Métropole")
        MET69 = "MET69", _("Métropole de Lyon")

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("nature juridique"), max_length=8, choices=Kind.choices)
    financing = models.CharField(_("mode de financement"), max_length=8, blank=True)
    population = models.PositiveIntegerField(_("population totale"), default=0)

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(TimeStampedModel):
    """A current commune (commune actuelle of INSEE's COG)."""

    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    name = models.CharField(_("nom"), max_length=200)
    search_name = models.CharField(
        _("nom pour la recherche"),
        max_length=200,
        db_index=True,
        editable=False,
        help_text=_("Le nom sans accents ni traits d'union, en minuscules : recherche et tri."),
    )
    population = models.PositiveIntegerField(_("population municipale"), default=0)
    postal_codes = models.JSONField(_("codes postaux"), default=list, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    region = models.CharField(_("région"), max_length=3, blank=True)
    epci = models.ForeignKey(
        Epci,
        verbose_name=_("EPCI"),
        on_delete=models.PROTECT,
        related_name="communes",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["search_name", "insee_code"]
        indexes = [models.Index(fields=["epci", "search_name"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A derived column, not a side effect: bulk writes (the import) set it themselves.
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    @property
    def postal_codes_display(self):
        return ", ".join(self.postal_codes)


class Contact(TimeStampedModel):
    """An élu or an agent of one or more communes, or of the EPCI itself."""

    class Function(models.TextChoices):
        MAIRE = "maire", _("Maire")
        ADJOINT = "adjoint", _("Adjoint au maire")
        DELEGUE_NUMERIQUE = "delegue_numerique", _("Conseiller délégué au numérique")
        CONSEILLER = "conseiller", _("Conseiller municipal")
        PRESIDENT_EPCI = "president_epci", _("Président de l'EPCI")
        VICE_PRESIDENT_EPCI = "vice_president_epci", _("Vice-président de l'EPCI")
        DGS = "dgs", _("Directeur général des services")
        SECRETAIRE = "secretaire", _("Secrétaire de mairie")
        ACHETEUR = "acheteur", _("Acheteur public")
        COMPTABLE = "comptable", _("Comptable")
        ARCHIVISTE = "archiviste", _("Archiviste")
        INFORMATIQUE = "informatique", _("Responsable informatique")
        AGENT = "agent", _("Agent")
        REFERENT = "referent", _("Référent e-administration")

    ELECTED_FUNCTIONS = frozenset(
        {
            Function.MAIRE,
            Function.ADJOINT,
            Function.DELEGUE_NUMERIQUE,
            Function.CONSEILLER,
            Function.PRESIDENT_EPCI,
            Function.VICE_PRESIDENT_EPCI,
        }
    )

    class LegalBasis(models.TextChoices):
        PUBLIC_TASK = "public_task", _("Mission d'intérêt public (art. 6.1.e RGPD)")
        LEGAL_OBLIGATION = "legal_obligation", _("Obligation légale (art. 6.1.c RGPD)")
        CONSENT = "consent", _("Consentement (art. 6.1.a RGPD)")

    epci = models.ForeignKey(
        Epci, verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="contacts"
    )
    communes = models.ManyToManyField(
        Commune,
        verbose_name=_("communes"),
        related_name="contacts",
        blank=True,
        help_text=_("Aucune commune : contact de l'EPCI lui-même."),
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    function = models.CharField(_("fonction"), max_length=32, choices=Function.choices)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    language = models.CharField(
        _("langue des messages"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte utilisateur"),
        on_delete=models.SET_NULL,
        related_name="contact",
        null=True,
        blank=True,
    )
    legal_basis = models.CharField(
        _("base légale du traitement"),
        max_length=32,
        choices=LegalBasis.choices,
        default=LegalBasis.PUBLIC_TASK,
    )
    is_active = models.BooleanField(_("actif"), default=True)
    last_activity_at = models.DateTimeField(
        _("dernière activité"),
        null=True,
        blank=True,
        help_text=_("Dernier échange avec ce contact ; sert à la durée de conservation (RGPD)."),
    )
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "epci",
                Lower("email"),
                condition=~models.Q(email=""),
                name="contact_email_unique_per_epci",
                violation_error_message=_("Un contact de cet EPCI a déjà cette adresse e-mail."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_elected(self):
        return self.function in self.ELECTED_FUNCTIONS


class Service(TimeStampedModel):
    """A shared e-administration service run by the syndicat mixte (its catalogue)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("adresse du service"), blank=True)
    is_active = models.BooleanField(_("proposé"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service du syndicat mixte")
        verbose_name_plural = _("services du syndicat mixte")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


# The communes app's features each keep their models in a module of their own; importing them
# here registers them with the app (app label "communes").
from .adoption.models import Adoption, AdoptionEvent  # noqa: E402
from .drives.models import Commitment, Drive  # noqa: E402
from .networks.models import Membership, Network  # noqa: E402
from .suggestions.models import Suggestion  # noqa: E402
from .timeline.models import TimelineEntry  # noqa: E402

__all__ = [
    "Adoption",
    "AdoptionEvent",
    "Commitment",
    "Commune",
    "Contact",
    "Drive",
    "Epci",
    "Membership",
    "Network",
    "Service",
    "Suggestion",
    "TimelineEntry",
]
