"""Networks pages: the referent manages, members read the directory, nobody else sees it."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from communes.models import Network
from communes.networks.selectors import agent_networks
from tests.communes.networks.factories import NetworkFactory, network_with
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("communes:network_list")


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


@pytest.fixture
def network(referent, henon, brehand):
    """Acheteurs publics: an agent of Hénon (with an account) and the coordinator of Bréhand."""
    agent = agent_of(henon, first_name="Anne", last_name="Rault")
    coordinator = ContactFactory(
        epci=referent.epci,
        first_name="Marc",
        last_name="Hamon",
        function="acheteur",
        email="marc.hamon@brehand.example.org",
        phone="02 96 42 00 11",
        communes=[brehand, henon],
    )
    return network_with(agent.contact, coordinator, coordinator=coordinator, name="Acheteurs")


def detail_url(network):
    return reverse("communes:network_detail", args=[network.pk])


def test_a_member_reads_the_directory_with_how_to_reach_each_member(client, network):
    agent = network.members.get(last_name="Rault").user
    client.force_login(agent)

    response = client.get(detail_url(network))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Acheteurs</h1>" in body
    assert "Marc Hamon" in body and "Anne Rault" in body
    assert "Bréhand, Hénon" in body  # the coordinator's communes
    assert "Acheteur public" in body
    assert 'href="mailto:marc.hamon@brehand.example.org"' in body
    assert 'href="tel:0296420011"' in body
    assert "Coordonne le réseau" in body
    assert "Retirer" not in body  # no management for a member
    assert "Modifier le réseau" not in body


def test_the_directory_is_hidden_from_non_members_and_from_other_epcis(client, network, henon):
    for outsider in [agent_of(henon), ReferentFactory()]:
        client.force_login(outsider)
        assert client.get(detail_url(network)).status_code == 404


def test_the_agent_list_shows_only_their_networks(client, network, referent, henon):
    NetworkFactory(epci=referent.epci, name="Secrétaires de mairie")
    client.force_login(network.members.get(last_name="Rault").user)

    response = client.get(LIST_URL)

    assert [n.name for n in response.context["networks"]] == ["Acheteurs"]
    assert "<h1>Mes réseaux</h1>" in response.content.decode()
    assert "Nouveau réseau" not in response.content.decode()


def test_the_referent_creates_a_network_then_adds_a_member(client, referent, henon):
    contact = ContactFactory(
        epci=referent.epci, first_name="Léa", last_name="Morvan", communes=[henon]
    )
    client.force_login(referent)

    response = client.post(
        reverse("communes:network_create"),
        {"name": "Secrétaires de mairie", "theme": "Entraide", "service": ""},
    )
    network = Network.objects.get(name="Secrétaires de mairie")
    assert response.status_code == 302
    assert response.url == detail_url(network)

    response = client.post(
        reverse("communes:network_member_add", args=[network.pk]), {"membre-contact": contact.pk}
    )
    assert response.status_code == 302
    assert list(network.members.all()) == [contact]
    page = client.get(detail_url(network)).content.decode()
    assert "Léa Morvan est membre du réseau." in page
    assert 'Retirer<span class="visually-hidden"> Léa Morvan</span>' in page


def test_a_contact_of_another_epci_cannot_be_posted_as_a_member(client, referent):
    network = NetworkFactory(epci=referent.epci)
    stranger = ContactFactory(communes=[CommuneFactory()])
    client.force_login(referent)

    response = client.post(
        reverse("communes:network_member_add", args=[network.pk]), {"membre-contact": stranger.pk}
    )

    assert response.status_code == 400
    assert not network.members.exists()


def test_the_referent_chooses_the_coordinator_on_the_edit_page(client, referent, network):
    anne = network.members.get(last_name="Rault")
    client.force_login(referent)

    response = client.post(
        reverse("communes:network_update", args=[network.pk]),
        {
            "name": "Acheteurs publics",
            "theme": "",
            "service": "",
            "coordinator": anne.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    network.refresh_from_db()
    assert (network.name, network.coordinator) == ("Acheteurs publics", anne)


def test_members_removal_and_editing_are_the_referents_only(client, network, henon):
    agent = network.members.get(last_name="Rault").user
    membership = network.memberships.first()
    client.force_login(agent)

    assert client.get(reverse("communes:network_create")).status_code == 403
    assert client.get(reverse("communes:network_update", args=[network.pk])).status_code == 403
    remove = reverse("communes:network_member_remove", args=[network.pk, membership.pk])
    assert client.post(remove).status_code == 404
    assert network.memberships.count() == 2

    client.force_login(ReferentFactory())  # another EPCI
    assert client.post(remove).status_code == 404
    assert network.memberships.count() == 2


def test_the_referent_removes_a_member(client, referent, network):
    membership = network.memberships.get(contact__last_name="Hamon")
    client.force_login(referent)

    response = client.post(
        reverse("communes:network_member_remove", args=[network.pk, membership.pk])
    )

    assert response.status_code == 302
    network.refresh_from_db()
    assert [c.last_name for c in network.members.all()] == ["Rault"]
    assert network.coordinator is None


# --- admin site ----------------------------------------------------------------------------


def test_the_admin_refuses_a_coordinator_who_is_not_a_member(client, network):
    client.force_login(SyndicatFactory(is_superuser=True))
    url = reverse("admin:communes_network_change", args=[network.pk])
    assert client.get(url).status_code == 200
    memberships = list(network.memberships.order_by("pk"))
    data = {
        "epci": network.epci_id,
        "name": network.name,
        "theme": network.theme,
        "service": "",
        "coordinator": network.coordinator_id,
        "is_active": "on",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-network"] = network.pk
        data[f"memberships-{index}-contact"] = membership.contact_id
        if membership.contact_id == network.coordinator_id:
            data[f"memberships-{index}-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200  # the form comes back
    assert "Le coordinateur doit être membre du réseau." in response.content.decode()
    assert network.memberships.count() == 2


def test_the_agent_section_lists_my_networks_and_nothing_when_there_are_none(network, henon):
    agent = network.members.get(last_name="Rault").user
    html = render_to_string(
        "communes/networks/_agent_section.html", {"networks": agent_networks(agent)}
    )
    assert "Mes réseaux" in html
    assert detail_url(network) in html
    assert "2 membres" in html and "coordonné par Marc Hamon" in html
    loner = agent_of(henon)
    assert agent_networks(loner) == []
    assert render_to_string("communes/networks/_agent_section.html", {"networks": []}).strip() == ""
