"""The referent's dashboard: what needs doing today, and the territory at a glance.

Every block is read with a fixed number of SQL queries, whatever the size of the EPCI or the
years of history (tests assert it at two sizes): lists are cut to a few items, figures are
aggregated in the database.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communes.adoption.models import Adoption
from communes.drives.models import Commitment, Drive
from communes.models import Commune, Service
from communes.suggestions.models import Suggestion
from meetings.models import Invitation, Meeting
from requests_relay.models import Relay, Request, Status
from trainings.models import Enrolment, TrainingModule, TrainingSession

LIST_LIMIT = 5
SOON_DAYS = 7
MONTHS = 12
ATTENDANCE_MEETINGS = 8


@dataclass
class Block:
    """One kind of work on the « To do today » list: the first items and how many in all."""

    items: list
    total: int

    def __bool__(self):
        return self.total > 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


def _block(queryset, limit: int = LIST_LIMIT) -> Block:
    # Two queries always (the first items, the count): the same cost whatever the size.
    return Block(items=list(queryset[:limit]), total=queryset.count())


def calendar_age(moment: datetime, today: date) -> int:
    return (today - timezone.localdate(moment)).days


def referent_todo(user, *, now: datetime | None = None) -> dict[str, Block]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    epci_id = user.epci_id
    soon = now + timedelta(days=SOON_DAYS)

    requests = _block(
        Request.objects.filter(
            commune__epci_id=epci_id,
            status__in=(Status.NEW, Status.IN_PROGRESS),
            dossier__isnull=True,
        )
        .select_related("commune")
        .order_by("created_at", "pk")
    )
    for item in requests.items:
        item.age_days = calendar_age(item.created_at, today)

    relays = _block(
        Relay.objects.filter(
            dossier__epci_id=epci_id, state__in=(Relay.State.FAILED, Relay.State.RETRY)
        )
        .select_related("dossier")
        .order_by("state", "created_at")
    )

    pending = Q(invitations__response=Invitation.Response.PENDING, invitations__walk_in=False)
    meetings = _block(
        Meeting.objects.filter(
            epci_id=epci_id, status=Meeting.Status.SCHEDULED, starts_at__gte=now, starts_at__lt=soon
        )
        .annotate(pending=Count("invitations", filter=pending))
        .filter(pending__gt=0)
        .order_by("starts_at")
    )

    waiting = Q(enrolments__status=Enrolment.Status.WAITING)
    sessions = _block(
        TrainingSession.objects.filter(
            epci_id=epci_id,
            starts_at__gte=now,
            status__in=(
                TrainingSession.Status.PLANNED,
                TrainingSession.Status.OPEN,
                TrainingSession.Status.FULL,
            ),
        )
        .select_related("module")
        .annotate(
            waiting=Count("enrolments", filter=waiting), free_seats=F("capacity") - F("seats_taken")
        )
        .filter(Q(free_seats__gt=0) | Q(waiting__gt=0))
        .order_by("starts_at")
    )

    silent = Q(commitments__status=Commitment.Status.INVITED)
    drives = _block(
        Drive.objects.filter(
            epci_id=epci_id,
            status=Drive.Status.OPEN,
            deadline__lte=today + timedelta(days=SOON_DAYS),
        )
        .select_related("service")
        .annotate(silent=Count("commitments", filter=silent))
        .order_by("deadline")
    )
    for drive in drives.items:
        drive.days_left = (drive.deadline - today).days

    suggestions = _block(
        Suggestion.objects.filter(commune__epci_id=epci_id, status=Suggestion.Status.SENT)
        .select_related("commune")
        .order_by("sent_at", "pk")
    )
    for suggestion in suggestions.items:
        suggestion.age_days = calendar_age(suggestion.sent_at or suggestion.created_at, today)

    return {
        "requests": requests,
        "relays": relays,
        "meetings": meetings,
        "sessions": sessions,
        "drives": drives,
        "suggestions": suggestions,
    }


# --- the territory at a glance -----------------------------------------------------------------


@dataclass
class Segment:
    label: str
    value: int
    css: str = ""
    share: float = 0.0  # of the longest bar, 0–100: the segment's width in the SVG
    offset: float = 0.0  # where the segment starts in the SVG, 0–100


@dataclass
class Bar:
    label: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(segment.value for segment in self.segments)


@dataclass
class Chart:
    """A horizontal bar chart drawn in SVG by the template, with its data table and CSV."""

    key: str
    title: str
    bars: list[Bar]
    legend: list[Segment]
    unit: str = ""
    max_total: int = 0

    def __post_init__(self):
        self.max_total = max((bar.total for bar in self.bars), default=0)
        for bar in self.bars:
            offset = 0.0
            for segment in bar.segments:
                segment.share = 100 * segment.value / self.max_total if self.max_total else 0
                segment.offset = offset
                offset += segment.share

    @property
    def columns(self) -> list[str]:
        return [segment.label for segment in self.legend]

    def rows(self) -> list[tuple[str, list[int]]]:
        return [(bar.label, [segment.value for segment in bar.segments]) for bar in self.bars]


ADOPTION_ORDER = [
    (Adoption.Status.ACTIVE, "chart-s1"),
    (Adoption.Status.DEPLOYING, "chart-s2"),
    (Adoption.Status.CHARTER_SIGNED, "chart-s3"),
    (Adoption.Status.INTERESTED, "chart-s4"),
]


def adoption_chart(epci_id: int) -> Chart:
    """Per service, the EPCI's communes by where they stand (the rest: not adopted)."""
    communes = Commune.objects.filter(epci_id=epci_id).count()
    counts = {
        (row["service_id"], row["status"]): row["n"]
        for row in Adoption.objects.filter(commune__epci_id=epci_id)
        .values("service_id", "status")
        .annotate(n=Count("pk"))
    }
    legend = [Segment(str(status.label), 0, css) for status, css in ADOPTION_ORDER]
    legend.append(Segment(str(Adoption.Status.NOT_ADOPTED.label), 0, "chart-s0"))
    bars = []
    for service in Service.objects.filter(is_active=True).order_by("position", "name"):
        segments = [
            Segment(str(status.label), counts.get((service.pk, status.value), 0), css)
            for status, css in ADOPTION_ORDER
        ]
        segments.append(
            Segment(legend[-1].label, communes - sum(s.value for s in segments), "chart-s0")
        )
        bars.append(Bar(service.name, segments))
    return Chart("adhesions", _("Adhésion des communes aux services"), bars, legend)


def training_chart(epci_id: int) -> Chart:
    """Per module, the communes with at least one agent trained, and the others."""
    communes = Commune.objects.filter(epci_id=epci_id).count()
    trained = dict(
        Enrolment.objects.filter(
            session__epci_id=epci_id,
            session__status=TrainingSession.Status.HELD,
            status=Enrolment.Status.ENROLLED,
            attended=True,
        )
        .values_list("session__module_id")
        .annotate(n=Count("commune_id", distinct=True))
    )
    legend = [
        Segment(_("Communes avec un agent formé"), 0, "chart-s1"),
        Segment(_("Sans agent formé"), 0, "chart-s0"),
    ]
    bars = [
        Bar(
            module.title,
            [
                Segment(legend[0].label, trained.get(module.pk, 0), "chart-s1"),
                Segment(legend[1].label, communes - trained.get(module.pk, 0), "chart-s0"),
            ],
        )
        for module in TrainingModule.objects.filter(is_active=True).order_by("position", "title")
    ]
    return Chart("formations", _("Couverture des formations"), bars, legend)


def requests_status_chart(epci_id: int) -> Chart:
    counts = dict(
        Request.objects.filter(commune__epci_id=epci_id)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    legend = [Segment(_("Demandes"), 0, "chart-s1")]
    bars = [
        Bar(str(status.label), [Segment(legend[0].label, counts.get(status.value, 0), "chart-s1")])
        for status in Status
    ]
    return Chart("demandes-etat", _("Demandes par état"), bars, legend)


def requests_month_chart(epci_id: int, *, today: date) -> Chart:
    first = today.replace(day=1)
    months = []
    for _index in range(MONTHS):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    months.reverse()
    start = datetime.combine(months[0], datetime.min.time(), tzinfo=timezone.get_current_timezone())
    counts = {
        timezone.localdate(row["month"])
        if isinstance(row["month"], datetime)
        else row["month"]: row["n"]
        for row in Request.objects.filter(commune__epci_id=epci_id, created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
    }
    legend = [Segment(_("Demandes déposées"), 0, "chart-s2")]
    bars = [
        Bar(date_format(month, "F Y"), [Segment(legend[0].label, counts.get(month, 0), "chart-s2")])
        for month in months
    ]
    return Chart("demandes-mois", _("Demandes déposées par mois"), bars, legend)


def attendance_chart(epci_id: int) -> Chart:
    """The last held meetings: present and absent among those invited."""
    invited = Q(invitations__walk_in=False) & ~Q(
        invitations__response=Invitation.Response.DELEGATED
    )
    meetings = list(
        Meeting.objects.filter(epci_id=epci_id, status=Meeting.Status.HELD)
        .annotate(
            # As on the attendance pages: someone who sent a colleague is not invited twice.
            invited=Count("invitations", filter=invited),
            present=Count("invitations", filter=Q(invitations__attended=True)),
            invited_present=Count("invitations", filter=invited & Q(invitations__attended=True)),
        )
        .order_by("-starts_at")[:ATTENDANCE_MEETINGS]
    )
    legend = [
        Segment(_("Présents"), 0, "chart-s1"),
        Segment(_("Invités absents"), 0, "chart-s0"),
    ]
    bars = [
        Bar(
            f"{meeting.title} ({timezone.localdate(meeting.starts_at):%d/%m/%Y})",
            [
                Segment(legend[0].label, meeting.present, "chart-s1"),
                Segment(legend[1].label, meeting.invited - meeting.invited_present, "chart-s0"),
            ],
        )
        for meeting in reversed(meetings)
    ]
    return Chart("presence", _("Présence aux dernières réunions"), bars, legend)


def territory_charts(user, *, today: date | None = None) -> list[Chart]:
    today = today or timezone.localdate()
    epci_id = user.epci_id
    return [
        adoption_chart(epci_id),
        training_chart(epci_id),
        requests_status_chart(epci_id),
        requests_month_chart(epci_id, today=today),
        attendance_chart(epci_id),
    ]


CHARTS = {
    "adhesions": adoption_chart,
    "formations": training_chart,
    "demandes-etat": requests_status_chart,
    "presence": attendance_chart,
}


def chart_by_key(user, key: str) -> Chart | None:
    if key == "demandes-mois":
        return requests_month_chart(user.epci_id, today=timezone.localdate())
    builder = CHARTS.get(key)
    return builder(user.epci_id) if builder else None
