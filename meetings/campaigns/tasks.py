"""Thin Celery entry points of the campaigns (queue "default": they write rows, no SMTP)."""

from celery import shared_task

from .services import campaign_send_batch, campaigns_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_campaign_batch(campaign_id: int) -> int:
    """Write one batch of the campaign's e-mails; the next batch is enqueued after commit."""
    return campaign_send_batch(campaign_id=campaign_id)


@shared_task(ignore_result=True)
def sweep_campaigns() -> int:
    return campaigns_sweep()
