"""Who may see which meeting; the lists of the referent's pages."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Invitation, Meeting


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """The referent sees the meetings of their EPCI (the syndicat mixte, every meeting);
    a commune agent works with their invitations, not with the meetings' pages."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Meeting.objects.all()
    if user.is_referent:
        return Meeting.objects.filter(epci_id=user.epci_id)
    return Meeting.objects.none()


def with_invitation_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    answered = Invitation.Response
    return meetings.annotate(
        invited_count=Count("invitations", filter=Q(invitations__walk_in=False)),
        accepted_count=Count("invitations", filter=Q(invitations__response=answered.ACCEPTED)),
        attended_count=Count("invitations", filter=Q(invitations__attended=True)),
    )


def meeting_list(user, *, past: bool) -> QuerySet[Meeting]:
    """Upcoming meetings soonest first (drafts included), or past ones latest first."""
    now = timezone.now()
    meetings = meetings_visible_to(user).select_related("host_commune", "service", "network")
    if past:
        meetings = meetings.filter(ends_at__lt=now).order_by("-starts_at")
    else:
        meetings = meetings.filter(ends_at__gte=now).order_by("starts_at")
    return with_invitation_counts(meetings)


def commune_meetings(user, commune, *, limit: int = 10) -> list[Meeting]:
    """The meetings a commune took part in: hosted, asked for, or with someone invited from it;
    latest first, each with the commune's own invited and present counts. Agents of the
    commune see them too (the meetings' pages are the referent's)."""
    if not user.is_authenticated:
        return []
    if not (user.is_referent or user.is_agent or user.is_syndicat or user.is_superuser):
        return []
    if user.is_referent and commune.epci_id != user.epci_id:
        return []
    own = Q(invitations__commune=commune)
    meetings = (
        Meeting.objects.filter(
            Q(host_commune=commune) | Q(request__commune=commune) | own,
        )
        .exclude(status=Meeting.Status.DRAFT)
        .annotate(
            commune_invited=Count("invitations", filter=own & Q(invitations__walk_in=False)),
            commune_present=Count("invitations", filter=own & Q(invitations__attended=True)),
        )
        .order_by("-starts_at")
    )
    return list(meetings[:limit])


def network_meetings(network, *, include_drafts: bool, limit: int = 10) -> list[Meeting]:
    """A network's meetings, upcoming first then the latest past ones."""
    meetings = network.meetings.select_related("host_commune")
    if not include_drafts:
        meetings = meetings.exclude(status=Meeting.Status.DRAFT)
    return list(meetings.order_by("-starts_at")[:limit])


def invitations_to_answer(user) -> list[Invitation]:
    """The agent's own invitations still without an answer, to meetings still to come."""
    if not (user.is_authenticated and user.is_agent):
        return []
    return list(
        Invitation.objects.filter(
            contact__user=user,
            response=Invitation.Response.PENDING,
            meeting__status=Meeting.Status.SCHEDULED,
            meeting__ends_at__gte=timezone.now(),
        )
        .select_related("meeting__host_commune", "commune")
        .order_by("meeting__starts_at")
    )
