import pytest

from communes.selectors import communes_visible_to, contacts_visible_to
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory, agent_of

pytestmark = pytest.mark.django_db


def test_an_agent_sees_only_the_communes_they_serve():
    a, b = CommuneFactory(), CommuneFactory()
    agent = agent_of(a)
    assert list(communes_visible_to(agent)) == [a]
    assert b not in communes_visible_to(agent)


def test_a_referent_sees_the_communes_and_contacts_of_their_epci_only():
    mine, other = CommuneFactory(), CommuneFactory()
    referent = ReferentFactory(epci=mine.epci)
    their_contact = ContactFactory(epci=other.epci, communes=[other])
    my_contact = ContactFactory(epci=mine.epci, communes=[mine])
    assert list(communes_visible_to(referent)) == [mine]
    assert list(contacts_visible_to(referent)) == [my_contact]
    assert their_contact not in contacts_visible_to(referent)
