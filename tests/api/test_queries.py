"""Each list costs the same number of queries whatever the size of the page."""

import pytest
from django.urls import reverse

from communes.models import Adoption, Service
from requests_relay.services import request_relay
from tests.api.conftest import auth, token_for
from tests.factories import CommuneFactory, agent_of, request_of
from tests.meetings.factories import MeetingFactory
from tests.trainings.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

# 1 token and its user, 1 count, 1 page (+ 1 prefetch of the dossiers' requests).
EXPECTED = {
    "commune": 3,
    "adoption": 3,
    "dossier": 4,
    "meeting": 3,
    "training-session": 3,
    "epci": 3,
    "service": 3,
}


def grow(side, n):
    """n more communes, each with an adoption, a relayed dossier of two requests, a meeting
    and a training session, in the first EPCI."""
    services = list(Service.objects.all())
    for i in range(n):
        commune = CommuneFactory(epci=side.epci)
        Adoption.objects.create(commune=commune, service=services[i % len(services)])
        agent = agent_of(commune)
        request = request_of(agent)
        dossier = request_relay(request=request, by=side.referent, summary="s")
        extra = request_of(agent)
        extra.dossier = dossier
        extra.save(update_fields=["dossier"])
        MeetingFactory(created_by=side.referent)
        TrainingSessionFactory(created_by=side.referent)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_list_costs_a_fixed_number_of_queries_at_two_sizes(
    client, territory, syndicat, django_assert_num_queries, settings, name
):
    a, _ = territory
    headers = auth(token_for(syndicat))
    url = reverse(f"api:{name}-list")
    with django_assert_num_queries(EXPECTED[name]):
        small = client.get(url, headers=headers).json()
    grow(a, 6)
    with django_assert_num_queries(EXPECTED[name]):
        large = client.get(url, headers=headers).json()
    if name not in ("epci", "service"):
        assert len(large["results"]) >= len(small["results"]) + 6
