"""Every write of the training sessions and enrolments.

A session's life: the referent creates it, « planifiée » (announced to nobody yet) or directly
« ouverte aux inscriptions »; it is « complète » while every seat is taken, and agents who
enrol then join the waiting list in order. When a seat frees up (a withdrawal, more seats),
the first waiting person is promoted and told. A change of date, time or place raises the
iCalendar SEQUENCE and re-sends the event to the enrolled; a cancellation sends METHOD:CANCEL.

Every write that changes who holds a seat locks the session row first (`select_for_update`)
and counts the enrolled inside the lock; the seats taken then move on the session row in one
UPDATE that the database checks against the capacity (training_session_not_overbooked). So two
agents taking the last seat at once never both get it, even through a path that forgot the lock.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Contact
from referent_portal.accounts.models import User
from referent_portal.ical import (
    CANCEL,
    REQUEST,
    Person,
    event_uid,
    ics_attachment,
    ics_event,
    organizer,
)
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.services import email_queue

from .models import Enrolment, EnrolmentReminder, TrainingModule, TrainingSession
from .selectors import communes_for_enrolment, enrollable_contacts, is_commune_manager

Status = TrainingSession.Status
Seat = Enrolment.Status

# Changing one of these after people enrolled means their calendars are wrong.
CALENDAR_FIELDS = ("starts_at", "ends_at", "venue", "host_commune", "place", "video_url")
EDITABLE_FIELDS = (
    "module",
    *CALENDAR_FIELDS,
    "trainer_name",
    "trainer_email",
    "capacity",
    "registration_deadline",
    "details",
    "reminder_days",
)
STATE_ERRORS = {
    Status.HELD: _("La session a eu lieu : elle ne peut plus être modifiée."),
    Status.CANCELLED: _("La session est annulée."),
}


# --- helpers ---------------------------------------------------------------------------------


def _check_referent(session: TrainingSession, by: User) -> None:
    if not (by.is_referent and by.epci_id == session.epci_id):
        raise ValidationError(_("Seul un référent de l'EPCI organise ses sessions."))


def _check_active(session: TrainingSession) -> None:
    if session.status in STATE_ERRORS:
        raise ValidationError(STATE_ERRORS[session.status], code=f"session_{session.status}")


def _lock(session: TrainingSession) -> TrainingSession:
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("module", "host_commune", "created_by", "epci")
        .get(pk=session.pk)
    )


def _sync_status(session: TrainingSession) -> None:
    """« complète » when no seat is left, « ouverte » again when one frees up."""
    if session.status in (Status.OPEN, Status.FULL):
        session.status = Status.FULL if session.seats_taken >= session.capacity else Status.OPEN


def _move_seats(session: TrainingSession, delta: int) -> None:
    """Take (delta > 0) or give back seats in one UPDATE … SET seats_taken = seats_taken + delta.

    PostgreSQL applies it to the latest committed row and checks training_session_not_overbooked
    there: even a code path that forgot the row lock could not seat more people than seats. The
    status moves in the same statement, so « complète » always says what the count says.
    """
    if delta:
        taken = F("seats_taken") + delta
        TrainingSession.objects.filter(pk=session.pk).update(
            seats_taken=taken,
            status=Case(
                When(
                    Q(status__in=[Status.OPEN, Status.FULL]) & Q(capacity__lte=taken),
                    then=Value(Status.FULL),
                ),
                When(status__in=[Status.OPEN, Status.FULL], then=Value(Status.OPEN)),
                default=F("status"),
            ),
            updated_at=timezone.now(),
        )
    session.seats_taken, session.status = TrainingSession.objects.values_list(
        "seats_taken", "status"
    ).get(pk=session.pk)


def registration_open(session: TrainingSession, *, today: date | None = None) -> bool:
    """Agents enrol and withdraw themselves until the deadline (that day included)."""
    today = today or timezone.localdate()
    return today <= session.registration_deadline and session.starts_at > timezone.now()


def _location(session: TrainingSession) -> str:
    if session.venue == TrainingSession.Venue.ONLINE:
        return str(_("Visioconférence : %(url)s") % {"url": session.video_url})
    if session.venue == TrainingSession.Venue.MAIRIE and session.host_commune:
        where = str(_("Mairie de %(commune)s") % {"commune": session.host_commune.name})
    else:
        where = session.epci.name
    return f"{where}, {session.place}" if session.place else where


def session_location(session: TrainingSession) -> str:
    """Where the session takes place, in one line (pages, e-mails, the .ics)."""
    return _location(session)


def _organizer(session: TrainingSession) -> Person:
    return organizer(session.created_by)


def _ics(session: TrainingSession, enrolment: Enrolment, method: str):
    contact = enrolment.contact
    content = ics_event(
        uid=event_uid(session.uid, kind="training"),
        sequence=session.sequence,
        method=method,
        summary=str(_("Formation : %(module)s") % {"module": session.module.title}),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        organizer=_organizer(session),
        attendee=Person(name=contact.full_name, email=contact.email),
        partstat="ACCEPTED",
        description=session.details,
        location=_location(session),
        url=session.video_url
        or settings.SITE_URL + reverse("trainings:session_detail", args=[session.pk]),
    )
    return ics_attachment(content, method=method, filename="formation.ics")


def _tell(
    enrolment: Enrolment,
    template: str,
    *,
    kind: str,
    ics: str | None = None,
    session: TrainingSession | None = None,
    **context,
) -> OutgoingEmail | None:
    """One e-mail to the enrolled person (none if they have no address), with the session's
    .ics when `ics` names a method; the e-mail carrying an .ics is remembered on the row."""
    session = session or enrolment.session
    contact = enrolment.contact
    if not contact.email or contact.anonymised_at is not None:
        return None
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        attachments = [_ics(session, enrolment, ics)] if ics else []
        location = _location(session)
    email = email_queue(
        to=contact.email,
        template=f"trainings/email/{template}",
        context={
            "contact": contact,
            "enrolment": enrolment,
            "session": session,
            "module": session.module,
            "location": location,
            "referent": session.created_by,
            "session_url": settings.SITE_URL
            + reverse("trainings:session_detail", args=[session.pk]),
            **context,
        },
        kind=kind,
        language=contact.language,
        reply_to=session.created_by.email,
        attachments=attachments,
    )
    if ics:
        enrolment.email_message = email
        enrolment.sent_sequence = session.sequence
        enrolment.save(update_fields=["email_message", "sent_sequence", "updated_at"])
    return email


def _promote(session: TrainingSession, *, now: datetime) -> list[Enrolment]:
    """Give the free seats to the waiting list, first come first served (inside the lock)."""
    if session.status not in TrainingSession.ACTIVE:
        return []
    free = session.capacity - session.enrolments.filter(status=Seat.ENROLLED).count()
    if free <= 0:
        return []
    promoted = list(
        session.enrolments.filter(status=Seat.WAITING)
        .select_for_update(of=("self",))
        .select_related("contact")
        .order_by("queued_at", "pk")[:free]
    )
    for enrolment in promoted:
        enrolment.status = Seat.ENROLLED
        enrolment.promoted_at = now
        enrolment.save(update_fields=["status", "promoted_at", "updated_at"])
    _move_seats(session, len(promoted))
    for enrolment in promoted:
        _tell(enrolment, "promoted", kind="trainings.promoted", ics=REQUEST, session=session)
    return promoted


def _parse_reminder_days(value) -> list[int]:
    days = sorted({int(day) for day in value or []}, reverse=True)
    if any(day < 0 or day > 60 for day in days):
        raise ValidationError(
            {"reminder_days": _("Un rappel part entre 0 et 60 jours avant la session.")}
        )
    return days


def _check_dates(session: TrainingSession, *, creating: bool) -> None:
    errors = {}
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors["ends_at"] = _("La fin doit suivre le début.")
    if creating and session.starts_at and session.starts_at <= timezone.now():
        errors["starts_at"] = _("Une nouvelle session commence dans le futur.")
    if session.registration_deadline and session.starts_at:
        if session.registration_deadline > timezone.localdate(session.starts_at):
            errors["registration_deadline"] = _(
                "La date limite d'inscription ne peut pas suivre le jour de la session."
            )
        elif creating and session.registration_deadline < timezone.localdate():
            errors["registration_deadline"] = _("La date limite d'inscription est déjà passée.")
    if session.venue == TrainingSession.Venue.MAIRIE:
        if session.host_commune is None:
            errors["host_commune"] = _("Choisissez la commune qui accueille la session.")
        elif session.host_commune.epci_id != session.epci_id:
            errors["host_commune"] = _("La commune d'accueil est une commune de l'EPCI.")
    if session.venue == TrainingSession.Venue.ONLINE and not session.video_url:
        errors["video_url"] = _("Indiquez le lien de la visioconférence.")
    if errors:
        raise ValidationError(errors)


# --- the referent's sessions -----------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    by: User,
    module: TrainingModule,
    starts_at: datetime,
    ends_at: datetime,
    trainer_name: str,
    capacity: int,
    registration_deadline: date,
    venue: str = TrainingSession.Venue.EPCI,
    host_commune: Commune | None = None,
    place: str = "",
    video_url: str = "",
    trainer_email: str = "",
    details: str = "",
    reminder_days: Iterable[int] | None = None,
    open_now: bool = True,
) -> TrainingSession:
    """A session of the referent's EPCI; open to enrolments at once unless `open_now` is off."""
    if not by.is_referent:
        raise ValidationError(_("Seul un référent organise des sessions de formation."))
    if not module.is_active:
        raise ValidationError({"module": _("Ce module n'est plus proposé au catalogue.")})
    session = TrainingSession(
        epci_id=by.epci_id,
        module=module,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        host_commune=host_commune if venue == TrainingSession.Venue.MAIRIE else None,
        place=place.strip(),
        video_url=video_url.strip(),
        trainer_name=trainer_name.strip(),
        trainer_email=trainer_email.strip(),
        capacity=capacity,
        registration_deadline=registration_deadline,
        details=details.strip(),
        status=Status.OPEN if open_now else Status.PLANNED,
        created_by=by,
    )
    if reminder_days is not None:
        session.reminder_days = _parse_reminder_days(reminder_days)
    _check_dates(session, creating=True)
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_open(*, session: TrainingSession, by: User) -> TrainingSession:
    """A « planifiée » session takes enrolments: « ouverte », or « complète » already."""
    session = _lock(session)
    _check_referent(session, by)
    if session.status != Status.PLANNED:
        raise ValidationError(_("Les inscriptions à cette session sont déjà ouvertes."))
    session.status = Status.OPEN
    _sync_status(session)
    session.save(update_fields=["status", "updated_at"])
    return session


@transaction.atomic
def session_update(*, session: TrainingSession, by: User, **fields) -> list[str]:
    """Apply the referent's edits; returns the names of the fields that changed.

    More seats promote the waiting list at once; fewer seats than people enrolled are
    refused. A change of date, time or place raises SEQUENCE and sends the updated event to
    everyone enrolled, and tells the waiting list.
    """
    session = _lock(session)
    _check_referent(session, by)
    _check_active(session)
    if "reminder_days" in fields:
        fields["reminder_days"] = _parse_reminder_days(fields["reminder_days"])
    if fields.get("venue", session.venue) != TrainingSession.Venue.MAIRIE:
        fields["host_commune"] = None
    for name in ("place", "video_url", "trainer_name", "trainer_email", "details"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    changed = [
        name
        for name in EDITABLE_FIELDS
        if name in fields and getattr(session, name) != fields[name]
    ]
    if not changed:
        return []
    for name in changed:
        setattr(session, name, fields[name])
    if "module" in changed and not session.module.is_active:
        raise ValidationError({"module": _("Ce module n'est plus proposé au catalogue.")})
    enrolled = session.enrolments.filter(status=Seat.ENROLLED).count()
    if session.capacity is not None and session.capacity < enrolled:
        raise ValidationError(
            {
                "capacity": ValidationError(
                    _(
                        "%(count)s personnes sont inscrites : la session ne peut pas compter "
                        "moins de places. Désinscrivez d'abord quelqu'un."
                    ),
                    code="capacity_below_enrolled",
                    params={"count": enrolled},
                )
            }
        )
    _check_dates(session, creating=False)
    calendar_changed = any(name in CALENDAR_FIELDS or name == "module" for name in changed)
    if calendar_changed:
        session.sequence += 1
    _sync_status(session)
    session.full_clean()
    session.save()
    if calendar_changed:
        for enrolment in (
            session.enrolments.filter(status__in=Enrolment.LIVE)
            .select_related("contact")
            .order_by("queued_at", "pk")
        ):
            _tell(
                enrolment,
                "changed",
                kind="trainings.changed",
                ics=REQUEST if enrolment.status == Seat.ENROLLED else None,
                session=session,
            )
    if "capacity" in changed:
        _promote(session, now=timezone.now())
    return changed


@transaction.atomic
def session_cancel(*, session: TrainingSession, by: User, reason: str = "") -> TrainingSession:
    """Cancel: everyone enrolled or waiting is told; the enrolled get a METHOD:CANCEL."""
    session = _lock(session)
    _check_referent(session, by)
    _check_active(session)
    now = timezone.now()
    live = list(
        session.enrolments.filter(status__in=Enrolment.LIVE)
        .select_for_update(of=("self",))
        .select_related("contact")
        .order_by("queued_at", "pk")
    )
    session.status = Status.CANCELLED
    session.cancelled_at = now
    session.cancel_reason = reason.strip()
    session.sequence += 1
    session.seats_taken = 0
    session.save()
    for enrolment in live:
        had_calendar = enrolment.sent_sequence is not None
        was = enrolment.status
        enrolment.status = Seat.CANCELLED
        enrolment.save(update_fields=["status", "updated_at"])
        _tell(
            enrolment,
            "cancelled",
            kind="trainings.cancelled",
            ics=CANCEL if had_calendar else None,
            session=session,
            was_waiting=was == Seat.WAITING,
            reason=session.cancel_reason,
        )
    return session


# --- enrolments ------------------------------------------------------------------------------


def _check_may_enrol(session: TrainingSession, contact: Contact, by: User) -> None:
    if not enrollable_contacts(by, session).filter(pk=contact.pk).exists():
        if by.is_agent and not is_commune_manager(by):
            raise ValidationError(_("Vous ne pouvez inscrire que vous-même."), code="forbidden")
        raise ValidationError(
            _("Vous ne pouvez pas inscrire %(name)s à cette session."),
            code="forbidden",
            params={"name": contact.full_name},
        )


def _check_takes_enrolments(session: TrainingSession, by: User) -> None:
    _check_active(session)
    if session.starts_at <= timezone.now():
        raise ValidationError(_("La session a commencé : les inscriptions sont closes."))
    if by.is_referent:
        return  # the referent enrols a late-comer, or before the session is announced
    if session.status == Status.PLANNED:
        raise ValidationError(_("Les inscriptions à cette session ne sont pas encore ouvertes."))
    if not registration_open(session):
        raise ValidationError(
            _("La date limite d'inscription (%(date)s) est passée."),
            code="deadline_passed",
            params={"date": session.registration_deadline.strftime("%d/%m/%Y")},
        )


def _enrol(
    session: TrainingSession, contact: Contact, *, by: User, commune: Commune | None, now
) -> Enrolment:
    """Inside the session lock: a seat if one is free and nobody waits, else the list."""
    if session.enrolments.filter(status__in=Enrolment.LIVE, contact=contact).exists():
        raise ValidationError(
            _("%(name)s est déjà inscrit(e) à cette session ou sur sa liste d'attente."),
            code="already_enrolled",
            params={"name": contact.full_name},
        )
    communes = communes_for_enrolment(contact, by)
    if commune is None:
        commune = communes[0] if communes else None
    elif commune.pk not in {c.pk for c in communes}:
        raise ValidationError(
            _("%(name)s ne travaille pas pour la commune %(commune)s."),
            params={"name": contact.full_name, "commune": commune.name},
        )
    enrolled = session.enrolments.filter(status=Seat.ENROLLED).count()
    waiting = session.enrolments.filter(status=Seat.WAITING).exists()
    seat = enrolled < session.capacity and not waiting
    enrolment = Enrolment(
        session=session,
        contact=contact,
        commune=commune,
        status=Seat.ENROLLED if seat else Seat.WAITING,
        queued_at=now,
        enrolled_by=by,
    )
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    return enrolment


def _confirm(session: TrainingSession, enrolment: Enrolment) -> None:
    if enrolment.status == Seat.ENROLLED:
        _tell(enrolment, "confirmed", kind="trainings.confirmed", ics=REQUEST, session=session)
    else:
        _tell(
            enrolment,
            "waiting",
            kind="trainings.waiting",
            session=session,
            position=session.enrolments.filter(status=Seat.WAITING).count(),
        )


@transaction.atomic
def enrolment_create(
    *,
    session: TrainingSession,
    contact: Contact,
    by: User,
    commune: Commune | None = None,
) -> Enrolment:
    """Enrol one person: a seat while there is one, else the waiting list. E-mailed either way."""
    return enrolments_create(session=session, contacts=[contact], by=by, commune=commune)[0]


@transaction.atomic
def enrolments_create(
    *,
    session: TrainingSession,
    contacts: Iterable[Contact],
    by: User,
    commune: Commune | None = None,
) -> list[Enrolment]:
    """Enrol several people at once (a secrétaire de mairie for the agents of her commune, the
    referent for anyone of the EPCI), in the given order: all of them, or none."""
    contacts = list(contacts)
    if not contacts:
        raise ValidationError({"contacts": _("Choisissez au moins une personne.")})
    session = _lock(session)
    _check_takes_enrolments(session, by)
    for contact in contacts:
        _check_may_enrol(session, contact, by)
    now = timezone.now()
    enrolments = [_enrol(session, contact, by=by, commune=commune, now=now) for contact in contacts]
    _move_seats(session, sum(1 for e in enrolments if e.status == Seat.ENROLLED))
    for enrolment in enrolments:
        _confirm(session, enrolment)
    return enrolments


def may_withdraw(user: User, enrolment: Enrolment) -> bool:
    """The person themselves, their commune's DGS or secrétaire de mairie, or the referent."""
    if user.is_referent:
        return user.epci_id == enrolment.session.epci_id
    if not user.is_agent:
        return False
    return enrollable_contacts(user, enrolment.session).filter(pk=enrolment.contact_id).exists()


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, by: User) -> Enrolment:
    """Leave the session or its waiting list. A seat freed goes to the first person waiting.

    Agents withdraw until the registration deadline; the referent until the session starts.
    """
    session = _lock(enrolment.session)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("contact", "commune")
        .get(pk=enrolment.pk)
    )
    if not may_withdraw(by, enrolment):
        raise ValidationError(_("Vous ne pouvez pas désinscrire cette personne."))
    if enrolment.status not in Enrolment.LIVE:
        raise ValidationError(_("Cette inscription n'est plus en cours."), code="not_live")
    _check_active(session)
    if session.starts_at <= timezone.now():
        raise ValidationError(_("La session a commencé : il n'est plus possible de se désister."))
    if not by.is_referent and not registration_open(session):
        raise ValidationError(
            _(
                "La date limite d'inscription (%(date)s) est passée : pour vous désister, "
                "prévenez le référent."
            ),
            code="deadline_passed",
            params={"date": session.registration_deadline.strftime("%d/%m/%Y")},
        )
    had_seat = enrolment.status == Seat.ENROLLED
    had_calendar = had_seat and enrolment.sent_sequence is not None
    now = timezone.now()
    enrolment.status = Seat.WITHDRAWN
    enrolment.withdrawn_at = now
    enrolment.withdrawn_by = by
    enrolment.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "updated_at"])
    if had_seat:
        _move_seats(session, -1)
    _tell(
        enrolment,
        "withdrawn",
        kind="trainings.withdrawn",
        ics=CANCEL if had_calendar else None,
        session=session,
    )
    _promote(session, now=now)
    return enrolment


# --- reminders -------------------------------------------------------------------------------


def _reminder_round(session: TrainingSession, today: date) -> int | None:
    """The reminder (days before) whose round `today` falls in, or None.

    With reminders (7, 1): from D-7 to D-2 the 7-day reminder, from D-1 to the day the 1-day
    one. Each goes once to each enrolled person, and not to someone who enrolled (or was
    promoted) during that round: their confirmation is fresher than a reminder.
    """
    days_left = (timezone.localdate(session.starts_at) - today).days
    reached = [int(day) for day in session.reminder_days or [] if 0 <= days_left <= int(day)]
    return min(reached) if reached else None


@transaction.atomic
def _remind(session_id: int, *, now: datetime, today: date) -> int:
    session = (
        TrainingSession.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("module", "host_commune", "created_by", "epci")
        .filter(pk=session_id, status__in=TrainingSession.ACTIVE, starts_at__gt=now)
        .first()
    )
    if session is None:
        return 0  # cancelled meanwhile, or another worker is on it
    days = _reminder_round(session, today)
    if days is None:
        return 0
    round_began = timezone.localdate(session.starts_at) - timedelta(days=days)
    sent = 0
    enrolled = (
        session.enrolments.filter(status=Seat.ENROLLED)
        .exclude(reminders__days_before=days)
        .select_related("contact")
        .order_by("queued_at", "pk")
    )
    for enrolment in enrolled:
        confirmed_on = timezone.localdate(enrolment.promoted_at or enrolment.queued_at)
        if confirmed_on >= round_began:
            continue
        email = _tell(
            enrolment,
            "reminder",
            kind="trainings.reminder",
            session=session,
            days_left=(timezone.localdate(session.starts_at) - today).days,
        )
        EnrolmentReminder.objects.create(enrolment=enrolment, days_before=days, email_message=email)
        sent += email is not None
    return sent


def enrolment_send_reminders(*, now: datetime | None = None) -> int:
    """Remind the enrolled of their session, at each of its reminder days, once each.
    Returns how many e-mails were written. Each session is its own transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = max(
        (
            max(s or [0])
            for s in TrainingSession.objects.filter(
                status__in=TrainingSession.ACTIVE, starts_at__gt=now
            ).values_list("reminder_days", flat=True)
        ),
        default=0,
    )
    session_ids = TrainingSession.objects.filter(
        status__in=TrainingSession.ACTIVE,
        starts_at__gt=now,
        starts_at__lt=now + timedelta(days=horizon + 1),
    ).values_list("pk", flat=True)
    return sum(_remind(pk, now=now, today=today) for pk in list(session_ids))
