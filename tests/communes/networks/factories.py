"""Factories of the networks tests."""

import factory
from factory.django import DjangoModelFactory

from communes.models import Membership, Network
from tests.factories import EpciFactory


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = Network

    epci = factory.SubFactory(EpciFactory)
    name = factory.Sequence(lambda n: f"Réseau {n}")
    theme = "Partager les pratiques de la dématérialisation."


def network_with(*contacts, coordinator=None, **fields) -> Network:
    """A network of the first contact's EPCI with these members (and coordinator)."""
    network = NetworkFactory(epci=contacts[0].epci, coordinator=coordinator, **fields)
    for contact in contacts:
        Membership.objects.create(network=network, contact=contact)
    return network
