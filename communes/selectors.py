"""Reads that encode who may see what part of the territory."""

from django.db.models import Count, Q, QuerySet

from .models import Commune, Contact, Epci


def epcis_visible_to(user) -> QuerySet[Epci]:
    if not user.is_authenticated:
        return Epci.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Epci.objects.all()
    if user.epci_id is None:
        return Epci.objects.none()
    return Epci.objects.filter(pk=user.epci_id)


def communes_visible_to(user) -> QuerySet[Commune]:
    """The referent sees the communes of their EPCI; an agent, the communes they serve."""
    if not user.is_authenticated:
        return Commune.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Commune.objects.all()
    if user.is_referent:
        return Commune.objects.filter(epci_id=user.epci_id)
    return Commune.objects.filter(contacts__user=user, contacts__is_active=True).distinct()


def contacts_visible_to(user) -> QuerySet[Contact]:
    """The referent sees every contact of the EPCI; an agent, the contacts of their communes."""
    if not user.is_authenticated:
        return Contact.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Contact.objects.all()
    if user.is_referent:
        return Contact.objects.filter(epci_id=user.epci_id)
    return Contact.objects.filter(communes__in=communes_visible_to(user)).distinct()


def communes_with_contact_counts(user) -> QuerySet[Commune]:
    """The communes the user may see, each with its number of active contacts, in one query."""
    return (
        Commune.objects.filter(pk__in=communes_visible_to(user).values("pk"))
        .select_related("epci")
        .annotate(
            contact_count=Count("contacts", filter=Q(contacts__is_active=True), distinct=True)
        )
    )


def commune_contacts(user, commune: Commune) -> list[Contact]:
    """The active contacts of a commune the user may see: élus first, in the order of office."""
    rank = {value: index for index, value in enumerate(Contact.Function.values)}
    contacts = contacts_visible_to(user).filter(communes=commune, is_active=True)
    return sorted(contacts, key=lambda c: (rank.get(c.function, len(rank)), c.last_name.lower()))
