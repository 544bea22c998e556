"""Reads of the attendance: who is expected, who came, the sheet's groups, the rates.

The rules, in one place:
- an invitee is *expected* unless they declined or sent someone in their place (the
  substitute has an invitation of their own); someone who declined but came anyway is present;
- a commune's *invitees* of a meeting are its invitations, walk-ins and replaced people left
  out; its *present* are everyone of the commune checked in, walk-ins included;
- the rate of a meeting for a commune is the share of its invitees who came;
- over the held meetings, a commune *took part* in a meeting when at least one of its people
  was checked in; a meeting counts for the commune when it had an invitation there (or a
  walk-in: a commune that comes uninvited took part all the same).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Lower, NullIf
from django.utils import timezone
from django.utils.translation import gettext

from communes.models import Commune, Epci

from ..models import FollowUp, Invitation, Meeting

Response = Invitation.Response
AWAY = (Response.DECLINED, Response.DELEGATED)
# An invitation that counts as invited (not a walk-in, not replaced by a substitute).
INVITED = Q(walk_in=False) & ~Q(response=Response.DELEGATED)
PRESENT = Q(attended=True)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the day of the meeting ----------------------------------------------------------------


def meeting_day(meeting: Meeting) -> date:
    """The calendar day of the meeting in the portal's time zone (Europe/Paris)."""
    return timezone.localdate(meeting.starts_at)


def checkin_closed_reason(meeting: Meeting) -> str | None:
    """Why the check-in cannot be used now (a code), or None when it can."""
    if meeting.status == Meeting.Status.CANCELLED:
        return "cancelled"
    if timezone.localdate() < meeting_day(meeting):
        return "too_early"
    return None


def is_expected(invitation: Invitation) -> bool:
    return invitation.response not in AWAY or invitation.attended is True


@dataclass
class Group:
    """The people of one commune (or of the EPCI itself, or from elsewhere) at a meeting."""

    key: str
    label: str
    commune: Commune | None = None
    invitations: list[Invitation] = field(default_factory=list)

    @property
    def present_count(self) -> int:
        return sum(1 for i in self.invitations if i.attended is True)


def _group_key(invitation: Invitation) -> tuple:
    """Communes by name; then the EPCI's own people; then the walk-ins from elsewhere."""
    if invitation.commune_id is not None:
        return (0, invitation.commune.search_name, invitation.commune_id)
    if not invitation.walk_in:
        return (1, "", 0)
    return (2, "", 0)


def _groups(meeting: Meeting, invitations: list[Invitation]) -> list[Group]:
    groups: dict[tuple, Group] = {}
    for invitation in sorted(invitations, key=lambda i: (_group_key(i), i.name.casefold())):
        key = _group_key(invitation)
        if key not in groups:
            if key[0] == 0:
                commune = invitation.commune
                groups[key] = Group(
                    key=f"commune-{commune.pk}", label=commune.name, commune=commune
                )
            elif key[0] == 1:
                groups[key] = Group(
                    key="epci",
                    label=gettext("%(epci)s (EPCI)") % {"epci": meeting.epci.name},
                )
            else:
                groups[key] = Group(key="autres", label=gettext("Autres participants"))
        groups[key].invitations.append(invitation)
    return list(groups.values())


def _invitations(meeting: Meeting) -> list[Invitation]:
    return list(meeting.invitations.select_related("commune").order_by("pk"))


@dataclass
class CheckIn:
    """The check-in page: the expected people by commune, those who said they would not come."""

    groups: list[Group]
    away: list[Group]
    expected: int
    present: int
    absent: int
    unmarked: int
    walk_ins: int
    away_count: int


def checkin_sheet(meeting: Meeting) -> CheckIn:
    """Everything the check-in page shows, in one query."""
    invitations = _invitations(meeting)
    expected = [i for i in invitations if is_expected(i)]
    away = [i for i in invitations if not is_expected(i)]
    return CheckIn(
        groups=_groups(meeting, expected),
        away=_groups(meeting, away),
        expected=len(expected),
        present=sum(1 for i in expected if i.attended is True),
        absent=sum(1 for i in expected if i.attended is False),
        unmarked=sum(1 for i in expected if i.attended is None),
        walk_ins=sum(1 for i in expected if i.walk_in),
        away_count=len(away),
    )


@dataclass
class Sheet:
    meeting: Meeting
    groups: list[Group]
    held: bool
    printed_at: object


def attendance_sheet(meeting: Meeting) -> Sheet:
    """The feuille d'émargement: everyone expected (before), with who came (after)."""
    invitations = [i for i in _invitations(meeting) if is_expected(i)]
    return Sheet(
        meeting=meeting,
        groups=_groups(meeting, invitations),
        held=meeting.status == Meeting.Status.HELD,
        printed_at=timezone.localtime(),
    )


# --- rates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneRate:
    """One commune at one meeting."""

    label: str
    commune: Commune | None
    invited: int
    present: int
    invited_present: int
    walk_ins: int

    @property
    def rate(self) -> float | None:
        return _rate(self.invited_present, self.invited)


def meeting_rates(meeting: Meeting) -> list[CommuneRate]:
    """Per commune of the meeting (by name, the EPCI's own people last): invited, present,
    rate. One query."""
    rows = (
        meeting.invitations.values("commune", "commune__name", "commune__search_name")
        .annotate(
            invited=Count("pk", filter=INVITED),
            present=Count("pk", filter=PRESENT),
            invited_present=Count("pk", filter=INVITED & PRESENT),
            walk_ins=Count("pk", filter=Q(walk_in=True) & PRESENT),
        )
        .order_by(F("commune__search_name").asc(nulls_last=True))
    )
    return [
        CommuneRate(
            label=row["commune__name"] or gettext("EPCI et autres participants"),
            commune=row["commune"],
            invited=row["invited"],
            present=row["present"],
            invited_present=row["invited_present"],
            walk_ins=row["walk_ins"],
        )
        for row in rows
    ]


def held_meetings(epci: Epci) -> QuerySet[Meeting]:
    return Meeting.objects.filter(epci=epci, status=Meeting.Status.HELD)


RATE_SORTS = {
    "commune": (Lower("search_name").asc(), "insee_code"),
    "-commune": (Lower("search_name").desc(), "insee_code"),
    "taux": (F("rate").asc(nulls_last=True), "search_name"),
    "-taux": (F("rate").desc(nulls_last=True), "search_name"),
    "reunions": (F("meetings_count").asc(), "search_name"),
    "-reunions": (F("meetings_count").desc(), "search_name"),
}
DEFAULT_RATE_SORT = "commune"


def epci_commune_rates(epci: Epci, *, sort: str = DEFAULT_RATE_SORT) -> QuerySet[Commune]:
    """Every commune of the EPCI over its held meetings: meetings_count (invited to, or came
    uninvited), attended_count (at least one person present), rate (None without meetings).

    One query, whatever the number of communes, meetings and invitations.
    """
    held = Q(
        invitations__meeting__epci=epci,
        invitations__meeting__status=Meeting.Status.HELD,
    )
    communes = Commune.objects.filter(epci=epci).annotate(
        meetings_count=Count("invitations__meeting", filter=held, distinct=True),
        attended_count=Count(
            "invitations__meeting", filter=held & Q(invitations__attended=True), distinct=True
        ),
    )
    communes = communes.annotate(
        rate=Case(
            When(meetings_count=0, then=Value(None, output_field=FloatField())),
            default=Cast("attended_count", FloatField())
            / Cast(NullIf("meetings_count", 0), FloatField()),
            output_field=FloatField(),
        )
    )
    return communes.order_by(*RATE_SORTS.get(sort, RATE_SORTS[DEFAULT_RATE_SORT]))


@dataclass(frozen=True)
class CommuneMeeting:
    meeting: Meeting
    people: int
    present: int


@dataclass
class CommuneAttendance:
    """A commune at the EPCI's held meetings, for its page (latest meetings first)."""

    commune: Commune
    meetings: list[CommuneMeeting]

    @property
    def meetings_count(self) -> int:
        return len(self.meetings)

    @property
    def attended_count(self) -> int:
        return sum(1 for m in self.meetings if m.present)

    @property
    def rate(self) -> float | None:
        return _rate(self.attended_count, self.meetings_count)


def commune_attendance(commune: Commune) -> CommuneAttendance:
    """The held meetings of the commune's EPCI it had an invitation to, with how many of its
    people came; `.rate` is the share of those meetings it took part in. One query."""
    mine = Q(invitations__commune=commune)
    meetings = (
        held_meetings(commune.epci_id)
        .annotate(
            people=Count("invitations", filter=mine),
            present=Count("invitations", filter=mine & Q(invitations__attended=True)),
        )
        .filter(people__gt=0)
        .order_by("-starts_at")
    )
    return CommuneAttendance(
        commune=commune,
        meetings=[CommuneMeeting(meeting=m, people=m.people, present=m.present) for m in meetings],
    )


# --- the meeting page's panel --------------------------------------------------------------


def meeting_follow_ups(meeting: Meeting) -> list[FollowUp]:
    return list(
        meeting.follow_ups.select_related("commune", "request", "suggestion").order_by(
            "created_at", "pk"
        )
    )


def minutes_recipients(meeting: Meeting) -> list[Invitation]:
    """Who receives the minutes: every invitee with an address, walk-ins included, except
    the people who sent a substitute (the substitute receives them)."""
    return list(
        meeting.invitations.exclude(email="")
        .exclude(response=Response.DELEGATED)
        .select_related("commune")
        .order_by("commune__search_name", "name", "pk")
    )


def attendance_panel(meeting: Meeting) -> dict:
    """The context of templates/meetings/attendance/_panel.html (the meeting page):
    `render_detail(...)` adds `**attendance_panel(meeting)`."""
    from .forms import FollowUpForm

    held = meeting.status == Meeting.Status.HELD
    # Minutes and follow-ups once the meeting took place (writing them makes it held).
    after = held or (
        meeting.status in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED)
        and meeting.starts_at <= timezone.now()
    )
    return {
        "attendance": {
            "closed_reason": checkin_closed_reason(meeting),
            "held": held,
            "after": after,
            "rates": meeting_rates(meeting) if held else [],
            "follow_ups": meeting_follow_ups(meeting) if after else [],
            "follow_up_form": FollowUpForm(meeting=meeting, auto_id="suite_%s") if after else None,
        }
    }
