"""Helpers of the follow-up tests (attendance, attestations, survey, coverage, demand): sessions
that took place and people with a seat, written directly (the enrolment rules are tested in
test_services.py)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from communes.models import Contact
from tests.trainings.factories import TrainingSessionFactory, module
from trainings.models import Enrolment, TrainingSession


def session_on(referent, day, *, code="m2-actes", capacity=10, **fields) -> TrainingSession:
    """A session of the referent's EPCI on `day`, 9:30–12:30 (Europe/Paris)."""
    starts = timezone.make_aware(datetime.combine(day, time(9, 30)))
    return TrainingSessionFactory(
        created_by=referent,
        module=module(code),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        registration_deadline=day - timedelta(days=7),
        capacity=capacity,
        **fields,
    )


def seat(session, contact: Contact, commune=None, attended=None) -> Enrolment:
    """`contact` holds a seat in `session` (for `commune`, their first one by default)."""
    enrolment = Enrolment.objects.create(
        session=session,
        contact=contact,
        commune=commune or contact.communes.order_by("pk").first(),
        status=Enrolment.Status.ENROLLED,
        queued_at=timezone.now(),
        attended=attended,
    )
    session.seats_taken = session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    session.save(update_fields=["seats_taken"])
    return enrolment


def held_session(referent, day, attendees=(), absentees=(), **fields) -> TrainingSession:
    """A session already « tenue » with its attendance marked (no attestation issued)."""
    session = session_on(referent, day, **fields)
    for contact in attendees:
        seat(session, contact, attended=True)
    for contact in absentees:
        seat(session, contact, attended=False)
    session.status = TrainingSession.Status.HELD
    session.save(update_fields=["status"])
    return session


def page_text(response) -> str:
    """The words of an HTML page as a person reads them: no tags, spaces collapsed."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
