"""Every write of the information campaigns.

A campaign's life: the referent writes a draft (text, documents, audience), previews its
recipients, and sends it. Sending freezes the audience into one CampaignRecipient row per
address and marks the campaign « envoi en cours », in one transaction; no e-mail is written in
the web request. A Celery task then writes the e-mails to the outbox in batches: each batch
locks recipients that have no e-mail yet (skipping rows another worker holds), queues theirs
and records it on the row in the same transaction — so a crash, a retry or two workers at
once never write a second e-mail for a person. When none is left the campaign is « envoyée ».
A beat sweeper re-enqueues the campaigns whose batches stopped (broker outage, lost task) and
writes each reached commune's timeline entry.

Documents are stored once (CampaignDocument.file); every e-mail names that file in the outbox
instead of carrying a copy (referent_portal.outbox.services.Attachment.storage_name).
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Contact, Network
from communes.timeline.models import TimelineEntry
from communes.timeline.services import timeline_record
from meetings.models import Campaign, CampaignDocument, CampaignRecipient
from referent_portal.accounts.models import User
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.services import Attachment, email_queue, email_resend
from referent_portal.uploads.cleanup import atomic_with_files
from referent_portal.uploads.storage import original_name
from referent_portal.uploads.types import content_type_for
from referent_portal.uploads.validation import validate_upload

from .selectors import campaign_audience

logger = logging.getLogger(__name__)

EMAIL_KIND = "campaigns.message"
EMAIL_TEMPLATE = "meetings/campaigns/email/campaign"
TIMELINE_KIND = "campaign"
# An e-mail much larger than this is refused by many municipal mail servers.
MAX_DOCUMENTS_BYTES = 10 * 1024 * 1024
# A campaign still « envoi en cours » that wrote no e-mail for this long has lost its task.
STALLED_AFTER = timedelta(minutes=2)
# How long after the sending the sweeper still looks for newly reached communes (resends).
REACH_WINDOW = timedelta(days=30)

STATE_ERRORS = {
    Campaign.Status.DRAFT: _("La campagne n'est pas encore envoyée."),
    Campaign.Status.SENDING: _("La campagne est en cours d'envoi : elle ne peut plus changer."),
    Campaign.Status.SENT: _("La campagne est envoyée : elle ne peut plus changer."),
}


def batch_size() -> int:
    return settings.CAMPAIGN_BATCH_SIZE


# --- helpers -------------------------------------------------------------------------------------


def _check_referent(by: User, epci_id: int) -> None:
    if not (by.is_referent and by.epci_id == epci_id):
        raise ValidationError(_("Seul un référent de l'EPCI relaie ses campagnes."))


def _check_state(campaign: Campaign, *allowed: str) -> None:
    if campaign.status not in allowed:
        raise ValidationError(STATE_ERRORS[campaign.status], code=f"campaign_{campaign.status}")


def _check_audience(
    by: User,
    *,
    communes: Iterable[Commune],
    functions: Iterable[str],
    networks: Iterable[Network],
    contacts: Iterable[Contact],
) -> None:
    if not (communes or functions or networks or contacts):
        raise ValidationError(
            _("Choisissez au moins une commune, une fonction, un réseau ou une personne."),
            code="empty_audience",
        )
    errors = {}
    if any(c.epci_id != by.epci_id for c in communes):
        errors["communes"] = _("Une campagne s'adresse aux communes de votre EPCI.")
    if any(n.epci_id != by.epci_id for n in networks):
        errors["networks"] = _("Une campagne s'adresse aux réseaux de votre EPCI.")
    if any(c.epci_id != by.epci_id for c in contacts):
        errors["contacts"] = _("Une campagne s'adresse aux contacts de votre EPCI.")
    unknown = set(functions) - set(Contact.Function.values)
    if unknown:
        errors["functions"] = _("Fonction inconnue.")
    if errors:
        raise ValidationError(errors)


def _check_documents(
    campaign: Campaign | None, uploads: Sequence[UploadedFile], removed: set[int]
) -> None:
    kept = [] if campaign is None else [d for d in campaign.documents.all() if d.pk not in removed]
    if len(kept) + len(uploads) > settings.REQUEST_ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            {
                "documents": _("Au plus %(n)s pièces jointes par campagne.")
                % {"n": settings.REQUEST_ATTACHMENT_MAX_COUNT}
            }
        )
    errors = []
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"documents": errors})
    total = sum(_stored_size(d) for d in kept) + sum(u.size for u in uploads)
    if total > MAX_DOCUMENTS_BYTES:
        raise ValidationError(
            {
                "documents": _(
                    "Les pièces jointes pèsent ensemble %(total)s, au-delà des %(limit)s qu'un "
                    "courriel peut porter : retirez-en ou mettez-les en ligne."
                )
                % {"total": filesizeformat(total), "limit": filesizeformat(MAX_DOCUMENTS_BYTES)}
            }
        )


def _stored_size(document: CampaignDocument) -> int:
    try:
        return document.file.size
    except OSError:
        return 0


# --- the draft -----------------------------------------------------------------------------------


@atomic_with_files()
def campaign_save(
    *,
    by: User,
    campaign: Campaign | None = None,
    subject: str,
    body: str,
    source: str = "",
    communes: Iterable[Commune] = (),
    functions: Iterable[str] = (),
    networks: Iterable[Network] = (),
    contacts: Iterable[Contact] = (),
    new_documents: Sequence[UploadedFile] = (),
    removed_documents: Iterable[int] = (),
) -> Campaign:
    """Create a draft (no `campaign`) or change one: its text, its audience, its documents.

    Everything is checked before anything is written: a refused change leaves the draft as it
    was, with no document half-added.
    """
    communes, functions = list(communes), list(dict.fromkeys(functions))
    networks, contacts = list(networks), list(contacts)
    removed = set(removed_documents)
    if campaign is None:
        if not by.is_referent:
            raise ValidationError(_("Seul un référent de l'EPCI relaie ses campagnes."))
        campaign = Campaign(epci_id=by.epci_id, created_by=by)
    else:
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _check_referent(by, campaign.epci_id)
        _check_state(campaign, Campaign.Status.DRAFT)
    _check_audience(
        by, communes=communes, functions=functions, networks=networks, contacts=contacts
    )
    _check_documents(campaign if campaign.pk else None, list(new_documents), removed)
    campaign.subject = subject.strip()
    campaign.body = body.strip()
    campaign.source = source.strip()
    campaign.functions = functions
    campaign.full_clean()
    campaign.save()
    campaign.communes.set(communes)
    campaign.networks.set(networks)
    campaign.contacts.set(contacts)
    if removed:
        campaign.documents.filter(pk__in=removed).delete()
    for upload in new_documents:
        CampaignDocument.objects.create(
            campaign=campaign, title=original_name(upload.name, max_length=200), file=upload
        )
    return campaign


# --- sending -------------------------------------------------------------------------------------


def _enqueue_batch(campaign_id: int) -> None:
    """After commit: hand the next batch to the broker; if it is down, the sweeper will."""
    from .tasks import send_campaign_batch

    try:
        send_campaign_batch.delay(campaign_id)
    except Exception as exc:  # noqa: BLE001 (whatever the broker raised, the rows are safe)
        logger.warning(
            "Campaign %s: next batch not enqueued (%s); the campaign sweeper will.",
            campaign_id,
            exc,
        )


@transaction.atomic
def campaign_send(*, campaign: Campaign, by: User) -> int:
    """Freeze the audience and start the sending; returns the number of recipients.

    One transaction: the recipients' rows and the state « envoi en cours ». The e-mails are
    written by the batch task enqueued after commit.
    """
    campaign = Campaign.objects.select_for_update().select_related("epci").get(pk=campaign.pk)
    _check_referent(by, campaign.epci_id)
    _check_state(campaign, Campaign.Status.DRAFT)
    missing = [d.title for d in campaign.documents.all() if not default_storage.exists(d.file.name)]
    if missing:
        raise ValidationError(
            _("Pièce jointe introuvable, déposez-la à nouveau : %(names)s.")
            % {"names": ", ".join(missing)},
            code="document_missing",
        )
    audience = campaign_audience(campaign)
    if not audience.recipients:
        raise ValidationError(
            _("Personne n'a d'adresse e-mail dans ce public : la campagne ne peut pas partir."),
            code="no_recipient",
        )
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(
            campaign=campaign,
            contact=r.contact,
            commune=r.commune,
            name=r.contact.full_name[:200],
            email=r.contact.email.strip(),
            language=r.contact.language,
        )
        for r in audience.recipients
    )
    campaign.status = Campaign.Status.SENDING
    campaign.send_started_at = timezone.now()
    campaign.save(update_fields=["status", "send_started_at", "updated_at"])
    transaction.on_commit(partial(_enqueue_batch, campaign.pk))
    return len(audience.recipients)


def _attachments(campaign: Campaign) -> list[Attachment]:
    return [
        Attachment(
            filename=document.title,
            mimetype=content_type_for(document.title),
            storage_name=document.file.name,
        )
        for document in campaign.documents.all()
    ]


def campaign_send_batch(*, campaign_id: int, size: int | None = None) -> int:
    """Write the e-mails of the next recipients; returns how many were written.

    Harmless to run twice or concurrently: a recipient is taken only while it has no e-mail,
    under a row lock that another batch skips, and its e-mail is recorded in the transaction
    that wrote it. When nothing is left, the campaign is marked « envoyée ».
    """
    size = size or batch_size()
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_related("epci", "created_by")
            .filter(pk=campaign_id, status=Campaign.Status.SENDING)
            .first()
        )
        if campaign is None:
            return 0  # sent already, or deleted
        recipients = list(
            CampaignRecipient.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(campaign=campaign, email_message__isnull=True)
            .select_related("commune")
            .order_by("pk")[:size]
        )
        if recipients:
            attachments = _attachments(campaign)
            documents = [a.filename for a in attachments]
            for recipient in recipients:
                recipient.email_message = email_queue(
                    to=recipient.email,
                    template=EMAIL_TEMPLATE,
                    context={
                        "campaign": campaign,
                        "recipient": recipient,
                        "referent": campaign.created_by,
                        "documents": documents,
                    },
                    kind=EMAIL_KIND,
                    language=recipient.language,
                    reply_to=campaign.created_by.email,
                    attachments=attachments,
                )
            CampaignRecipient.objects.bulk_update(recipients, ["email_message"])
            transaction.on_commit(partial(_enqueue_batch, campaign.pk))
    if not recipients:
        campaign_finish(campaign_id=campaign_id)
    return len(recipients)


def campaign_finish(*, campaign_id: int) -> bool:
    """« Envoyée » once every recipient's e-mail is in the outbox. True when it just became so.

    Rows another batch holds still have no e-mail in the committed data: that batch finishes.
    """
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .filter(pk=campaign_id, status=Campaign.Status.SENDING)
            .first()
        )
        if campaign is None:
            return False
        if campaign.recipients.filter(email_message__isnull=True).exists():
            return False
        campaign.status = Campaign.Status.SENT
        campaign.sent_at = timezone.now()
        campaign.save(update_fields=["status", "sent_at", "updated_at"])
    # E-mails sent in-process (make run) already reached their communes.
    campaign_record_reached(campaign_id=campaign_id)
    return True


# --- resending -----------------------------------------------------------------------------------


@transaction.atomic
def campaign_recipient_resend(*, recipient: CampaignRecipient, by: User) -> OutgoingEmail:
    """Send a failed recipient's e-mail again (the address may have been fixed meanwhile)."""
    recipient = (
        CampaignRecipient.objects.select_for_update(of=("self",))
        .select_related("campaign", "email_message")
        .get(pk=recipient.pk)
    )
    _check_referent(by, recipient.campaign.epci_id)
    email = recipient.email_message
    if email is None or email.status != OutgoingEmail.Status.FAILED:
        raise ValidationError(_("Seul un courriel en échec peut être renvoyé."), code="not_failed")
    resent = email_resend(email_id=email.pk)
    if resent.pk != recipient.email_message_id:
        recipient.email_message = resent
        recipient.save(update_fields=["email_message"])
    return resent


# --- the communes' timelines ---------------------------------------------------------------------


def campaign_record_reached(*, campaign_id: int) -> int:
    """One timeline entry per commune reached (an e-mail sent there) not yet recorded."""
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .select_related("created_by")
            .filter(pk=campaign_id, status=Campaign.Status.SENT)
            .first()
        )
        if campaign is None:
            return 0
        content_type = ContentType.objects.get_for_model(Campaign)
        recorded = TimelineEntry.objects.filter(
            kind=TIMELINE_KIND, content_type=content_type, object_id=campaign.pk
        ).values("commune_id")
        communes = Commune.objects.filter(
            pk__in=CampaignRecipient.objects.filter(
                campaign=campaign, email_message__status=OutgoingEmail.Status.SENT
            ).values("commune_id")
        ).exclude(pk__in=recorded)
        communes = list(communes)
        with translation.override(settings.LANGUAGE_CODE):
            title = gettext("Campagne d'information « %(subject)s » reçue") % {
                "subject": campaign.subject
            }
            detail = (
                gettext("Campagne du syndicat mixte : %(source)s") % {"source": campaign.source}
                if campaign.source
                else ""
            )
        for commune in communes:
            timeline_record(
                commune=commune,
                kind=TIMELINE_KIND,
                title=title,
                detail=detail,
                actor=campaign.created_by,
                subject=campaign,
            )
    return len(communes)


# --- the sweeper ---------------------------------------------------------------------------------


def campaigns_sweep(*, now=None) -> int:
    """Re-enqueue the batches of campaigns that stopped; record newly reached communes.

    A campaign « envoi en cours » whose last e-mail was written more than STALLED_AFTER ago (or
    none at all) has no batch coming: its task was lost or never published. Returns the number
    of campaigns handed back to the broker.
    """
    now = now or timezone.now()
    stalled = now - STALLED_AFTER
    ids = list(
        Campaign.objects.filter(status=Campaign.Status.SENDING, send_started_at__lt=stalled)
        .annotate(last_written=Max("recipients__email_message__created_at"))
        .filter(Q(last_written__isnull=True) | Q(last_written__lt=stalled))
        .values_list("pk", flat=True)
    )
    from .tasks import send_campaign_batch

    for count, campaign_id in enumerate(ids):
        try:
            send_campaign_batch.delay(campaign_id)
        except Exception as exc:
            logger.warning("Campaign sweep stopped at campaign %s: %s", campaign_id, exc)
            if count == 0:
                raise
            return count
    content_type = ContentType.objects.get_for_model(Campaign)
    unrecorded = (
        CampaignRecipient.objects.filter(
            campaign__status=Campaign.Status.SENT,
            campaign__sent_at__gte=now - REACH_WINDOW,
            email_message__status=OutgoingEmail.Status.SENT,
            commune__isnull=False,
        )
        .exclude(
            Exists(
                TimelineEntry.objects.filter(
                    kind=TIMELINE_KIND,
                    content_type=content_type,
                    object_id=OuterRef("campaign_id"),
                    commune_id=OuterRef("commune_id"),
                )
            )
        )
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for campaign_id in list(unrecorded):
        campaign_record_reached(campaign_id=campaign_id)
    return len(ids)
