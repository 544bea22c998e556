"""The syndicat mixte's catalogue of training modules, the EPCI's on-site sessions of them, and
the agents' enrolments (with a waiting list).

The seats of a session are counted on its row (`seats_taken`) by the services, under a row
lock, and the database refuses a count above the capacity: two agents taking the last seat at
the same moment can never both get it, whatever the code above does.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referent_portal.db import TimeStampedModel


def default_reminder_days():
    return list(getattr(settings, "TRAINING_REMINDER_DAYS", (7, 1)))


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

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("module de formation")
        verbose_name_plural = _("modules de formation")
        ordering = ["position", "title"]

    def __str__(self):
        return self.title


class TrainingSession(TimeStampedModel):
    """One on-site (or remote) session of a module, organised by the EPCI's referent."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planifiée")
        OPEN = "open", _("Ouverte aux inscriptions")
        FULL = "full", _("Complète")
        HELD = "held", _("Tenue")
        CANCELLED = "cancelled", _("Annulée")

    class Venue(models.TextChoices):
        MAIRIE = "mairie", _("Dans une mairie de l'EPCI")
        EPCI = "epci", _("Dans les locaux de l'EPCI")
        ONLINE = "online", _("En visioconférence")

    # Statuses in which the session is still to come and its enrolments count.
    ACTIVE = (Status.PLANNED, Status.OPEN, Status.FULL)

    epci = models.ForeignKey(
        "communes.Epci",
        verbose_name=_("EPCI"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    module = models.ForeignKey(
        TrainingModule,
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"))
    venue = models.CharField(_("lieu"), max_length=16, choices=Venue.choices, default=Venue.EPCI)
    host_commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune d'accueil"),
        on_delete=models.PROTECT,
        related_name="hosted_training_sessions",
        null=True,
        blank=True,
    )
    place = models.CharField(
        _("salle et adresse"),
        max_length=300,
        blank=True,
        help_text=_("Ex. salle du conseil, 1 place de la Mairie."),
    )
    video_url = models.URLField(_("lien de visioconférence"), blank=True)
    trainer_name = models.CharField(_("formateur"), max_length=200)
    trainer_email = models.EmailField(_("adresse e-mail du formateur"), blank=True)
    capacity = models.PositiveIntegerField(_("nombre de places"))
    seats_taken = models.PositiveIntegerField(_("places occupées"), default=0, editable=False)
    registration_deadline = models.DateField(
        _("date limite d'inscription"),
        help_text=_("Inscriptions et désistements sont possibles jusqu'à ce jour inclus."),
    )
    details = models.TextField(
        _("informations pratiques"),
        blank=True,
        help_text=_("Ce qu'il faut apporter, l'accès, le repas… repris dans les courriels."),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    reminder_days = models.JSONField(
        _("rappels (jours avant)"),
        default=default_reminder_days,
        blank=True,
        help_text=_("Rappels envoyés aux inscrits, ex. 7 et 1 jour avant la session."),
    )
    # iCalendar: one UID for the life of the session, SEQUENCE raised at each change sent.
    uid = models.UUIDField(_("identifiant iCalendar"), default=uuid.uuid4, unique=True)
    sequence = models.PositiveIntegerField(_("version de l'invitation"), default=0)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancel_reason = models.TextField(_("motif de l'annulation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords(excluded_fields=["details"])

    class Meta:
        verbose_name = _("session de formation")
        verbose_name_plural = _("sessions de formation")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="training_session_ends_after_start",
                violation_error_message=_("La fin doit suivre le début."),
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="training_session_has_a_seat",
                violation_error_message=_("Une session compte au moins une place."),
            ),
            # The guarantee behind the waiting list: never more enrolled than seats.
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="training_session_not_overbooked",
                violation_error_message=_("La session est complète."),
            ),
            # « complète » says what the count says, for the pages and the dashboard.
            models.CheckConstraint(
                condition=~models.Q(status="open") | models.Q(seats_taken__lt=models.F("capacity")),
                name="training_session_open_has_a_seat_left",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="full") | models.Q(seats_taken=models.F("capacity")),
                name="training_session_full_is_full",
            ),
            models.CheckConstraint(
                condition=~models.Q(venue="mairie") | models.Q(host_commune__isnull=False),
                name="training_session_mairie_has_a_commune",
                violation_error_message=_("Choisissez la commune qui accueille la session."),
            ),
            models.CheckConstraint(
                condition=~models.Q(venue="online") | ~models.Q(video_url=""),
                name="training_session_online_has_a_link",
                violation_error_message=_("Indiquez le lien de la visioconférence."),
            ),
        ]

    def __str__(self):
        return f"{self.module} — {self.starts_at:%d/%m/%Y}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Enrolment(TimeStampedModel):
    """A person's seat in a session, or their place on its waiting list.

    A withdrawal or a cancelled session keeps the row (history); enrolling again after a
    withdrawal makes a new one. At most one live (enrolled or waiting) row per person.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Inscrit(e)")
        WAITING = "waiting", _("En liste d'attente")
        WITHDRAWN = "withdrawn", _("Désisté(e)")
        CANCELLED = "cancelled", _("Session annulée")

    LIVE = (Status.ENROLLED, Status.WAITING)

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    contact = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("stagiaire"),
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="training_enrolments",
        null=True,
        blank=True,
        help_text=_("La commune pour laquelle l'agent se forme ; vide pour un agent de l'EPCI."),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.ENROLLED, db_index=True
    )
    # The order of the waiting list: who asked first is promoted first.
    queued_at = models.DateTimeField(_("demandée le"), db_index=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrit(e) par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    promoted_at = models.DateTimeField(_("sortie de la liste d'attente le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("désistement le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("désistement enregistré par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    attended = models.BooleanField(_("présent(e)"), null=True, blank=True)
    # The last e-mail carrying the session's .ics, and the SEQUENCE it carried.
    email_message = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("dernier courriel"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    sent_sequence = models.PositiveIntegerField(_("version envoyée"), null=True, blank=True)
    # What the satisfaction survey link is signed over: random, so a link cannot be made for
    # another enrolment by counting ids, even by someone who knows the SECRET_KEY.
    survey_key = models.UUIDField(
        _("clé du questionnaire"), default=uuid.uuid4, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["session", "queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "contact"],
                condition=models.Q(status__in=["enrolled", "waiting"]),
                name="one_live_enrolment_per_contact",
                violation_error_message=_("Cette personne est déjà inscrite à cette session."),
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self):
        return f"{self.contact} → {self.session}"


class EnrolmentReminder(models.Model):
    """A reminder already sent for an enrolment: each (enrolment, days before) goes out once."""

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("inscription"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    days_before = models.PositiveSmallIntegerField(_("jours avant"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    email_message = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("courriel"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("rappel de formation")
        verbose_name_plural = _("rappels de formation")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "days_before"], name="one_training_reminder_per_day"
            )
        ]

    def __str__(self):
        return f"J-{self.days_before} → {self.enrolment}"


from .models_followup import Attestation, SurveyResponse, TrainingDemand  # noqa: E402, F401
