"""Who may see which drive and which commune's commitment; who a drive writes to."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet

from communes.models import Commune, Contact
from communes.selectors import communes_visible_to

from .models import Commitment, Drive

# Whom a drive writes to in each commune: the people who decide on a membership (the maire,
# the councillor for digital affairs) and those who prepare the council's deliberation (the
# DGS, the secrétaire de mairie). Buyers, accountants… hear of it from them.
RECIPIENT_FUNCTIONS = (
    Contact.Function.MAIRE,
    Contact.Function.DELEGUE_NUMERIQUE,
    Contact.Function.DGS,
    Contact.Function.SECRETAIRE,
)


def drives_visible_to(user) -> QuerySet[Drive]:
    """The referent sees the drives of the EPCI; an agent, the launched drives that target one
    of their communes (never a draft); the syndicat mixte, every drive."""
    if not user.is_authenticated:
        return Drive.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Drive.objects.all()
    if user.is_referent:
        return Drive.objects.filter(epci_id=user.epci_id)
    return (
        Drive.objects.filter(commitments__commune__in=communes_visible_to(user))
        .exclude(status=Drive.Status.DRAFT)
        .distinct()
    )


def commitments_visible_to(user) -> QuerySet[Commitment]:
    """The referent sees every commitment of the EPCI's drives; an agent, their communes' in
    launched drives."""
    if not user.is_authenticated:
        return Commitment.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Commitment.objects.all()
    if user.is_referent:
        return Commitment.objects.filter(drive__epci_id=user.epci_id)
    return Commitment.objects.filter(commune__in=communes_visible_to(user)).exclude(
        drive__status=Drive.Status.DRAFT
    )


def _with_counts(drives: QuerySet[Drive]) -> QuerySet[Drive]:
    status = Commitment.Status
    return drives.annotate(
        commune_count=Count("commitments"),
        committed_count=Count("commitments", filter=Q(commitments__status=status.COMMITTED)),
        answered_count=Count("commitments", filter=~Q(commitments__status=status.INVITED)),
    )


def drives_with_counts(user) -> QuerySet[Drive]:
    """The user's drives with their number of communes, of answers and of commitments."""
    return _with_counts(drives_visible_to(user).select_related("service")).order_by(
        "-created_at", "-pk"
    )


def drive_counts(drive: Drive) -> list[dict]:
    """Per status of commitment, in the order of the statuses: value, label, count."""
    counts = {
        row["status"]: row["n"]
        for row in drive.commitments.order_by().values("status").annotate(n=Count("pk"))
    }
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Commitment.Status.choices
    ]


def drive_commitments(drive: Drive) -> QuerySet[Commitment]:
    return drive.commitments.select_related("commune", "changed_by").order_by(
        "commune__search_name"
    )


def commitments_awaiting_answer(user) -> list[Commitment]:
    """For « Mon espace »: the open drives that ask the agent's communes for an answer, the
    silent ones first, then by deadline. An answer can still change until the drive closes."""
    commitments = (
        commitments_visible_to(user)
        .filter(drive__status=Drive.Status.OPEN)
        .select_related("drive", "drive__service", "commune")
        .order_by("drive__deadline", "commune__search_name")
    )
    return sorted(commitments, key=lambda c: c.status != Commitment.Status.INVITED)


def commune_commitments(user, commune: Commune) -> QuerySet[Commitment]:
    """For the commune's page: the drives this commune took part in, newest first."""
    return (
        commitments_visible_to(user)
        .filter(commune=commune)
        .select_related("drive", "drive__service", "drive__dossier")
        .order_by("-drive__created_at", "-pk")
    )


def drive_recipients(drive: Drive, *, communes=None) -> dict[Contact, list[Commune]]:
    """The contacts a drive writes to (each once), with the targeted communes each serves.

    `communes` narrows the communes (e.g. the silent ones for a reminder); by default, every
    commune of the drive.
    """
    targeted = {
        c.commune_id: c.commune
        for c in drive.commitments.select_related("commune").order_by("commune__search_name")
    }
    if communes is not None:
        wanted = {commune.pk for commune in communes}
        targeted = {pk: commune for pk, commune in targeted.items() if pk in wanted}
    contacts = (
        Contact.objects.filter(
            is_active=True,
            anonymised_at__isnull=True,
            function__in=RECIPIENT_FUNCTIONS,
            communes__in=list(targeted),
        )
        .exclude(email="")
        .distinct()
        .prefetch_related(
            Prefetch("communes", queryset=Commune.objects.filter(pk__in=list(targeted)))
        )
        .order_by("last_name", "first_name", "pk")
    )
    recipients: dict[Contact, list[Commune]] = {}
    for contact in contacts:
        recipients[contact] = sorted(
            (targeted[c.pk] for c in contact.communes.all()), key=lambda c: c.search_name
        )
    return recipients


def communes_without_recipient(drive: Drive) -> list[Commune]:
    """The targeted communes no e-mail will reach: the referent calls them instead."""
    reached = defaultdict(int)
    for communes in drive_recipients(drive).values():
        for commune in communes:
            reached[commune.pk] += 1
    return [
        c.commune
        for c in drive.commitments.select_related("commune").order_by("commune__search_name")
        if not reached[c.commune_id]
    ]
