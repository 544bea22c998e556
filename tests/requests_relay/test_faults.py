"""Faults the relay must survive, with a real Celery worker on Redis and a real receiver.

The receiver honours the webhook id as an idempotency key, as the syndicat mixte's endpoint
must: `receiver.delivered` holds one entry per relay it accepted, whatever the retries.
"""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import Service
from requests_relay import services
from requests_relay.models import Relay, Request, Status
from requests_relay.services import dossier_create, dossier_relay, relay_sweep
from requests_relay.tasks import deliver_relay
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of
from tests.fixtures_delivery import broker_outage, wait_until

pytestmark = pytest.mark.delivery


def state_of(relay_id):
    return Relay.objects.get(pk=relay_id).state


@pytest.fixture
def territory():
    epci = EpciFactory()
    communes = [CommuneFactory(epci=epci) for _ in range(3)]
    return ReferentFactory(epci=epci), [agent_of(c) for c in communes]


def submit_through_the_page(client, agent, subject):
    client.force_login(agent)
    response = client.post(
        reverse("requests_relay:create"),
        {
            "commune": agent.contact.communes.get().pk,
            "category": "membership",
            "service": Service.objects.get(code="archivage").pk,
            "subject": subject,
            "description": "Nous souhaitons adhérer au service d'archivage.",
            "urgency": "normal",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_redis_down_while_agents_submit_loses_nothing_and_relays_once_when_back(
    celery_worker, receiver, territory, client
):
    referent, agents = territory
    with broker_outage():
        for n, agent in enumerate(agents):
            submit_through_the_page(client, agent, f"Adhésion archivage {n}")
        assert Request.objects.count() == 3  # every submission stored
        dossier = dossier_create(
            requests=Request.objects.all(), by=referent, title="Archivage", summary="3 communes"
        )
        dossier_relay(dossier=dossier, by=referent)
    relay = Relay.objects.get()
    assert relay.enqueued_at is None  # the broker never got the task…
    assert state_of(relay.pk) == Relay.State.QUEUED

    # …Redis is back: the beat sweeper hands it over once the grace period has passed.
    Relay.objects.filter(pk=relay.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert relay_sweep() == 1
    wait_until(lambda: state_of(relay.pk) == Relay.State.DELIVERED)
    assert receiver.calls[relay.webhook_id] == 1
    assert len(receiver.delivered[relay.webhook_id]["dossier"]["requests"]) == 3
    assert relay_sweep() == 0  # nothing left to send, nothing sent twice
    for request in Request.objects.all():
        assert request.status == Status.RELAYED


def test_a_worker_killed_mid_delivery_leaves_a_relay_delivered_once(
    celery_worker_process, celery_worker, receiver, territory, settings
):
    referent, agents = territory
    from tests.factories import request_of

    # No automatic enqueue: this relay goes to the doomed worker's own queue.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_enqueue_relay", lambda relay_id: None)
        dossier = dossier_create(
            requests=[request_of(agents[0])], by=referent, title="Parapheur", summary="s"
        )
        dossier_relay(dossier=dossier, by=referent)
    relay = Relay.objects.get()

    doomed = celery_worker_process(
        "relay-kill",
        env={
            "SYNDICAT_WEBHOOK_URL": receiver.url,
            "SYNDICAT_WEBHOOK_SECRET": settings.SYNDICAT_WEBHOOK_SECRET,
        },
    )
    receiver.answer_after = 30  # the receiver records the call, then holds its answer
    deliver_relay.apply_async((relay.pk,), queue="relay-kill")
    assert receiver.received.wait(20), doomed.log()
    doomed.kill()  # SIGKILL while the call is in flight: no outcome is ever recorded
    assert state_of(relay.pk) == Relay.State.SENDING
    receiver.answer_after = 0

    # The sweeper finds it stuck and a healthy worker delivers it again, with the same id.
    long_ago = timezone.now() - settings.RELAY_STUCK_AFTER - timedelta(seconds=1)
    Relay.objects.filter(pk=relay.pk).update(sending_since=long_ago, created_at=long_ago)
    assert relay_sweep() == 1
    wait_until(lambda: state_of(relay.pk) == Relay.State.DELIVERED, timeout=15)
    assert receiver.calls[relay.webhook_id] == 2  # the endpoint was called twice…
    assert list(receiver.delivered) == [relay.webhook_id]  # …and saw the relay once


def test_a_receiver_failing_half_the_time_gets_everything_once(
    celery_worker, receiver, territory, monkeypatch
):
    monkeypatch.setattr(services, "RELAY_RETRY_BASE_SECONDS", 0.2)
    referent, agents = territory
    from tests.factories import request_of

    flaky = itertools.cycle([500, 200])
    receiver.answers = [next(flaky) for _ in range(200)]
    dossiers = []
    for n in range(8):
        dossier = dossier_create(
            requests=[request_of(agents[n % 3], subject=f"Demande {n}")],
            by=referent,
            title=f"Dossier {n}",
            summary="s",
        )
        dossiers.append(dossier_relay(dossier=dossier, by=referent))

    relay_ids = list(Relay.objects.values_list("pk", flat=True))
    assert len(relay_ids) == 8
    wait_until(lambda: Relay.objects.filter(state=Relay.State.DELIVERED).count() == 8, timeout=30)
    assert len(receiver.delivered) == 8
    assert sum(receiver.calls.values()) > 8  # failures did happen and were retried
    assert Relay.objects.filter(attempts__gt=1).exists()
