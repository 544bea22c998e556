"""Two EPCIs, each with communes, adoptions, a meeting, training sessions and a relayed
dossier; a referent and an agent of the first, and the syndicat mixte's officer."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from communes.models import Adoption, Commune, Epci, Service
from meetings.models import Meeting
from referent_portal.accounts.models import User
from requests_relay.models import Dossier
from requests_relay.services import request_relay
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)
from tests.meetings.factories import MeetingFactory
from tests.trainings.factories import TrainingSessionFactory, module
from trainings.models import TrainingSession


def officer(**fields) -> User:
    """A syndicat-mixte officer allowed to answer dossiers, as in the admin site."""
    user = SyndicatFactory(**fields)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="requests_relay"))
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def token_for(user: User) -> str:
    return Token.objects.create(user=user).key


def auth(key: str) -> dict:
    return {"Authorization": f"Token {key}"}


@dataclass
class Side:
    """One EPCI's share of the territory."""

    epci: Epci
    communes: list[Commune]
    referent: User
    agent: User
    adoption: Adoption
    meeting: Meeting
    session: TrainingSession
    planned_session: TrainingSession
    dossier: Dossier


def make_side(*, siren: str, name: str, insee: list[tuple[str, str]], departement: str) -> Side:
    epci = EpciFactory(siren=siren, name=name)
    communes = [
        CommuneFactory(epci=epci, insee_code=code, name=commune_name, departement=departement)
        for code, commune_name in insee
    ]
    referent = ReferentFactory(epci=epci)
    agent = agent_of(communes[0])
    service = Service.objects.get(code="actes")
    adoption = Adoption.objects.create(
        commune=communes[0], service=service, status=Adoption.Status.ACTIVE
    )
    meeting = MeetingFactory(created_by=referent, title=f"Réunion {name}")
    session = TrainingSessionFactory(created_by=referent, capacity=12)
    planned = TrainingSessionFactory(
        created_by=referent, module=module("m1-marches"), status=TrainingSession.Status.PLANNED
    )
    request = request_of(agent, subject=f"Paramétrage à {communes[0].name}")
    dossier = request_relay(request=request, by=referent, summary="Deux signataires.")
    return Side(epci, communes, referent, agent, adoption, meeting, session, planned, dossier)


@pytest.fixture
def territory(settings):
    settings.SYNDICAT_WEBHOOK_URL = ""  # relayed by e-mail only: no HTTP in these tests
    a = make_side(
        siren="200069391",
        name="Lamballe Terre et Mer",
        insee=[("22093", "Lamballe-Armor"), ("22076", "Hénon"), ("22219", "Plédéliac")],
        departement="22",
    )
    b = make_side(
        siren="200067981",
        name="Ploërmel Communauté",
        insee=[("56165", "Ploërmel"), ("56144", "Néant-sur-Yvel")],
        departement="56",
    )
    return a, b


@pytest.fixture
def syndicat():
    return officer(username="pole.accompagnement")
