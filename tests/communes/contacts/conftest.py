"""A small EPCI with its communes, its referent and a few contacts; files to import."""

import pytest

from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer", siren="200069391")


@pytest.fixture
def lamballe(epci):
    return CommuneFactory(epci=epci, name="Lamballe-Armor", insee_code="22093")


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon", insee_code="22076")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Claire", last_name="Le Goff")


@pytest.fixture
def anne(epci, henon):
    return ContactFactory(
        epci=epci,
        communes=[henon],
        first_name="Anne",
        last_name="Rault",
        function=Contact.Function.SECRETAIRE,
        email="anne.rault@henon.example",
        phone="02 96 34 00 01",
    )


@pytest.fixture
def thierry(epci, lamballe):
    return ContactFactory(
        epci=epci,
        communes=[lamballe],
        first_name="Thierry",
        last_name="Andrieux",
        function=Contact.Function.MAIRE,
        email="maire@lamballe-armor.example",
        phone="+33 2 96 50 13 50",
    )
