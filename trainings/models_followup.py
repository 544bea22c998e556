"""What happens after and around a session: attestations, the satisfaction survey, and the
demand of agents waiting for a module (see trainings/attendance.py, survey.py, demand.py).

Imported at the end of trainings/models.py, so these are models of the « trainings » app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from referent_portal.db import TimeStampedModel


class Attestation(TimeStampedModel):
    """The attestation de formation of one attendee: its number and when it was issued.

    The PDF itself is not stored: it is drawn again from the enrolment, the session and this
    row each time it is asked for (trainings/attestations.py says why). It is valid while the
    enrolment says « présent(e) »; marked absent later, the row stays (the number is never
    given again) but nobody can download it.
    """

    enrolment = models.OneToOneField(
        "trainings.Enrolment",
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        related_name="attestation",
    )
    number = models.CharField(_("numéro"), max_length=20, unique=True, editable=False)
    issued_at = models.DateTimeField(_("délivrée le"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("délivrée par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # The e-mail that carried the PDF and the survey link (none without an address).
    email_message = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("courriel"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("attestation de formation")
        verbose_name_plural = _("attestations de formation")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number


class SurveyResponse(models.Model):
    """One attendee's answer to the satisfaction survey of their session: once, never edited."""

    enrolment = models.OneToOneField(
        "trainings.Enrolment",
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        related_name="survey_response",
    )
    # The enrolment's session, kept here so that the results are one GROUP BY away.
    session = models.ForeignKey(
        "trainings.TrainingSession",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    overall = models.PositiveSmallIntegerField(_("appréciation générale"))
    content = models.PositiveSmallIntegerField(_("contenu"))
    trainer = models.PositiveSmallIntegerField(_("formateur"))
    comment = models.TextField(_("commentaire"), blank=True)
    answered_at = models.DateTimeField(_("répondu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse au questionnaire de satisfaction")
        verbose_name_plural = _("réponses au questionnaire de satisfaction")
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5)
                & models.Q(content__gte=1, content__lte=5)
                & models.Q(trainer__gte=1, trainer__lte=5),
                name="survey_scores_between_1_and_5",
                violation_error_message=_("Chaque note va de 1 à 5."),
            )
        ]

    def __str__(self):
        return f"{self.session_id}: {self.overall}/{self.content}/{self.trainer}"


class TrainingDemand(TimeStampedModel):
    """A person of a commune waiting for a session of a module (from a training request).

    When enough people wait for the same module in the EPCI, the referent creates a session
    and enrols them in one step (trainings/demand.py). At most one waiting demand per person
    and module.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("En attente d'une session")
        ENROLLED = "enrolled", _("Inscrit(e) à une session")
        WITHDRAWN = "withdrawn", _("Retirée")

    epci = models.ForeignKey(
        "communes.Epci",
        verbose_name=_("EPCI"),
        on_delete=models.CASCADE,
        related_name="training_demands",
    )
    module = models.ForeignKey(
        "trainings.TrainingModule",
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    contact = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="training_demands",
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="training_demands",
    )
    request = models.ForeignKey(
        "requests_relay.Request",
        verbose_name=_("demande de la commune"),
        on_delete=models.SET_NULL,
        related_name="training_demands",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrée par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    enrolment = models.ForeignKey(
        "trainings.Enrolment",
        verbose_name=_("inscription"),
        on_delete=models.SET_NULL,
        related_name="demands",
        null=True,
        blank=True,
    )
    resolved_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("personne en attente de formation")
        verbose_name_plural = _("personnes en attente de formation")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "contact"],
                condition=models.Q(status="waiting"),
                name="one_waiting_demand_per_contact_and_module",
                violation_error_message=_("Cette personne attend déjà une session de ce module."),
            )
        ]
        indexes = [models.Index(fields=["epci", "status", "module"])]

    def __str__(self):
        return f"{self.contact} → {self.module}"
