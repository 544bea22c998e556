"""Thin Celery entry point of the suggestion rules (the beat runs it daily)."""

from celery import shared_task

from .services import suggestions_propose


@shared_task(ignore_result=True)
def propose_suggestions(epci_id: int | None = None) -> int:
    """Store what the rules propose, for one EPCI or all; returns how many were new."""
    from communes.models import Epci

    epci = Epci.objects.get(pk=epci_id) if epci_id is not None else None
    return len(suggestions_propose(epci=epci))
