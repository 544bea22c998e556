"""Where each role lands, and the agent's own space."""

import pytest
from django.urls import reverse

from communes.models import Contact
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    ReferentFactory,
    SyndicatFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

HOME_URL = reverse("dashboard:home")
AGENT_HOME_URL = reverse("dashboard:agent_home")


def test_the_referent_lands_on_their_dashboard(client):
    client.force_login(ReferentFactory())
    response = client.get(HOME_URL)
    assert response.status_code == 200
    assert "À faire aujourd" in response.content.decode()


def test_the_syndicat_mixte_lands_on_the_admin_site(client):
    client.force_login(SyndicatFactory())
    assert client.get(HOME_URL).url == reverse("admin:index")


def test_an_agent_lands_on_their_space(client):
    client.force_login(agent_of(CommuneFactory()))
    assert client.get(HOME_URL).url == AGENT_HOME_URL


@pytest.mark.parametrize("url", [HOME_URL, AGENT_HOME_URL])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_an_agent_sees_their_communes_their_contact_card_and_their_referent(client):
    henon = CommuneFactory(name="Hénon", insee_code="22076", postal_codes=["22400"])
    andel = CommuneFactory(name="Andel", insee_code="22002", epci=henon.epci)
    elsewhere = CommuneFactory(name="Quimper", insee_code="29232")
    ReferentFactory(epci=henon.epci, first_name="Claire", last_name="Le Goff")
    ReferentFactory(epci=elsewhere.epci, first_name="Autre", last_name="Référent")
    agent = agent_of(henon, andel, first_name="Yann", last_name="Morvan")
    Contact.objects.filter(user=agent).update(phone="02 96 34 00 00")
    client.force_login(agent)

    response = client.get(AGENT_HOME_URL)

    assert response.status_code == 200
    assert [c.name for c in response.context["communes"]] == ["Andel", "Hénon"]
    body = response.content.decode()
    assert reverse("communes:detail", args=["22076"]) in body
    assert reverse("communes:detail", args=["22002"]) in body
    assert "Quimper" not in body
    assert "Mes communes" in body
    assert 'href="mailto:' + agent.email + '"' in body  # their contact card
    assert 'href="tel:0296340000"' in body
    assert "Claire Le Goff" in body  # who to turn to
    assert "Autre Référent" not in body


def test_an_agent_with_a_single_commune_reads_ma_commune(client):
    client.force_login(agent_of(CommuneFactory(name="Hénon")))
    body = client.get(AGENT_HOME_URL).content.decode()
    assert "Ma commune" in body
    assert "Mes communes" not in body


def test_an_agent_attached_to_no_commune_is_told_what_to_do(client):
    client.force_login(UserFactory())

    response = client.get(AGENT_HOME_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre compte n'est rattaché à aucune commune." in body
    assert "Aucune fiche contact n'est associée à votre compte." in body


def test_an_agent_does_not_see_the_contacts_of_other_communes_in_their_space(client):
    theirs = CommuneFactory(name="Hénon")
    neighbour = CommuneFactory(name="Andel", epci=theirs.epci)
    ContactFactory(epci=theirs.epci, communes=[neighbour], last_name="Voisine")
    client.force_login(agent_of(theirs))

    body = client.get(AGENT_HOME_URL).content.decode()

    assert "Andel" not in body
    assert "Voisine" not in body


def test_a_referent_opening_the_agent_space_is_sent_to_their_own_landing(client):
    client.force_login(ReferentFactory())
    assert client.get(AGENT_HOME_URL).url == HOME_URL


def test_the_navigation_follows_the_role(client):
    requests_url = reverse("requests_relay:list")
    dossiers_url = reverse("requests_relay:dossier_list")
    agent = agent_of(CommuneFactory())
    client.force_login(agent)
    body = client.get(AGENT_HOME_URL).content.decode()
    assert "Mon espace" in body
    assert f'href="{requests_url}"' in body
    assert f'href="{reverse("communes:list")}"' not in body
    assert f'href="{dossiers_url}"' not in body
    assert f'href="{reverse("admin:index")}"' not in body

    client.force_login(ReferentFactory())
    body = client.get(reverse("communes:list")).content.decode()
    assert f'href="{reverse("communes:list")}"' in body
    assert f'href="{requests_url}"' in body
    assert f'href="{dossiers_url}"' in body
    assert f'href="{AGENT_HOME_URL}"' not in body
    assert f'href="{reverse("admin:index")}"' not in body

    staff = ReferentFactory(is_staff=True)
    client.force_login(staff)
    body = client.get(reverse("communes:list")).content.decode()
    assert f'href="{reverse("admin:index")}"' in body


def test_the_agents_space_has_a_french_address(client):
    assert AGENT_HOME_URL == "/espace/"
    assert reverse("requests_relay:list") == "/demandes/"


@pytest.mark.parametrize(
    ("former", "current"),
    [
        ("/space/", "/espace/"),
        ("/requests/", "/demandes/"),
        ("/requests/DEM-2026-00042/", "/demandes/DEM-2026-00042/"),
        ("/requests/?status=all&page=2", "/demandes/?status=all&page=2"),
    ],
)
def test_the_former_english_addresses_lead_to_the_french_ones(client, former, current):
    """Links of e-mails sent before the change still work."""
    response = client.get(former)

    assert response.status_code == 301
    assert response["Location"] == current
