"""Thin Celery entry points of the contacts (RGPD retention)."""

from celery import shared_task

from .services import contacts_purge


@shared_task(ignore_result=True)
def purge_contacts() -> int:
    """Anonymise the contacts inactive past CONTACT_RETENTION_DAYS (daily, from the beat)."""
    return contacts_purge().anonymised
