"""Reads for the landing pages of each role."""

from django.db.models import QuerySet

from communes.models import Commune, Contact
from communes.selectors import communes_visible_to
from referent_portal.accounts.selectors import active_referents


def agent_communes(user) -> QuerySet[Commune]:
    """The communes an agent serves, with their EPCI."""
    return communes_visible_to(user).select_related("epci").order_by("search_name")


def agent_contact(user) -> Contact | None:
    """The contact record that ties the agent's account to their communes, if any."""
    return Contact.objects.filter(user=user, is_active=True).first()


def referents_for(communes) -> QuerySet:
    """The active referents of the EPCIs of these communes: who an agent turns to."""
    epci_ids = {commune.epci_id for commune in communes if commune.epci_id}
    return active_referents(*epci_ids).select_related("epci").order_by("last_name", "first_name")
