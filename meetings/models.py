"""Meetings, their invitations and attendance, and the syndicat mixte's information campaigns.

Invitees are people, not accounts: an élu answers through signed links in the invitation
e-mail. An invitation keeps a copy of the invitee's name, address and commune so that the
attendance sheet and the rates stay true after a contact is edited or anonymised.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from referent_portal.db import TimeStampedModel
from referent_portal.uploads.storage import UnguessableName, original_name


def default_reminder_days():
    return [7, 1]


class Meeting(TimeStampedModel):
    class Kind(models.TextChoices):
        INFORMATION = "information", _("Réunion d'information")
        SYNDICAT = "syndicat", _("Réunion du syndicat mixte sur le territoire")
        NETWORK = "network", _("Réunion de réseau")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SCHEDULED = "scheduled", _("Planifiée")
        HELD = "held", _("Tenue")
        CANCELLED = "cancelled", _("Annulée")

    epci = models.ForeignKey(
        "communes.Epci", verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(
        _("type de réunion"), max_length=16, choices=Kind.choices, default=Kind.INFORMATION
    )
    title = models.CharField(_("intitulé"), max_length=200)
    topic = models.CharField(_("sujet"), max_length=200, blank=True)
    service = models.ForeignKey(
        "communes.Service",
        verbose_name=_("service présenté"),
        on_delete=models.SET_NULL,
        related_name="meetings",
        null=True,
        blank=True,
    )
    network = models.ForeignKey(
        "communes.Network",
        verbose_name=_("réseau"),
        on_delete=models.SET_NULL,
        related_name="meetings",
        null=True,
        blank=True,
    )
    description = models.TextField(_("présentation et ordre du jour"), blank=True)
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"))
    place = models.CharField(
        _("lieu"), max_length=200, blank=True, help_text=_("Ex. salle du conseil, mairie.")
    )
    address = models.TextField(_("adresse"), blank=True)
    host_commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune d'accueil"),
        on_delete=models.SET_NULL,
        related_name="hosted_meetings",
        null=True,
        blank=True,
    )
    video_url = models.URLField(_("lien de visioconférence"), blank=True)
    capacity = models.PositiveIntegerField(
        _("nombre de places"), null=True, blank=True, help_text=_("Vide : sans limite.")
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # iCalendar: one UID for the life of the meeting, SEQUENCE raised at each change sent.
    uid = models.UUIDField(_("identifiant iCalendar"), default=uuid.uuid4, unique=True)
    sequence = models.PositiveIntegerField(_("version de l'invitation"), default=0)
    reminder_days = models.JSONField(
        _("rappels (jours avant)"),
        default=default_reminder_days,
        blank=True,
        help_text=_("Rappels envoyés à ceux qui ont accepté, ex. 7 et 1 jour avant."),
    )
    chase_days = models.PositiveSmallIntegerField(
        _("relance des sans-réponse (jours avant)"),
        null=True,
        blank=True,
        default=5,
        help_text=_("Vide : pas de relance."),
    )
    chase_staff = models.BooleanField(
        _("relancer aussi le DGS ou la secrétaire de mairie"),
        default=True,
        help_text=_(
            "Quand un élu n'a pas répondu, la relance part aussi aux services de sa commune."
        ),
    )
    request = models.ForeignKey(
        "requests_relay.Request",
        verbose_name=_("demande à l'origine"),
        on_delete=models.SET_NULL,
        related_name="meetings",
        null=True,
        blank=True,
    )
    minutes = models.TextField(_("compte rendu"), blank=True)
    minutes_sent_at = models.DateTimeField(_("compte rendu envoyé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancel_reason = models.TextField(_("motif de l'annulation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords(excluded_fields=["description", "minutes"])

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("La fin doit suivre le début."),
            ),
        ]

    def __str__(self):
        return self.title


class MeetingDocument(TimeStampedModel):
    """Slides, handouts, the minutes: downloadable by every invitee."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("titre"), max_length=200)
    # Stored as meetings/<uuid4 hex>: nothing to guess (rows of before keep meetings/%Y/%m/…).
    file = models.FileField(_("fichier"), upload_to=UnguessableName("meetings"))
    filename = models.CharField(_("nom du fichier"), max_length=255)  # as uploaded
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("document de réunion")
        verbose_name_plural = _("documents de réunion")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.filename and self.file and not self.file._committed:
            self.filename = original_name(self.file.name)  # the upload's, before storage
        super().save(*args, **kwargs)


class Invitation(TimeStampedModel):
    class Response(models.TextChoices):
        PENDING = "pending", _("Sans réponse")
        ACCEPTED = "accepted", _("Accepte")
        DECLINED = "declined", _("Décline")
        DELEGATED = "delegated", _("Se fait remplacer")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="invitations"
    )
    contact = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        related_name="invitations",
        null=True,
        blank=True,
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune représentée"),
        on_delete=models.SET_NULL,
        related_name="invitations",
        null=True,
        blank=True,
    )
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    function = models.CharField(_("fonction"), max_length=100, blank=True)
    language = models.CharField(
        _("langue des messages"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    # The secret of the invitee's signed links (accept, decline, send a colleague).
    token = models.UUIDField(_("jeton"), default=uuid.uuid4, unique=True, editable=False)
    response = models.CharField(
        _("réponse"),
        max_length=16,
        choices=Response.choices,
        default=Response.PENDING,
        db_index=True,
    )
    responded_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    delegated_from = models.ForeignKey(
        "self",
        verbose_name=_("remplace"),
        on_delete=models.SET_NULL,
        related_name="substitutes",
        null=True,
        blank=True,
    )
    # The last invitation e-mail (request, update or cancellation) and the SEQUENCE it carried.
    email_message = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("dernier courriel"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    sent_sequence = models.PositiveIntegerField(_("version envoyée"), null=True, blank=True)
    attended = models.BooleanField(_("présent"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("émargé le"), null=True, blank=True)
    walk_in = models.BooleanField(
        _("venu sans invitation"), default=False, help_text=_("Ajouté le jour de la réunion.")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["meeting", "commune__search_name", "name"]
        constraints = [
            models.UniqueConstraint(
                "meeting",
                Lower("email"),
                condition=~models.Q(email=""),
                name="one_invitation_per_address",
                violation_error_message=_("Cette personne est déjà invitée."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "contact"], name="one_invitation_per_contact"
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.meeting}"

    @property
    def function_label(self):
        """The function as people read it: a Contact.Function code's label, or the text typed
        for a colleague or a walk-in."""
        from communes.models import Contact

        return dict(Contact.Function.choices).get(self.function, self.function)


class InvitationReminder(models.Model):
    """A reminder or chase already sent: each goes out once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Rappel")
        CHASE = "chase", _("Relance")
        CHASE_STAFF = "chase_staff", _("Relance aux services de la commune")

    invitation = models.ForeignKey(
        Invitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("nature"), max_length=16, choices=Kind.choices)
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
        verbose_name = _("rappel d'invitation")
        verbose_name_plural = _("rappels d'invitation")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind", "days_before"], name="one_reminder_per_day_and_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} J-{self.days_before} → {self.invitation}"


class FollowUp(TimeStampedModel):
    """An action decided at a meeting; it may become a request or a suggestion."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        related_name="meeting_follow_ups",
        null=True,
        blank=True,
    )
    text = models.TextField(_("action"))
    request = models.ForeignKey(
        "requests_relay.Request",
        verbose_name=_("demande créée"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    suggestion = models.ForeignKey(
        "communes.Suggestion",
        verbose_name=_("suggestion créée"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noté par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("suite à donner")
        verbose_name_plural = _("suites à donner")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:80]


class Campaign(TimeStampedModel):
    """A syndicat-mixte information campaign relayed by the référent to an audience."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyée")

    epci = models.ForeignKey(
        "communes.Epci", verbose_name=_("EPCI"), on_delete=models.PROTECT, related_name="campaigns"
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    source = models.CharField(
        _("campagne du syndicat mixte"),
        max_length=200,
        blank=True,
        help_text=_("Intitulé ou référence de la campagne d'origine."),
    )
    # The audience: (communes × functions) ∪ networks' members ∪ people chosen one by one.
    functions = models.JSONField(_("fonctions"), default=list, blank=True)
    communes = models.ManyToManyField(
        "communes.Commune", verbose_name=_("communes"), related_name="+", blank=True
    )
    networks = models.ManyToManyField(
        "communes.Network", verbose_name=_("réseaux"), related_name="campaigns", blank=True
    )
    contacts = models.ManyToManyField(
        "communes.Contact",
        verbose_name=_("personnes choisies"),
        related_name="+",
        blank=True,
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    send_started_at = models.DateTimeField(_("envoi lancé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoi terminé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Who changed what, when: the admin site's « Historique » (simple_history).
    history = HistoricalRecords(excluded_fields=["body"])

    class Meta:
        verbose_name = _("campagne d'information")
        verbose_name_plural = _("campagnes d'information")
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class CampaignDocument(TimeStampedModel):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="documents"
    )
    # The file's name as uploaded: shown, and the name of the download and of the e-mails'
    # attachment.
    title = models.CharField(_("titre"), max_length=200)
    # Stored as campaigns/<uuid4 hex> (rows of before keep campaigns/%Y/%m/…).
    file = models.FileField(_("fichier"), upload_to=UnguessableName("campaigns"))

    class Meta:
        verbose_name = _("pièce jointe de campagne")
        verbose_name_plural = _("pièces jointes de campagne")
        ordering = ["pk"]

    def __str__(self):
        return self.title


class CampaignRecipient(models.Model):
    """One person of the audience, frozen when the sending starts; one e-mail each."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="recipients"
    )
    contact = models.ForeignKey(
        "communes.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        related_name="campaign_receipts",
        null=True,
        blank=True,
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.SET_NULL,
        related_name="campaign_receipts",
        null=True,
        blank=True,
    )
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("adresse e-mail"))
    language = models.CharField(
        _("langue des messages"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    # Empty until the batch that writes this person's e-mail to the outbox has committed.
    email_message = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("courriel"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("destinataire de campagne")
        verbose_name_plural = _("destinataires de campagne")
        ordering = ["campaign", "commune__search_name", "name"]
        constraints = [
            models.UniqueConstraint(
                "campaign", Lower("email"), name="one_campaign_email_per_address"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "email_message"])]

    def __str__(self):
        return f"{self.name} <{self.email}>"
