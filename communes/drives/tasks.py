"""Thin Celery entry points of the drives (the beat schedule runs the reminders hourly)."""

from celery import shared_task

from .services import drive_send_reminders


@shared_task(ignore_result=True)
def send_drive_reminders() -> int:
    return drive_send_reminders()
