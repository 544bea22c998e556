"""Thin Celery entry points of the outbox (queue "mail", see CELERY_TASK_ROUTES)."""

from celery import shared_task

from .services import email_deliver, email_schedule_retry, outbox_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_email(email_id: int) -> None:
    delay = email_deliver(email_id=email_id)
    if delay is None:
        return
    if send_email.app.conf.task_always_eager:
        return  # in-process (make run): no countdown exists, a retry would run at once
    email_schedule_retry(email_id=email_id, delay=delay)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return outbox_sweep()
