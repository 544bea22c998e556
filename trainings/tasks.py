"""Thin Celery entry points of the trainings (the beat schedule runs the reminders hourly)."""

from celery import shared_task

from .services import enrolment_send_reminders


@shared_task(ignore_result=True)
def send_training_reminders() -> int:
    return enrolment_send_reminders()
