"""Delivery of relays to a real HTTP receiver on 127.0.0.1 (the service called directly)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from requests_relay.models import Relay
from requests_relay.services import (
    DELIVERED,
    PERMANENT,
    TEMPORARY,
    classify_response,
    relay_deliver,
    relay_retry,
    relay_retry_delay,
    relay_sweep,
    request_relay,
)
from tests.factories import CommuneFactory, ReferentFactory, agent_of, request_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def relay(receiver):
    commune = CommuneFactory(name="Hénon")
    referent = ReferentFactory(epci=commune.epci)
    request_relay(request=request_of(agent_of(commune)), by=referent, summary="À relayer.")
    return Relay.objects.get()


def test_classification_of_answers():
    assert classify_response(200) == DELIVERED
    assert classify_response(204) == DELIVERED
    assert classify_response(500) == TEMPORARY
    assert classify_response(503) == TEMPORARY
    assert classify_response(429) == TEMPORARY
    assert classify_response(400) == PERMANENT
    assert classify_response(404) == PERMANENT
    assert classify_response(301) == PERMANENT  # redirects are not followed
    assert classify_response(None, ConnectionRefusedError()) == TEMPORARY


def test_back_off_grows_and_is_capped():
    delays = [relay_retry_delay(n, jitter=1.0) for n in range(1, 15)]
    assert delays[0] == timedelta(minutes=1)
    assert delays == sorted(delays)
    assert max(delays) == timedelta(hours=6)
    assert relay_retry_delay(3, jitter=0.8) < relay_retry_delay(3, jitter=1.2)


def test_a_2xx_delivers_the_signed_dossier(relay, receiver):
    assert relay_deliver(relay_id=relay.pk) is None
    relay.refresh_from_db()
    assert relay.state == Relay.State.DELIVERED
    assert relay.last_status_code == 200
    assert receiver.calls[relay.webhook_id] == 1
    assert receiver.bad_signatures == 0
    payload = receiver.delivered[relay.webhook_id]
    assert payload["dossier"]["requests"][0]["commune"]["name"] == "Hénon"
    assert relay.log.get().status_code == 200
    # a second run of the task is harmless
    assert relay_deliver(relay_id=relay.pk) is None
    assert receiver.calls[relay.webhook_id] == 1


def test_a_5xx_is_retried_later_with_the_same_id(relay, receiver):
    receiver.answers = [500]
    delay = relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.RETRY
    assert relay.last_error == "HTTP 500"
    assert timedelta(seconds=40) < delay < timedelta(seconds=80)
    assert relay.next_attempt_at > timezone.now()
    # too early: nothing is sent
    assert relay_deliver(relay_id=relay.pk) is None
    assert receiver.calls[relay.webhook_id] == 1
    with freeze_time(relay.next_attempt_at + timedelta(seconds=1)):
        relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.DELIVERED
    assert receiver.calls[relay.webhook_id] == 2
    assert len(receiver.delivered) == 1
    assert [a.status_code for a in relay.log.order_by("started_at")] == [500, 200]


def test_a_4xx_is_a_permanent_failure_that_a_person_can_retry(relay, receiver):
    receiver.answers = [422]
    relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.FAILED
    assert relay.next_attempt_at is None
    relay_retry(relay=relay)
    relay.refresh_from_db()
    assert relay.state == Relay.State.QUEUED
    relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.DELIVERED
    assert receiver.calls[relay.webhook_id] == 2


def test_a_redirect_is_not_followed(relay, receiver):
    receiver.answers = [302]
    relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.FAILED
    assert relay.last_status_code == 302
    assert receiver.calls[relay.webhook_id] == 1  # the Location was never called
    assert not receiver.delivered


def test_an_unreachable_receiver_is_retried_for_72_hours_then_fails(relay, receiver):
    receiver.stop()
    start = timezone.now()
    with freeze_time(start):
        relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.RETRY
    assert "Connect" in relay.last_error
    with freeze_time(start + timedelta(hours=71)):
        Relay.objects.filter(pk=relay.pk).update(next_attempt_at=timezone.now())
        relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.RETRY
    with freeze_time(start + timedelta(hours=72, minutes=1)):
        Relay.objects.filter(pk=relay.pk).update(next_attempt_at=timezone.now())
        relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.FAILED
    assert relay.attempts == 3


def test_the_sweeper_recovers_a_relay_stuck_mid_send(relay, receiver, monkeypatch):
    Relay.objects.filter(pk=relay.pk).update(
        state=Relay.State.SENDING,
        sending_since=timezone.now() - timedelta(minutes=6),
        created_at=timezone.now() - timedelta(minutes=7),
    )
    enqueued = []
    monkeypatch.setattr(
        "requests_relay.services.relay_enqueue", lambda relay_id, **kw: enqueued.append(relay_id)
    )
    assert relay_sweep() == 1
    assert enqueued == [relay.pk]
    relay.refresh_from_db()
    assert relay.state == Relay.State.RETRY
    assert "interrompu" in relay.log.get().error  # the lost attempt is on record
    relay_deliver(relay_id=relay.pk)
    relay.refresh_from_db()
    assert relay.state == Relay.State.DELIVERED
