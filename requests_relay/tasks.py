"""Thin Celery entry points of the relay (queue "relay", see CELERY_TASK_ROUTES)."""

from celery import shared_task

from .services import relay_deliver, relay_schedule_retry, relay_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_relay(relay_id: int) -> None:
    delay = relay_deliver(relay_id=relay_id)
    if delay is None:
        return
    if deliver_relay.app.conf.task_always_eager:
        return  # in-process (make run): a countdown would run at once; the row keeps the time
    relay_schedule_retry(relay_id=relay_id, delay=delay)


@shared_task(ignore_result=True)
def sweep_relays() -> int:
    return relay_sweep()
