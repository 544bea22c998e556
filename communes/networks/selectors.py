"""Who may see which network of competences, and its members."""

from django.db.models import Count, Prefetch, Q, QuerySet

from communes.models import Commune, Contact

from .models import Membership, Network


def networks_visible_to(user) -> QuerySet[Network]:
    """The referent sees every network of the EPCI; an agent, the active networks they belong to.

    Belonging is through the agent's contact record (``Contact.user``): a network the agent's
    contact is not a member of does not exist for them (404), even in their own EPCI.
    """
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Network.objects.all()
    if user.is_referent:
        return Network.objects.filter(epci_id=user.epci_id)
    return Network.objects.filter(
        is_active=True,
        memberships__contact__user=user,
        memberships__contact__is_active=True,
    ).distinct()


def networks_with_counts(user) -> QuerySet[Network]:
    """The networks the user may see, each with its number of active members."""
    return (
        Network.objects.filter(pk__in=networks_visible_to(user).values("pk"))
        .select_related("service", "coordinator")
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__contact__is_active=True), distinct=True
            )
        )
        .order_by("-is_active", "name")
    )


def agent_networks(user) -> list[Network]:
    """« Mes réseaux » of the agent's space: their networks with their coordinator."""
    if not user.is_authenticated or not user.is_agent:
        return []
    return list(networks_with_counts(user))


def network_members(network: Network, *, include_inactive: bool = False) -> list[Membership]:
    """The directory: each member with their communes, the coordinator first, then by name."""
    memberships = network.memberships.select_related("contact").prefetch_related(
        Prefetch("contact__communes", queryset=Commune.objects.order_by("search_name"))
    )
    if not include_inactive:
        memberships = memberships.filter(contact__is_active=True)
    return sorted(
        memberships,
        key=lambda m: (
            m.contact_id != network.coordinator_id,
            m.contact.last_name.lower(),
            m.contact.first_name.lower(),
        ),
    )


def network_candidates(network: Network) -> QuerySet[Contact]:
    """The contacts who may join: active contacts of the network's EPCI, not yet members."""
    return (
        Contact.objects.filter(epci_id=network.epci_id, is_active=True)
        .exclude(memberships__network=network)
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("search_name")))
        .order_by("last_name", "first_name")
    )
