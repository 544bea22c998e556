"""Who may see which request, dossier and message."""

from django.db.models import QuerySet

from communes.selectors import communes_visible_to

from .models import Dossier, Message, Request


def requests_visible_to(user) -> QuerySet[Request]:
    """The referent sees the requests of the EPCI; an agent, those of the communes they serve."""
    if not user.is_authenticated:
        return Request.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Request.objects.all()
    if user.is_referent:
        return Request.objects.filter(commune__epci_id=user.epci_id)
    return Request.objects.filter(commune__in=communes_visible_to(user))


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Dossiers are the EPCI's work: its referent sees them, the syndicat mixte sees all."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Dossier.objects.all()
    if user.is_referent:
        return Dossier.objects.filter(epci_id=user.epci_id)
    return Dossier.objects.none()


def messages_visible_to(user, request: Request) -> QuerySet[Message]:
    """The thread of a request; internal notes are the EPCI's: they reach neither the commune
    nor the syndicat mixte."""
    messages = request.messages.select_related("author").prefetch_related("attachments")
    if user.is_referent or user.is_superuser:
        return messages
    return messages.filter(internal=False)
