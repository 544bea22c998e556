"""Business rules of the trainings, called through the services: sessions, enrolment, the
waiting list and its promotions, withdrawal until the deadline, cancellation and changes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from freezegun import freeze_time

from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory
from tests.trainings.conftest import calendar_of, mails, plain_agent, secretary
from tests.trainings.factories import TrainingSessionFactory, module
from trainings.models import Enrolment, TrainingSession
from trainings.selectors import (
    enrolments_of,
    session_waiting_list,
    sessions_visible_to,
    waiting_position,
)
from trainings.services import (
    enrolment_create,
    enrolment_withdraw,
    enrolments_create,
    session_cancel,
    session_create,
    session_open,
    session_update,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PARIS = ZoneInfo("Europe/Paris")
Seat = Enrolment.Status
Status = TrainingSession.Status


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30 12:00:00+01:00") as clock:
        yield clock


@pytest.fixture
def session(referent):
    """Two seats, on 14 December 2026 at 9:30; registration until 7 December."""
    return TrainingSessionFactory(
        created_by=referent,
        starts_at=datetime(2026, 12, 14, 9, 30, tzinfo=PARIS),
        ends_at=datetime(2026, 12, 14, 12, 30, tzinfo=PARIS),
        registration_deadline=date(2026, 12, 7),
        capacity=2,
    )


def enrol(session, user):
    return enrolment_create(session=session, contact=user.contact, by=user)


def statuses(session):
    return {
        e.contact.last_name: e.status
        for e in session.enrolments.exclude(status__in=[Seat.WITHDRAWN]).select_related("contact")
    }


# --- sessions --------------------------------------------------------------------------------


def test_a_session_created_by_the_referent_is_open_and_belongs_to_the_epci(referent, commune):
    session = session_create(
        by=referent,
        module=module("m1-marches"),
        starts_at=datetime(2026, 12, 10, 14, 0, tzinfo=PARIS),
        ends_at=datetime(2026, 12, 10, 17, 0, tzinfo=PARIS),
        venue=TrainingSession.Venue.MAIRIE,
        host_commune=commune,
        place="Salle des fêtes",
        trainer_name="Yann Morvan",
        capacity=8,
        registration_deadline=date(2026, 12, 3),
        reminder_days=[1, 7],
    )

    assert session.epci == referent.epci
    assert session.status == Status.OPEN
    assert session.seats_left == 8
    assert session.reminder_days == [7, 1]
    assert session.sequence == 0


def test_a_session_asks_for_a_mairie_a_link_and_dates_that_make_sense(referent, epci):
    foreign = CommuneFactory(epci=EpciFactory(), name="Brest")
    base = {
        "by": referent,
        "module": module(),
        "starts_at": datetime(2026, 12, 10, 14, 0, tzinfo=PARIS),
        "ends_at": datetime(2026, 12, 10, 17, 0, tzinfo=PARIS),
        "trainer_name": "Yann Morvan",
        "capacity": 8,
        "registration_deadline": date(2026, 12, 3),
    }
    cases = [
        ({"venue": "mairie"}, "host_commune"),
        ({"venue": "mairie", "host_commune": foreign}, "host_commune"),
        ({"venue": "online"}, "video_url"),
        ({"registration_deadline": date(2026, 12, 11)}, "registration_deadline"),
        ({"registration_deadline": date(2026, 11, 29)}, "registration_deadline"),
        ({"starts_at": datetime(2026, 11, 29, 9, 0, tzinfo=PARIS)}, "starts_at"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as error:
            session_create(**{**base, **change})
        assert field in error.value.message_dict, change
    assert not TrainingSession.objects.exists()


def test_a_planned_session_is_hidden_from_agents_until_the_referent_opens_it(referent, agent_a):
    session = TrainingSessionFactory(created_by=referent, status=Status.PLANNED)
    assert not sessions_visible_to(agent_a).filter(pk=session.pk).exists()
    with pytest.raises(ValidationError):
        enrol(session, agent_a)

    session_open(session=session, by=referent)

    assert sessions_visible_to(agent_a).filter(pk=session.pk).exists()
    assert enrol(session, agent_a).status == Seat.ENROLLED


def test_another_epcis_session_is_not_visible(referent, agent_a):
    elsewhere = TrainingSessionFactory(created_by=ReferentFactory())
    assert not sessions_visible_to(referent).filter(pk=elsewhere.pk).exists()
    assert not sessions_visible_to(agent_a).filter(pk=elsewhere.pk).exists()
    with pytest.raises(ValidationError):
        enrol(elsewhere, agent_a)


# --- enrolment and the waiting list ----------------------------------------------------------


def test_the_seats_go_in_order_then_the_waiting_list_keeps_the_order(
    session, agent_a, agent_b, agent_c, contact_without_account, referent
):
    first = enrol(session, agent_a)
    second = enrol(session, agent_b)
    third = enrol(session, agent_c)
    fourth = enrolment_create(session=session, contact=contact_without_account, by=referent)

    session.refresh_from_db()
    assert (first.status, second.status) == (Seat.ENROLLED, Seat.ENROLLED)
    assert (third.status, fourth.status) == (Seat.WAITING, Seat.WAITING)
    assert session.status == Status.FULL
    assert session.seats_taken == 2
    assert [e.pk for e in session_waiting_list(session)] == [third.pk, fourth.pk]
    assert [waiting_position(third), waiting_position(fourth)] == [1, 2]
    assert first.commune.name == "Hénon"
    assert third.commune.name == "Plédéliac"


def test_every_enrolment_is_confirmed_by_email_with_an_invitation(session, agent_a, agent_b):
    enrol(session, agent_a)

    (email,) = mails("trainings.confirmed", to=agent_a.contact.email)
    assert "Inscription confirmée" in email.subject
    assert "Télétransmettre les actes" in email.body_text
    assert "lundi 14 décembre 2026, de 09:30 à 12:30" in email.body_text
    event = calendar_of(email)
    assert event.method == "REQUEST"
    assert event.mimetype == "text/calendar; method=REQUEST"
    assert str(event["uid"]).startswith(f"training-{session.uid}@")
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == datetime(2026, 12, 14, 9, 30, tzinfo=PARIS)
    assert "mailto:" + agent_a.contact.email in str(event["attendee"])


def test_the_waiting_list_email_gives_the_position_and_no_invitation(
    session, agent_a, agent_b, agent_c
):
    enrol(session, agent_a)
    enrol(session, agent_b)
    enrol(session, agent_c)

    (email,) = mails("trainings.waiting")
    assert email.to == agent_c.contact.email
    assert "en position 1" in email.body_text
    assert not email.attachments.exists()


def test_a_person_cannot_be_enrolled_twice(session, agent_a):
    enrol(session, agent_a)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        enrol(session, agent_a)
    assert session.enrolments.count() == 1


def test_enrolment_closes_at_the_deadline_for_agents_but_the_referent_can_still_enrol(
    session, agent_a, agent_b, referent, frozen
):
    frozen.move_to("2026-12-07 23:30:00+01:00")
    enrol(session, agent_a)  # the deadline day is included

    frozen.move_to("2026-12-08 08:00:00+01:00")
    with pytest.raises(ValidationError, match="date limite"):
        enrol(session, agent_b)
    late = enrolment_create(session=session, contact=agent_b.contact, by=referent)
    assert late.status == Seat.ENROLLED


def test_a_plain_agent_enrols_only_themselves(session, agent_a, agent_b):
    with pytest.raises(ValidationError, match="que vous-même"):
        enrolment_create(session=session, contact=agent_b.contact, by=agent_a)
    assert not session.enrolments.exists()


def test_a_secretary_enrols_several_agents_of_her_commune_at_once_but_none_of_another(
    session, commune, agent_a, agent_b, agent_c
):
    clerk = secretary(commune, first_name="Sophie", last_name="Guézennec")

    enrolments = enrolments_create(
        session=session, contacts=[agent_a.contact, agent_b.contact], by=clerk
    )
    assert [e.status for e in enrolments] == [Seat.ENROLLED, Seat.ENROLLED]
    assert all(e.enrolled_by == clerk for e in enrolments)
    confirmation = mails("trainings.confirmed", to=agent_a.contact.email)[0]
    assert "Sophie Guézennec vous a inscrit(e)" in confirmation.body_text

    with pytest.raises(ValidationError, match="Chloé Corre"):
        enrolments_create(session=session, contacts=[clerk.contact, agent_c.contact], by=clerk)
    # All or nothing: the secretary herself was not enrolled either.
    assert not session.enrolments.filter(contact=clerk.contact).exists()


def test_the_referent_enrols_anyone_of_the_epci_but_nobody_of_another(
    session, referent, contact_without_account
):
    stranger = ContactFactory(epci=EpciFactory())
    enrolment = enrolment_create(session=session, contact=contact_without_account, by=referent)
    assert enrolment.status == Seat.ENROLLED
    with pytest.raises(ValidationError):
        enrolment_create(session=session, contact=stranger, by=referent)


def test_the_database_refuses_more_enrolled_than_seats(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSession.objects.filter(pk=session.pk).update(seats_taken=3)


def test_the_database_refuses_two_live_enrolments_of_one_person(session, agent_a):
    enrol(session, agent_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            session=session,
            contact=agent_a.contact,
            status=Seat.WAITING,
            queued_at=session.starts_at,
        )


# --- withdrawal and promotion ----------------------------------------------------------------


def test_a_withdrawal_gives_the_seat_to_the_first_waiting_person_who_is_told(
    session, agent_a, agent_b, agent_c, contact_without_account, referent
):
    first = enrol(session, agent_a)
    enrol(session, agent_b)
    third = enrol(session, agent_c)
    enrolment_create(session=session, contact=contact_without_account, by=referent)

    enrolment_withdraw(enrolment=first, by=agent_a)

    third.refresh_from_db()
    session.refresh_from_db()
    assert third.status == Seat.ENROLLED
    assert third.promoted_at is not None
    assert statuses(session) == {
        "Bellec": Seat.ENROLLED,
        "Corre": Seat.ENROLLED,
        "Dagorn": Seat.WAITING,
    }
    assert session.status == Status.FULL
    (promoted,) = mails("trainings.promoted")
    assert promoted.to == agent_c.contact.email
    assert calendar_of(promoted).method == "REQUEST"
    (withdrawn,) = mails("trainings.withdrawn")
    assert withdrawn.to == agent_a.contact.email
    assert calendar_of(withdrawn).method == "CANCEL"
    assert waiting_position(session.enrolments.get(contact=contact_without_account)) == 1


def test_leaving_the_waiting_list_promotes_nobody_and_sends_no_calendar(
    session, agent_a, agent_b, agent_c
):
    enrol(session, agent_a)
    enrol(session, agent_b)
    waiting = enrol(session, agent_c)

    enrolment_withdraw(enrolment=waiting, by=agent_c)

    assert statuses(session) == {"Aubry": Seat.ENROLLED, "Bellec": Seat.ENROLLED}
    (email,) = mails("trainings.withdrawn")
    assert not email.attachments.exists()
    assert not mails("trainings.promoted")


def test_withdrawal_is_refused_after_the_deadline_except_by_the_referent(
    session, agent_a, agent_b, referent, frozen
):
    enrolment = enrol(session, agent_a)
    frozen.move_to("2026-12-08 09:00:00+01:00")

    with pytest.raises(ValidationError, match="prévenez le référent"):
        enrolment_withdraw(enrolment=enrolment, by=agent_a)
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.ENROLLED

    enrolment_withdraw(enrolment=enrolment, by=referent)
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.WITHDRAWN
    assert enrolment.withdrawn_by == referent


def test_an_agent_cannot_withdraw_a_colleague_but_the_secretary_can(
    session, commune, agent_a, agent_b
):
    enrolment = enrol(session, agent_a)
    with pytest.raises(ValidationError):
        enrolment_withdraw(enrolment=enrolment, by=agent_b)
    clerk = secretary(commune)
    enrolment_withdraw(enrolment=enrolment, by=clerk)
    enrolment.refresh_from_db()
    assert enrolment.status == Seat.WITHDRAWN


def test_after_withdrawing_one_may_enrol_again_at_the_end_of_the_line(
    session, agent_a, agent_b, agent_c
):
    first = enrol(session, agent_a)
    enrol(session, agent_b)
    enrol(session, agent_c)
    enrolment_withdraw(enrolment=first, by=agent_a)  # agent_c takes the seat

    again = enrol(session, agent_a)
    assert again.status == Seat.WAITING
    assert session.enrolments.filter(contact=agent_a.contact).count() == 2


def test_more_seats_promote_the_waiting_list_in_order(
    session, referent, agent_a, agent_b, agent_c, contact_without_account
):
    enrol(session, agent_a)
    enrol(session, agent_b)
    enrol(session, agent_c)
    enrolment_create(session=session, contact=contact_without_account, by=referent)

    session_update(session=session, by=referent, capacity=3)
    session.refresh_from_db()
    assert statuses(session)["Corre"] == Seat.ENROLLED
    assert statuses(session)["Dagorn"] == Seat.WAITING
    assert session.status == Status.FULL

    session_update(session=session, by=referent, capacity=5)
    session.refresh_from_db()
    assert statuses(session)["Dagorn"] == Seat.ENROLLED
    assert session.status == Status.OPEN
    assert session.seats_left == 1
    assert [m.to for m in mails("trainings.promoted")] == [
        agent_c.contact.email,
        contact_without_account.email,
    ]


def test_fewer_seats_than_people_enrolled_is_refused(session, referent, agent_a, agent_b):
    enrol(session, agent_a)
    enrol(session, agent_b)
    with pytest.raises(ValidationError) as error:
        session_update(session=session, by=referent, capacity=1)
    assert "capacity" in error.value.message_dict
    session.refresh_from_db()
    assert session.capacity == 2


# --- changes and cancellation ----------------------------------------------------------------


def test_a_new_time_raises_the_sequence_and_sends_the_updated_invitation(
    session, referent, agent_a, agent_b, agent_c
):
    enrol(session, agent_a)
    enrol(session, agent_b)
    enrol(session, agent_c)

    changed = session_update(
        session=session,
        by=referent,
        starts_at=datetime(2026, 12, 14, 14, 0, tzinfo=PARIS),
        ends_at=datetime(2026, 12, 14, 17, 0, tzinfo=PARIS),
    )

    assert changed == ["starts_at", "ends_at"]
    session.refresh_from_db()
    assert session.sequence == 1
    updates = {m.to: m for m in mails("trainings.changed")}
    assert set(updates) == {agent_a.contact.email, agent_b.contact.email, agent_c.contact.email}
    event = calendar_of(updates[agent_a.contact.email])
    assert event["sequence"] == 1
    assert event.decoded("dtstart") == datetime(2026, 12, 14, 14, 0, tzinfo=PARIS)
    assert "de 14:00 à 17:00" in updates[agent_a.contact.email].body_text
    # The waiting list is told, without a calendar entry it never had.
    assert not updates[agent_c.contact.email].attachments.exists()


def test_a_new_trainer_is_not_a_calendar_change(session, referent, agent_a):
    enrol(session, agent_a)
    session_update(session=session, by=referent, trainer_name="Erwan Tanguy")
    session.refresh_from_db()
    assert session.sequence == 0
    assert not mails("trainings.changed")


def test_cancelling_tells_everyone_enrolled_or_waiting(
    session, referent, agent_a, agent_b, agent_c
):
    enrol(session, agent_a)
    enrol(session, agent_b)
    enrol(session, agent_c)

    session_cancel(session=session, by=referent, reason="Formateur malade")

    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert set(session.enrolments.values_list("status", flat=True)) == {Seat.CANCELLED}
    cancellations = {m.to: m for m in mails("trainings.cancelled")}
    assert len(cancellations) == 3
    enrolled = cancellations[agent_a.contact.email]
    assert "Formateur malade" in enrolled.body_text
    event = calendar_of(enrolled)
    assert (event.method, str(event["status"]), event["sequence"]) == ("CANCEL", "CANCELLED", 1)
    assert not cancellations[agent_c.contact.email].attachments.exists()
    with pytest.raises(ValidationError, match="annulée"):
        enrol(session, plain_agent(CommuneFactory(epci=session.epci)))


def test_enrolments_of_lists_the_agents_live_ones_first(referent, agent_a, session):
    past = TrainingSessionFactory(created_by=referent, capacity=5)
    enrol(past, agent_a)
    enrolment_withdraw(enrolment=past.enrolments.get(), by=agent_a)
    enrol(session, agent_a)

    enrolments = enrolments_of(agent_a)
    assert [e.status for e in enrolments] == [Seat.ENROLLED, Seat.WITHDRAWN]
    assert enrolments_of(ReferentFactory()) == []


def test_an_agent_without_an_email_is_enrolled_silently(session, referent, commune):
    contact = ContactFactory(epci=session.epci, communes=[commune], email="")
    enrolment = enrolment_create(session=session, contact=contact, by=referent)
    assert enrolment.status == Seat.ENROLLED
    assert not mails()
    assert Contact.objects.filter(pk=contact.pk).exists()
