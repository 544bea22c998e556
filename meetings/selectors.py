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
