"""Thin Celery entry point of the uploads: the daily purge of orphan files."""

from celery import shared_task

from .cleanup import purge_orphans


@shared_task(ignore_result=True)
def purge_orphan_uploads() -> int:
    """Delete the stored files no row references, past the grace period (daily, from beat)."""
    return len(purge_orphans().deleted)
