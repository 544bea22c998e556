"""Requests of the communes, the dossiers that consolidate them, and their relay.

A commune agent submits a `Request`; the referent answers it locally or puts it in a `Dossier`
(one or several communes' requests on the same subject) which is relayed to the syndicat mixte.
Every delivery to the syndicat mixte's webhook is first a `Relay` row written in the transaction
that relays the dossier, then delivered by a Celery task (queue "relay").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referent_portal.db import TimeStampedModel
from referent_portal.uploads.storage import UnguessableName


class ReferenceSequence(models.Model):
    """Per-prefix, per-year counters behind the human references (DEM-2026-00042)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_prefix_year")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.value}"


class Category(models.TextChoices):
    MEETING = "meeting", _("Demande de réunion d'information")
    TRAINING = "training", _("Demande de formation")
    MEMBERSHIP = "membership", _("Adhésion à un service")
    SETUP = "setup", _("Assistance au paramétrage")
    USAGE = "usage", _("Assistance à l'utilisation")
    SUGGESTION = "suggestion", _("Suggestion")
    OTHER = "other", _("Autre")


class Status(models.TextChoices):
    """Shared by requests and dossiers: a request in a dossier follows the dossier's status."""

    NEW = "new", _("Nouvelle")
    IN_PROGRESS = "in_progress", _("En cours d'instruction")
    WAITING_COMMUNE = "waiting_commune", _("En attente de la commune")
    RELAYED = "relayed", _("Transmise au syndicat mixte")
    ACKNOWLEDGED = "acknowledged", _("Prise en compte par le syndicat mixte")
    ANSWERED = "answered", _("Réponse du syndicat mixte")
    RESOLVED = "resolved", _("Résolue")
    REFUSED = "refused", _("Refusée")


class DossierStatus(models.TextChoices):
    """The same values as Status (requests follow their dossier), with a dossier's wording."""

    IN_PROGRESS = Status.IN_PROGRESS.value, _("En préparation par le référent")
    RELAYED = Status.RELAYED.value, _("Transmis au syndicat mixte")
    ACKNOWLEDGED = Status.ACKNOWLEDGED.value, _("Pris en compte par le syndicat mixte")
    ANSWERED = Status.ANSWERED.value, _("Réponse du syndicat mixte")
    RESOLVED = Status.RESOLVED.value, _("Résolu")
    REFUSED = Status.REFUSED.value, _("Refusé")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_COMMUNE)
CLOSED_STATUSES = (Status.RESOLVED, Status.REFUSED)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normale")
    HIGH = "high", _("Urgente")
    BLOCKING = "blocking", _("Bloquante (service interrompu)")


class Dossier(TimeStampedModel):
    """What is relayed: one or several communes' requests, argued for together."""

    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    epci = models.ForeignKey(
        "communes.Epci", verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="dossiers"
    )
    category = models.CharField(_("nature"), max_length=16, choices=Category.choices)
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        null=True,
        blank=True,
    )
    training_module = models.ForeignKey(
        "trainings.TrainingModule",
        verbose_name=_("module de formation"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        null=True,
        blank=True,
    )
    title = models.CharField(_("intitulé"), max_length=200)
    summary = models.TextField(_("synthèse du référent"))
    arguments = models.TextField(_("arguments"), blank=True)
    status = models.CharField(
        _("état"),
        max_length=16,
        choices=DossierStatus.choices,
        default=DossierStatus.IN_PROGRESS,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    relayed_at = models.DateTimeField(_("transmis le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("réponse reçue le"), null=True, blank=True)
    answer = models.TextField(_("réponse du syndicat mixte"), blank=True)

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords(excluded_fields=["summary", "arguments"])

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.reference} — {self.title}"


class Request(TimeStampedModel):
    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposée par"),
        on_delete=models.PROTECT,
        related_name="submitted_requests",
    )
    category = models.CharField(_("nature"), max_length=16, choices=Category.choices)
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
    )
    training_module = models.ForeignKey(
        "trainings.TrainingModule",
        verbose_name=_("module de formation"),
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
    )
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"))
    urgency = models.CharField(
        _("urgence"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(_("état modifié le"), auto_now_add=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suivie par"),
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
        null=True,
        blank=True,
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["commune", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(category="training") | models.Q(training_module__isnull=False),
                name="training_request_names_a_module",
                violation_error_message=_("Une demande de formation précise le module."),
            ),
            models.CheckConstraint(
                condition=~models.Q(category="membership") | models.Q(service__isnull=False),
                name="membership_request_names_a_service",
                violation_error_message=_("Une demande d'adhésion précise le service."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.subject}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def attachments_for_syndicat(self):
        """What the syndicat mixte may see: not the files of the EPCI's internal notes."""
        return self.attachments.exclude(message__internal=True)


class Message(TimeStampedModel):
    """The thread between the commune and the referent; internal notes stay with the EPCI."""

    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Vide : message du syndicat mixte reçu par l'API ou du système."),
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(
        _("note interne"), default=False, help_text=_("Jamais montrée à la commune.")
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.request.reference} #{self.pk}"


def attachment_path(instance, filename):
    """Referenced by migration 0001 only; the storage name is UnguessableName's."""
    return UnguessableName("requests")(instance, filename)


class Attachment(TimeStampedModel):
    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
        null=True,
        blank=True,
    )
    # Stored as requests/<uuid4 hex> (rows of before keep requests/<insee>/<hex>/<name>);
    # its format was checked at upload (referent_portal.uploads.validate_upload).
    file = models.FileField(_("fichier"), upload_to=UnguessableName("requests"))
    filename = models.CharField(_("nom du fichier"), max_length=255)  # as uploaded
    size = models.PositiveIntegerField(_("taille (octets)"))
    # The listed format's type (never the one the uploader's browser declared); downloads
    # take theirs from the list, by the file name.
    content_type = models.CharField(_("type"), max_length=100)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.filename


class Relay(TimeStampedModel):
    """One delivery of a dossier event to the syndicat mixte's webhook (the relay outbox)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENDING = "sending", _("Envoi en cours")
        DELIVERED = "delivered", _("Remis")
        RETRY = "retry", _("Nouvel essai prévu")
        FAILED = "failed", _("Échec")

    SENDABLE = (State.QUEUED, State.RETRY)

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="relays"
    )
    event = models.CharField(_("événement"), max_length=64)
    webhook_id = models.CharField(
        _("identifiant (clé d'idempotence)"), max_length=64, unique=True, editable=False
    )
    endpoint = models.URLField(_("adresse du destinataire"), max_length=500)
    payload = models.JSONField(_("contenu"))
    state = models.CharField(
        _("état"), max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    first_attempt_at = models.DateTimeField(_("première tentative"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    sending_since = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    enqueued_at = models.DateTimeField(
        _("confié au courtier le"),
        null=True,
        blank=True,
        help_text=_("Quand une tâche de remise a été confiée à Redis ; vide : aucune n'attend."),
    )
    delivered_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("dernier code HTTP"), null=True, blank=True
    )
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("relais (webhook)")
        verbose_name_plural = _("relais (webhooks)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.webhook_id} ({self.get_state_display()})"


class RelayAttempt(models.Model):
    relay = models.ForeignKey(
        Relay, verbose_name=_("relais"), on_delete=models.CASCADE, related_name="log"
    )
    started_at = models.DateTimeField(_("début"))
    duration_ms = models.PositiveIntegerField(
        _("durée (ms)"), null=True, blank=True, help_text=_("Vide : envoi interrompu.")
    )
    status_code = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi du webhook")
        verbose_name_plural = _("tentatives d'envoi du webhook")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.relay_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"


class InboundCall(models.Model):
    """A signed call received from the syndicat mixte: its id makes a replay harmless."""

    webhook_id = models.CharField(_("identifiant"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    payload = models.JSONField(_("contenu"))

    class Meta:
        verbose_name = _("appel signé reçu (API)")
        verbose_name_plural = _("appels signés reçus (API)")
        ordering = ["-received_at"]

    def __str__(self):
        return self.webhook_id
