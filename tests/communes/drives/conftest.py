"""A small territory for the drives: three communes of one EPCI, their contacts, a referent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communes.drives.services import drive_create
from communes.models import Contact, Service
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    UserFactory,
    agent_of,
)

Function = Contact.Function


def drive_of(referent, communes, **fields):
    """A draft drive created through the service, as the referent's form does."""
    defaults = {
        "service": Service.objects.get(code="parapheur"),
        "title": "Adhésion groupée au parapheur électronique",
        "message": "Le syndicat mixte prend en charge la première année d'abonnement.",
        "deadline": timezone.localdate() + timedelta(days=18),
    }
    return drive_create(by=referent, communes=communes, **{**defaults, **fields})


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer", siren="200069391")


@pytest.fixture
def referent(epci):
    return ReferentFactory(
        epci=epci,
        username="claire.legoff",
        first_name="Claire",
        last_name="Le Goff",
        email="referent@lamballe-terre-mer.example.org",
    )


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon", insee_code="22076")


@pytest.fixture
def brehand(epci):
    return CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")


@pytest.fixture
def pledeliac(epci):
    return CommuneFactory(epci=epci, name="Plédéliac", insee_code="22176")


@pytest.fixture
def communes(henon, brehand, pledeliac):
    return [henon, brehand, pledeliac]


@pytest.fixture
def agent_henon(henon):
    return agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")


@pytest.fixture
def contacts(epci, henon, brehand, pledeliac):
    """Who a drive writes to, and who it must not write to."""
    return {
        "maire_henon": ContactFactory(
            epci=epci, communes=[henon], function=Function.MAIRE, email="maire@henon.example.org"
        ),
        # One secretary for two small communes: one e-mail naming both, with the links to
        # answer in the portal (she has an account; the mayor answers by replying).
        "secretaire": ContactFactory(
            epci=epci,
            communes=[henon, brehand],
            function=Function.SECRETAIRE,
            email="secretariat@henon-brehand.example.org",
            user=UserFactory(
                username="secretariat.henon",
                epci=epci,
                email="secretariat@henon-brehand.example.org",
            ),
        ),
        "dgs_pledeliac": ContactFactory(
            epci=epci,
            communes=[pledeliac],
            function=Function.DGS,
            email="dgs@pledeliac.example.org",
            language="en",
        ),
        # Not written to: a buyer, a mayor who left, a mayor without an address.
        "acheteur": ContactFactory(
            epci=epci,
            communes=[henon],
            function=Function.ACHETEUR,
            email="achats@henon.example.org",
        ),
        "ancien_maire": ContactFactory(
            epci=epci,
            communes=[brehand],
            function=Function.MAIRE,
            email="ancien@brehand.example.org",
            is_active=False,
        ),
        "maire_sans_mail": ContactFactory(
            epci=epci, communes=[pledeliac], function=Function.MAIRE, email=""
        ),
    }
