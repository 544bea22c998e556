"""Thin Celery entry points of the accounts (RGPD retention of the login journal)."""

from celery import shared_task

from .services import login_logs_purge


@shared_task(ignore_result=True)
def purge_login_logs() -> int:
    """Delete the login journal past LOGIN_LOG_RETENTION_DAYS and the expired sessions (daily)."""
    return login_logs_purge()
