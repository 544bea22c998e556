"""Who may see which session and enrolment; who may enrol whom; the lists the pages show."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from communes.models import Commune, Contact
from communes.selectors import communes_visible_to

from .models import Enrolment, TrainingModule, TrainingSession

Status = TrainingSession.Status
Live = Enrolment.LIVE

# The commune staff who enrol their colleagues: the DGS and the secrétaire de mairie.
MANAGER_FUNCTIONS = (Contact.Function.DGS, Contact.Function.SECRETAIRE)


def contact_of(user) -> Contact | None:
    """The user's own contact record (an agent's), or None."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    try:
        contact = user.contact
    except Contact.DoesNotExist:
        return None
    if not contact.is_active or contact.anonymised_at is not None:
        return None
    return contact


def is_commune_manager(user) -> bool:
    """A DGS or secrétaire de mairie: enrols the agents of their commune(s)."""
    contact = contact_of(user)
    return bool(user.is_agent and contact and contact.function in MANAGER_FUNCTIONS)


def sessions_visible_to(user) -> QuerySet[TrainingSession]:
    """The referent sees the EPCI's sessions; an agent, the sessions of the EPCI(s) of their
    communes once they are announced (not « planifiée »), and any they are enrolled in."""
    if not user.is_authenticated:
        return TrainingSession.objects.none()
    if user.is_superuser or user.is_syndicat:
        return TrainingSession.objects.all()
    if user.is_referent:
        return TrainingSession.objects.filter(epci_id=user.epci_id)
    epcis = communes_visible_to(user).values("epci_id")
    mine = Q(enrolments__contact__user=user)
    return TrainingSession.objects.filter(
        (Q(epci_id__in=epcis) & ~Q(status=Status.PLANNED)) | mine
    ).distinct()


def enrolments_visible_to(user) -> QuerySet[Enrolment]:
    """The referent sees every enrolment of the EPCI's sessions; an agent, their own, and a
    DGS or secrétaire de mairie also those of their communes."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Enrolment.objects.all()
    if user.is_referent:
        return Enrolment.objects.filter(session__epci_id=user.epci_id)
    visible = Q(contact__user=user)
    if is_commune_manager(user):
        visible |= Q(commune__in=communes_visible_to(user))
    return Enrolment.objects.filter(visible)


def enrollable_contacts(user, session: TrainingSession) -> QuerySet[Contact]:
    """Whom `user` may enrol in `session`: the referent, any active contact of the EPCI; a DGS
    or secrétaire de mairie, the contacts of their communes; any agent, themselves."""
    contacts = Contact.objects.filter(
        epci_id=session.epci_id, is_active=True, anonymised_at__isnull=True
    )
    if user.is_referent and user.epci_id == session.epci_id:
        return contacts
    if not user.is_agent:
        return Contact.objects.none()
    own = Q(user=user)
    if is_commune_manager(user):
        own |= Q(communes__in=communes_visible_to(user))
    return contacts.filter(own).distinct()


def live_enrolments(session: TrainingSession) -> QuerySet[Enrolment]:
    return session.enrolments.filter(status__in=Live)


def session_enrolled(session: TrainingSession) -> QuerySet[Enrolment]:
    return (
        session.enrolments.filter(status=Enrolment.Status.ENROLLED)
        .select_related("contact", "commune", "enrolled_by")
        .order_by("contact__last_name", "contact__first_name", "pk")
    )


def session_waiting_list(session: TrainingSession) -> QuerySet[Enrolment]:
    """The waiting list in order: who asked first is promoted first."""
    return (
        session.enrolments.filter(status=Enrolment.Status.WAITING)
        .select_related("contact", "commune", "enrolled_by")
        .order_by("queued_at", "pk")
    )


def waiting_position(enrolment: Enrolment) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if enrolment.status != Enrolment.Status.WAITING:
        return None
    ahead = enrolment.session.enrolments.filter(status=Enrolment.Status.WAITING).filter(
        Q(queued_at__lt=enrolment.queued_at) | Q(queued_at=enrolment.queued_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


def with_counts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return sessions.annotate(
        waiting_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING))
    )


def sessions_for_referent(user) -> tuple[list[TrainingSession], list[TrainingSession]]:
    """The referent's sessions: (upcoming soonest first, past latest first)."""
    sessions = with_counts(
        sessions_visible_to(user).select_related("module", "host_commune")
    ).order_by("starts_at", "pk")
    now = timezone.now()
    upcoming, past = [], []
    for session in sessions:
        if session.ends_at >= now and session.status in TrainingSession.ACTIVE:
            upcoming.append(session)
        else:
            past.append(session)
    past.reverse()
    return upcoming, past


def catalogue(user) -> list[TrainingModule]:
    """The active modules, each with `upcoming`: the sessions of the user's EPCI still to come
    that take enrolments (open, or full with a waiting list), soonest first."""
    now = timezone.now()
    upcoming = (
        sessions_visible_to(user)
        .filter(starts_at__gt=now, status__in=(Status.OPEN, Status.FULL))
        .select_related("host_commune")
        .order_by("starts_at", "pk")
    )
    if user.is_referent:
        upcoming = sessions_visible_to(user).filter(
            starts_at__gt=now, status__in=TrainingSession.ACTIVE
        )
    return list(
        TrainingModule.objects.filter(is_active=True)
        .select_related("service")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=upcoming.select_related("host_commune").order_by("starts_at", "pk"),
                to_attr="upcoming",
            )
        )
    )


def enrolments_of(user) -> list[Enrolment]:
    """For « Mon espace » and « Mes formations »: the agent's own enrolments, the live ones
    of sessions to come first (soonest first), then the others (latest first)."""
    contact = contact_of(user)
    if contact is None:
        return []
    enrolments = list(
        Enrolment.objects.filter(contact=contact)
        .select_related("session", "session__module", "session__host_commune", "commune")
        .order_by("-session__starts_at", "-pk")
    )
    now = timezone.now()
    current = [
        e
        for e in enrolments
        if e.status in Live and e.session.ends_at >= now and e.session.is_active
    ]
    current.reverse()
    others = [e for e in enrolments if e not in current]
    for enrolment in current:
        enrolment.position = waiting_position(enrolment)
    return current + others


def live_enrolment_of(user, session: TrainingSession) -> Enrolment | None:
    contact = contact_of(user)
    if contact is None:
        return None
    return live_enrolments(session).filter(contact=contact).select_related("commune").first()


def communes_for_enrolment(contact: Contact, user=None) -> list[Commune]:
    """The communes a contact may be enrolled for, those `user` serves first."""
    communes = list(contact.communes.order_by("search_name"))
    if user is not None and user.is_agent:
        served = set(communes_visible_to(user).values_list("pk", flat=True))
        communes.sort(key=lambda c: c.pk not in served)
    return communes
