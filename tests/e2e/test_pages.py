"""A referent and an agent use the portal in a real browser; axe checks every page they see."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from communes.models import Contact
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
)
from tests.outbox.utils import sent_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    lamballe = CommuneFactory(
        epci=epci,
        name="Lamballe-Armor",
        insee_code="22093",
        siren="212200935",
        population=17166,
        postal_codes=["22400"],
    )
    for name, code, population in [
        ("Andel", "22002", 1156),
        ("Bréhand", "22020", 1601),
        ("Coëtmieux", "22044", 1830),
        ("Hénon", "22076", 2334),
        ("Trédaniel", "22343", 478),
    ]:
        CommuneFactory(epci=epci, name=name, insee_code=code, population=population)
    ContactFactory(
        epci=epci,
        communes=[lamballe],
        first_name="Thierry",
        last_name="Andrieux",
        function=Contact.Function.MAIRE,
        email="maire@lamballe-armor.example",
    )
    ContactFactory(
        epci=epci,
        communes=[lamballe],
        first_name="Anne",
        last_name="Rault",
        function=Contact.Function.SECRETAIRE,
        email="secretariat@lamballe-armor.example",
    )
    return epci, lamballe


def test_a_referent_logs_in_opens_a_commune_and_switches_to_english(
    page, live_server, territory, assert_accessible
):
    epci, _lamballe = territory
    ReferentFactory(epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    assert_accessible(page)

    page.get_by_label("Identifiant ou adresse e-mail").fill("claire.legoff")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    page.get_by_role("navigation").get_by_role("link", name="Communes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Communes")
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Lamballe Terre et Mer")
    expect(banner).to_contain_text("Claire Le Goff")
    expect(page.get_by_role("heading", name="6 communes")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/communes_list.png", full_page=True)

    page.get_by_role("textbox", name="Rechercher").fill("brehand")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("heading", name=re.compile(r"^1 commune"))).to_be_visible()
    expect(page.get_by_role("link", name="Bréhand")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Effacer les filtres").click()
    page.get_by_role("link", name="Lamballe-Armor").click()

    expect(page).to_have_url(re.compile(r"/communes/22093/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lamballe-Armor")
    expect(page.get_by_role("link", name="maire@lamballe-armor.example")).to_have_attribute(
        "href", "mailto:maire@lamballe-armor.example"
    )
    expect(page.get_by_text("Identité")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/commune_detail.png", full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Identity")).to_be_visible()
    expect(page.get_by_role("heading", name="Elected officials")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Municipalities"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Municipalities")
    expect(page.get_by_role("heading", name="6 municipalities")).to_be_visible()
    expect(page.get_by_role("textbox", name="Search")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")


def test_an_agent_logs_in_by_magic_link_and_lands_on_their_space(
    page, live_server, territory, assert_accessible
):
    _epci, lamballe = territory
    agent = agent_of(lamballe, first_name="Yann", last_name="Morvan", email="yann@mairie.example")

    page.goto(live_server.url + "/accounts/connexion/")
    page.get_by_role("link", name="Recevoir un lien de connexion par e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recevoir un lien de connexion")
    assert_accessible(page)

    page.get_by_label("Votre adresse e-mail professionnelle").fill(agent.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page).to_have_url(re.compile(r"/lien/envoye/$"))
    assert_accessible(page)

    email = OutgoingEmail.objects.get(to=agent.email)
    link = re.search(r"https?://\S+jeton=\S+", sent_text(email)).group(0)
    path = urlsplit(link)
    page.goto(f"{live_server.url}{path.path}?{path.query}")
    assert_accessible(page)
    page.get_by_role("button", name="Me connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_role("banner")).to_contain_text("Yann Morvan")
    expect(page.get_by_role("heading", name="Ma commune", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Lamballe-Armor")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/agent_space.png", full_page=True)

    page.get_by_role("link", name="Voir la fiche de Lamballe-Armor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lamballe-Armor")
    expect(page.get_by_text("Anne Rault")).to_be_visible()
    assert_accessible(page)

    # Another commune of the same EPCI is out of the agent's reach.
    response = page.goto(live_server.url + "/communes/22076/")
    assert response.status == 404


def test_the_accessibility_check_does_catch_a_violation(page, live_server, assert_accessible):
    """Guards the guard: a page with an unlabelled field must fail the axe check."""
    page.goto(live_server.url + "/accounts/connexion/")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")

    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)
