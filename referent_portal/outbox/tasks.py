"""Thin Celery entry points of the outbox (queue "mail")."""

from celery import shared_task

from .services import email_deliver, outbox_sweep

# Retries shorter than this ride on a Celery countdown; longer ones wait in the row
# (next_attempt_at) for the sweeper, so no message sits unacknowledged in Redis for
# longer than the broker's visibility timeout.
MAX_COUNTDOWN_SECONDS = 15 * 60


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_email(email_id: int) -> None:
    delay = email_deliver(email_id=email_id)
    if send_email.app.conf.task_always_eager:
        return  # in-process (make run): no countdown exists, a retry would run at once
    if delay is not None and delay.total_seconds() <= MAX_COUNTDOWN_SECONDS:
        send_email.apply_async((email_id,), countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return outbox_sweep()
