"""Thin Celery entry points of the relay (queue "relay")."""

from celery import shared_task

from .services import relay_deliver, relay_sweep

# Retries shorter than this ride on a Celery countdown; longer ones wait in the row
# (next_attempt_at) for the sweeper, well below the broker's visibility timeout.
MAX_COUNTDOWN_SECONDS = 15 * 60


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_relay(relay_id: int) -> None:
    delay = relay_deliver(relay_id=relay_id)
    if deliver_relay.app.conf.task_always_eager:
        return  # in-process: a countdown would run at once; the row keeps next_attempt_at
    if delay is not None and delay.total_seconds() <= MAX_COUNTDOWN_SECONDS:
        deliver_relay.apply_async((relay_id,), countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def sweep_relays() -> int:
    return relay_sweep()
