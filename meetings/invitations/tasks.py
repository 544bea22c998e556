"""Thin Celery entry points of the invitations (the beat schedule runs the reminders hourly)."""

from celery import shared_task

from meetings.services import meetings_mark_held_after_start

from .services import invitations_send_reminders


@shared_task(ignore_result=True)
def send_meeting_reminders() -> int:
    meetings_mark_held_after_start()
    return invitations_send_reminders()
