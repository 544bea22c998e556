"""The last seat, taken by two agents at the same moment, on two real PostgreSQL connections."""

import threading

import pytest
from django.db import IntegrityError, connection

from referent_portal.outbox.models import OutgoingEmail
from tests.fixtures_delivery import wait_until
from tests.trainings.factories import TrainingSessionFactory
from trainings import services
from trainings.models import Enrolment, TrainingSession
from trainings.services import enrolment_create, enrolment_withdraw

pytestmark = pytest.mark.django_db(transaction=True)

Seat = Enrolment.Status


@pytest.fixture(autouse=True)
def _confirmations_delivered(celery_worker):
    """The enrolments commit their confirmation e-mails, which the suite's real worker sends:
    the test ends once they are out, never with a task running while the tables are flushed."""
    yield
    pending = (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING)
    wait_until(lambda: not OutgoingEmail.objects.filter(status__in=pending).exists())


def at_once(*calls):
    """Run each call in its own thread (its own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []
    at_once.errors = errors

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 (reported to the test below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_agents_taking_the_last_seat_at_once_never_both_get_it(
    referent, agent_a, agent_b, agent_c, attempt
):
    session = TrainingSessionFactory(created_by=referent, capacity=2)
    enrolment_create(session=session, contact=agent_c.contact, by=agent_c)  # one seat left

    first, second = at_once(
        lambda: enrolment_create(session=session, contact=agent_a.contact, by=agent_a),
        lambda: enrolment_create(session=session, contact=agent_b.contact, by=agent_b),
    )
    assert not at_once.errors

    assert sorted([first.status, second.status]) == [Seat.ENROLLED, Seat.WAITING]
    session.refresh_from_db()
    assert session.enrolments.filter(status=Seat.ENROLLED).count() == 2
    assert session.seats_taken == 2
    assert session.status == TrainingSession.Status.FULL


def test_a_withdrawal_and_an_enrolment_at_once_leave_no_seat_empty_and_none_twice(
    referent, agent_a, agent_b, agent_c, contact_without_account
):
    session = TrainingSessionFactory(created_by=referent, capacity=1)
    seated = enrolment_create(session=session, contact=agent_a.contact, by=agent_a)
    enrolment_create(session=session, contact=agent_b.contact, by=agent_b)  # waits first

    at_once(
        lambda: enrolment_withdraw(enrolment=seated, by=agent_a),
        lambda: enrolment_create(session=session, contact=agent_c.contact, by=agent_c),
    )
    assert not at_once.errors

    session.refresh_from_db()
    enrolled = list(session.enrolments.filter(status=Seat.ENROLLED))
    # Bruno asked first: whatever the interleaving, the freed seat is his.
    assert [e.contact_id for e in enrolled] == [agent_b.contact.pk]
    assert session.enrolments.get(contact=agent_c.contact).status == Seat.WAITING
    assert session.seats_taken == 1


def test_without_the_row_lock_the_database_still_refuses_the_second_last_seat(
    referent, agent_a, agent_b, agent_c, monkeypatch
):
    """The row lock is the first guarantee; this removes it, and makes both transactions read
    the seats before either writes: the CHECK constraint on the session row is the second."""
    session = TrainingSessionFactory(created_by=referent, capacity=2)
    enrolment_create(session=session, contact=agent_c.contact, by=agent_c)  # one seat left
    both_read = threading.Barrier(2)

    def lock_forgotten(session):
        session = TrainingSession.objects.select_related(
            "module", "host_commune", "created_by", "epci"
        ).get(pk=session.pk)
        both_read.wait(timeout=10)
        return session

    monkeypatch.setattr(services, "_lock", lock_forgotten)
    at_once(
        lambda: enrolment_create(session=session, contact=agent_a.contact, by=agent_a),
        lambda: enrolment_create(session=session, contact=agent_b.contact, by=agent_b),
    )

    assert len(at_once.errors) == 1
    assert isinstance(at_once.errors[0], IntegrityError)
    # 3 seats taken of 2 breaks both not_overbooked and full_is_full: PostgreSQL names one.
    assert 'relation "trainings_trainingsession" violates check constraint' in str(
        at_once.errors[0]
    )
    session.refresh_from_db()
    assert session.enrolments.filter(status=Seat.ENROLLED).count() == 2
    assert session.seats_taken == 2
