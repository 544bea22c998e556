"""Who may see which campaign; who a campaign goes to; where its sending stands.

Every read of the pages is a fixed number of queries whatever the size of the audience: the
states are counted by the database, the recipients are read a page at a time.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Contact
from meetings.audience import Recipient, audience_recipients
from meetings.models import Campaign, CampaignRecipient
from referent_portal.outbox.models import OutgoingEmail

Mail = OutgoingEmail.Status


class RecipientStatus:
    """A recipient's state as the referent reads it, from their outbox message."""

    PREPARING = "preparing"  # the batch that writes their e-mail has not run yet
    WAITING = "waiting"  # written, not yet handed to the mail server (or a retry is planned)
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the person chose not to receive campaigns (their account's settings)

    choices = [
        (PREPARING, _("En préparation")),
        (WAITING, _("En attente")),
        (SENT, _("Envoyé")),
        (FAILED, _("Échec")),
        (SKIPPED, _("Non envoyé (choix du destinataire)")),
    ]
    labels = dict(choices)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """The referent sees the campaigns of their EPCI; the syndicat mixte, every campaign (in
    the admin site); nobody else any."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Campaign.objects.all()
    if user.is_referent:
        return Campaign.objects.filter(epci_id=user.epci_id)
    return Campaign.objects.none()


def _count_filters(prefix: str = "") -> dict:
    mail = f"{prefix}email_message__status"
    return {
        "preparing": Q(**{f"{prefix}email_message__isnull": True}),
        "waiting": Q(**{f"{mail}__in": (Mail.QUEUED, Mail.SENDING, Mail.RETRY)}),
        "sent": Q(**{mail: Mail.SENT}),
        "failed": Q(**{mail: Mail.FAILED}),
        "skipped": Q(**{mail: Mail.SKIPPED}),
    }


def campaigns_with_counts(user) -> QuerySet[Campaign]:
    """The list: each campaign with its number of recipients, sent and failed."""
    filters = _count_filters("recipients__")
    return (
        campaigns_visible_to(user)
        .select_related("created_by")
        .annotate(
            recipient_count=Count("recipients"),
            sent_count=Count("recipients", filter=filters["sent"]),
            failed_count=Count("recipients", filter=filters["failed"]),
        )
        .order_by("-created_at", "-pk")
    )


# --- the audience ------------------------------------------------------------------------------


@dataclass
class Audience:
    """Who the campaign goes to, as it would be frozen now, and who is left out."""

    recipients: list[Recipient]
    # Chosen people that no e-mail can reach: no address, an address that is not one, or an
    # address already in the list (two records of one secretariat's mailbox).
    without_email: int = 0
    invalid_email: int = 0
    duplicates: int = 0
    communes: list = field(default_factory=list)

    @property
    def left_out(self) -> int:
        return self.without_email + self.invalid_email + self.duplicates


def _selection(campaign: Campaign) -> dict:
    return {
        "communes": list(campaign.communes.all()),
        "functions": list(campaign.functions or []),
        "networks": list(campaign.networks.all()),
        "contacts": list(campaign.contacts.all()),
    }


def _without_email_count(campaign: Campaign, selection: dict) -> int:
    """The chosen people the audience leaves out because they have no address.

    The same selection as meetings.audience.audience_recipients (see its docstring), counted
    among the active, non-anonymised contacts that have no e-mail address.
    """
    commune_ids = {c.pk for c in selection["communes"]}
    functions = set(selection["functions"])
    network_ids = {n.pk for n in selection["networks"]}
    selected = Q(pk__in={c.pk for c in selection["contacts"]})
    if functions:
        by_function = Q(function__in=functions)
        if commune_ids:
            by_function &= Q(communes__in=commune_ids)
        selected |= by_function
    elif commune_ids:
        selected |= Q(communes__in=commune_ids)
    if network_ids:
        selected |= Q(memberships__network__in=network_ids, memberships__network__is_active=True)
    return Contact.objects.filter(
        epci_id=campaign.epci_id,
        is_active=True,
        anonymised_at__isnull=True,
        email="",
        pk__in=Contact.objects.filter(selected).values("pk"),
    ).count()


def campaign_audience(campaign: Campaign) -> Audience:
    """The people the campaign would be sent to now, one per address, sorted by commune."""
    selection = _selection(campaign)
    if not any(selection.values()):
        return Audience(recipients=[])
    people = audience_recipients(campaign.epci, **selection)
    recipients, seen, invalid, duplicates = [], set(), 0, 0
    for recipient in people:
        address = recipient.contact.email.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            invalid += 1
            continue
        if address in seen:
            duplicates += 1
            continue
        seen.add(address)
        recipients.append(recipient)
    by_commune: dict[int | None, list] = {}
    for recipient in recipients:
        key = recipient.commune.pk if recipient.commune else None
        by_commune.setdefault(key, [recipient.commune, 0])[1] += 1
    return Audience(
        recipients=recipients,
        without_email=_without_email_count(campaign, selection),
        invalid_email=invalid,
        duplicates=duplicates,
        communes=[(commune, count) for commune, count in by_commune.values()],
    )


# --- where the sending stands ------------------------------------------------------------------


def with_status(recipients: QuerySet[CampaignRecipient]) -> QuerySet[CampaignRecipient]:
    filters = _count_filters()
    return recipients.annotate(
        status=Case(
            When(filters["preparing"], then=Value(RecipientStatus.PREPARING)),
            When(filters["sent"], then=Value(RecipientStatus.SENT)),
            When(filters["failed"], then=Value(RecipientStatus.FAILED)),
            When(filters["skipped"], then=Value(RecipientStatus.SKIPPED)),
            default=Value(RecipientStatus.WAITING),
            output_field=CharField(),
        )
    )


def campaign_recipients(
    campaign: Campaign, *, status: str | None = None
) -> QuerySet[CampaignRecipient]:
    """The campaign's recipients with their state (`status`), optionally of one state only."""
    recipients = with_status(
        CampaignRecipient.objects.filter(campaign=campaign).select_related(
            "commune", "email_message"
        )
    ).order_by("commune__search_name", "name", "pk")
    if status in RecipientStatus.labels:
        recipients = recipients.filter(_count_filters()[status])
    return recipients


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """{"total": …, "preparing": …, "waiting": …, "sent": …, "failed": …, "skipped": …}, in
    one query."""
    filters = _count_filters()
    return CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"), **{name: Count("pk", filter=q) for name, q in filters.items()}
    )


@dataclass(frozen=True)
class CommuneReach:
    commune: Commune
    recipients: int
    sent: int

    @property
    def reached(self) -> bool:
        return self.sent > 0


def campaign_reach(campaign: Campaign) -> list[CommuneReach]:
    """Each commune of the audience: its recipients and how many were sent the e-mail.

    The communes of the recipients, and the chosen communes where nobody could be written to
    (they are not reached either). Two queries.
    """
    rows = (
        CampaignRecipient.objects.filter(campaign=campaign, commune__isnull=False)
        .values("commune")
        .annotate(recipients=Count("pk"), sent=Count("pk", filter=_count_filters()["sent"]))
        .order_by()
    )
    counts = {row["commune"]: row for row in rows}
    communes = Commune.objects.filter(
        Q(pk__in=list(counts)) | Q(pk__in=campaign.communes.values("pk"))
    ).order_by("search_name")
    return [
        CommuneReach(
            commune=commune,
            recipients=counts.get(commune.pk, {}).get("recipients", 0),
            sent=counts.get(commune.pk, {}).get("sent", 0),
        )
        for commune in communes
    ]
