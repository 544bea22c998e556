"""Networks of competences: the referent's writes and who may see which network."""

import pytest
from django.core.exceptions import ValidationError

from communes.models import Contact, Membership, Service, TimelineEntry
from communes.networks.selectors import network_members, networks_visible_to
from communes.networks.services import (
    network_create,
    network_member_add,
    network_member_remove,
    network_update,
)
from tests.communes.networks.factories import NetworkFactory, network_with
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci)


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon")


@pytest.fixture
def brehand(epci):
    return CommuneFactory(epci=epci, name="Bréhand")


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# --- creating and editing ------------------------------------------------------------------


def test_the_referent_creates_a_network_in_their_epci(referent):
    marches = Service.objects.get(code="marches")

    network = network_create(
        by=referent,
        name="  Acheteurs publics — dématérialisation ",
        theme="Les consultations sur la salle régionale.",
        service=marches,
    )

    assert network.epci == referent.epci
    assert network.name == "Acheteurs publics — dématérialisation"
    assert network.service == marches
    assert network.coordinator is None


def test_two_networks_of_an_epci_cannot_share_a_name_whatever_the_case(referent):
    network_create(by=referent, name="Acheteurs publics")
    with pytest.raises(ValidationError) as exc:
        network_create(by=referent, name="acheteurs PUBLICS")
    assert "name" in exc.value.error_dict
    # Another EPCI may use it.
    network_create(by=ReferentFactory(), name="Acheteurs publics")


def test_only_a_referent_of_the_epci_writes_its_networks(referent, henon):
    network = NetworkFactory(epci=referent.epci)
    with pytest.raises(ValidationError) as exc:
        network_create(by=agent_of(henon), name="Réseau des secrétaires")
    assert codes(exc.value) == {"forbidden"}
    with pytest.raises(ValidationError):
        network_update(network=network, by=ReferentFactory(), name="Repris")
    network.refresh_from_db()
    assert network.name != "Repris"


def test_the_coordinator_is_chosen_among_the_members(referent, henon, brehand):
    member = ContactFactory(epci=referent.epci, communes=[henon])
    outsider = ContactFactory(epci=referent.epci, communes=[brehand])
    network = network_with(member)

    with pytest.raises(ValidationError) as exc:
        network_update(network=network, by=referent, name=network.name, coordinator=outsider)
    assert "coordinator" in exc.value.error_dict

    network_update(network=network, by=referent, name=network.name, coordinator=member)
    network.refresh_from_db()
    assert network.coordinator == member


# --- members -------------------------------------------------------------------------------


def test_a_contact_of_the_epci_joins_and_their_communes_timeline_says_so(referent, henon, brehand):
    network = NetworkFactory(epci=referent.epci, name="Acheteurs publics")
    contact = ContactFactory(
        epci=referent.epci, first_name="Anne", last_name="Rault", communes=[henon, brehand]
    )

    network_member_add(network=network, contact=contact, by=referent)

    assert list(network.members.all()) == [contact]
    entries = TimelineEntry.objects.filter(kind="network")
    assert {entry.commune for entry in entries} == {henon, brehand}
    assert {entry.title for entry in entries} == {
        "Anne Rault a rejoint le réseau de compétences « Acheteurs publics »"
    }
    assert {entry.actor for entry in entries} == {referent}


def test_contacts_of_another_epci_inactive_or_already_members_cannot_join(referent, henon):
    network = NetworkFactory(epci=referent.epci)
    stranger = ContactFactory(communes=[CommuneFactory()])  # another EPCI
    gone = ContactFactory(epci=referent.epci, communes=[henon], is_active=False)
    member = ContactFactory(epci=referent.epci, communes=[henon])
    network_member_add(network=network, contact=member, by=referent)

    for contact, code in [
        (stranger, "other_epci"),
        (gone, "inactive_contact"),
        (member, "already_member"),
    ]:
        with pytest.raises(ValidationError) as exc:
            network_member_add(network=network, contact=contact, by=referent)
        assert codes(exc.value) == {code}
    assert list(network.members.all()) == [member]


def test_removing_the_coordinator_leaves_the_network_without_one(referent, henon):
    coordinator = ContactFactory(epci=referent.epci, communes=[henon])
    other = ContactFactory(epci=referent.epci, communes=[henon])
    network = network_with(coordinator, other, coordinator=coordinator)

    network_member_remove(membership=network.memberships.get(contact=coordinator), by=referent)

    network.refresh_from_db()
    assert network.coordinator is None
    assert list(network.members.all()) == [other]
    assert Contact.objects.filter(pk=coordinator.pk).exists()  # the contact stays
    assert TimelineEntry.objects.filter(
        commune=henon, title__contains="a quitté le réseau"
    ).exists()


# --- who sees what -------------------------------------------------------------------------


def test_the_referent_sees_the_networks_of_their_epci_only(referent, henon):
    mine = NetworkFactory(epci=referent.epci)
    NetworkFactory()  # another EPCI
    assert list(networks_visible_to(referent)) == [mine]


def test_an_agent_sees_only_the_active_networks_their_contact_belongs_to(referent, henon):
    agent = agent_of(henon)
    colleague = ContactFactory(epci=referent.epci, communes=[henon])
    theirs = network_with(agent.contact, colleague)
    network_with(colleague)  # same EPCI, same commune, not a member
    network_with(agent.contact, is_active=False)  # closed

    assert list(networks_visible_to(agent)) == [theirs]


def test_the_directory_puts_the_coordinator_first_and_hides_inactive_contacts(referent, henon):
    adam = ContactFactory(epci=referent.epci, last_name="Adam", communes=[henon])
    zoe = ContactFactory(epci=referent.epci, last_name="Zobel", communes=[henon])
    left = ContactFactory(epci=referent.epci, last_name="Martin", communes=[henon])
    network = network_with(adam, zoe, left, coordinator=zoe)
    Contact.objects.filter(pk=left.pk).update(is_active=False)

    assert [m.contact for m in network_members(network)] == [zoe, adam]
    assert [m.contact for m in network_members(network, include_inactive=True)] == [
        zoe,
        adam,
        left,
    ]
    assert Membership.objects.count() == 3
