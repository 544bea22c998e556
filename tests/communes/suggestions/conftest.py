"""A small territory for the suggestions tests: one EPCI, its referent, two communes."""

import pytest

from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(
        epci=epci, first_name="Claire", last_name="Le Goff", email="claire@lamballe.example.org"
    )


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon", insee_code="22076")


@pytest.fixture
def brehand(epci):
    return CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")


@pytest.fixture
def agent_henon(henon):
    return agent_of(henon, first_name="Anne", last_name="Rault", email="anne@henon.example.org")


@pytest.fixture
def agent_brehand(brehand):
    return agent_of(brehand, first_name="Marc", last_name="Hamon", email="marc@brehand.example.org")
