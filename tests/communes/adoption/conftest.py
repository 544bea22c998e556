"""A small territory for the adoption tests: an EPCI, its communes, its referent; and another."""

import pytest

from communes.models import Service
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer", siren="200069391")


@pytest.fixture
def referent(epci):
    return ReferentFactory(
        epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff"
    )


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon", insee_code="22076")


@pytest.fixture
def brehand(epci):
    return CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")


@pytest.fixture
def other_epci():
    return EpciFactory(name="Quimper Bretagne Occidentale", siren="242900314")


@pytest.fixture
def quimper(other_epci):
    return CommuneFactory(epci=other_epci, name="Quimper", insee_code="29232")


@pytest.fixture
def other_referent(other_epci):
    return ReferentFactory(epci=other_epci, username="yann.kerleau")


@pytest.fixture
def parapheur():
    return Service.objects.get(code="parapheur")


@pytest.fixture
def actes():
    return Service.objects.get(code="actes")
