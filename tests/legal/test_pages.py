"""The accessibility statement, the legal notice and the privacy page: public, honest, and
linked from the footer of every page (portal, admin site, login pages, error pages, API docs)."""

import re

import pytest
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, agent_of

pytestmark = pytest.mark.django_db

PAGES = {
    "legal:accessibility": "Déclaration d'accessibilité",
    "legal:notice": "Mentions légales",
    "legal:privacy": "Données personnelles",
}


def text_of(response) -> str:
    """The page's main content as a reader gets it: tags removed, spaces collapsed."""
    page = response.content.decode()
    main = page.split('<main id="contenu"', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def footer_links(page: str) -> list[str]:
    footer = page.rsplit("<footer", 1)[1]
    return re.findall(r'href="([^"]+)"', footer)


@pytest.mark.parametrize(("name", "title"), PAGES.items())
def test_each_page_is_public_in_french_with_its_title_as_the_heading(client, name, title):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert re.search(r"<h1[^>]*>\s*" + re.escape(title), page)
    assert f"<title>{title} — " in page


def test_the_accessibility_statement_says_honestly_where_the_portal_stands(client):
    text = text_of(client.get(reverse("legal:accessibility")))
    assert "RGAA 4.1" in text
    assert "non conforme" in text
    assert "aucun audit de conformité" in text  # no audit yet: not « partiellement conforme »
    assert "Établie le 4 décembre 2026" in text
    for audited in ["Connexion", "Tableau de bord du référent", "fiche d'une commune"]:
        assert audited in text
    for technology in ["HTML5", "CSS", "JavaScript", "WAI-ARIA"]:
        assert technology in text
    # what is not accessible yet, said plainly
    assert "PDF" in text
    # recourse: the Défenseur des droits, three ways
    assert "formulaire.defenseurdesdroits.fr" in response_html(client, "legal:accessibility")
    assert "délégué" in text
    assert "Libre réponse 71120 75342 Paris CEDEX 07" in text


def response_html(client, name):
    return client.get(reverse(name)).content.decode()


def test_the_legal_notice_names_the_operator_from_the_settings(client, settings):
    settings.PORTAL_OPERATOR_NAME = "Communauté de communes du Pays de Test"
    settings.PORTAL_OPERATOR_ADDRESS = "1 place de la Mairie, 22000 Testville"
    settings.PORTAL_OPERATOR_EMAIL = "numerique@cc-test.example.org"
    settings.PORTAL_PUBLICATION_DIRECTOR = "Mme Anne Exemple, présidente"
    settings.PORTAL_HOST = "Hébergeur Exemple SAS, 2 rue du Serveur, 35000 Rennes"
    text = text_of(client.get(reverse("legal:notice")))
    assert "Communauté de communes du Pays de Test" in text
    assert "1 place de la Mairie, 22000 Testville" in text
    assert "numerique@cc-test.example.org" in text
    assert "Directrice ou directeur de la publication : Mme Anne Exemple, présidente" in text
    assert "Hébergeur Exemple SAS, 2 rue du Serveur, 35000 Rennes" in text


def test_the_default_operator_is_the_syndicat_mixte(client):
    text = text_of(client.get(reverse("legal:notice")))
    assert "Mégalis Bretagne" in text
    assert "35510 Cesson-Sévigné" in text


def test_the_privacy_page_gives_purposes_legal_bases_retention_rights_and_contacts(
    client, settings
):
    settings.CONTACT_RETENTION_DAYS = 730
    settings.PORTAL_DPO_EMAIL = "dpo@cc-test.example.org"
    text = text_of(client.get(reverse("legal:privacy")))
    assert "mission d'intérêt public (article 6-1-e du RGPD)" in text
    # retention figures come from the settings, not from the text
    assert "730 jours sans activité" in text
    assert "15 minutes" in text  # magic links
    assert "2 heures" in text  # password reset links
    assert "14 jours" in text  # sessions
    for kind in [
        "Comptes",
        "Contacts des communes",
        "Demandes et dossiers",
        "Invitations et émargement",
        "Formations et attestations",
        "Courriels envoyés",
        "Journaux de connexion",
    ]:
        assert kind in text
    assert "syndicat mixte" in text and "dossiers qui lui ont été relayés" in text
    for right in ["accès", "rectification", "effacement", "limitation", "opposition"]:
        assert right in text
    assert "dpo@cc-test.example.org" in text
    assert "CNIL" in text and "www.cnil.fr/fr/plaintes" in response_html(client, "legal:privacy")


def test_the_pages_follow_the_interface_language(client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("legal:privacy")).content.decode()
    assert '<html lang="en">' in page


LEGAL_LINKS = [reverse(name) for name in PAGES]


def assert_footer_links_to_the_three_pages(page: str):
    links = footer_links(page)
    for url in LEGAL_LINKS:
        assert url in links, links
    assert "Accessibilité : non conforme" in page.rsplit("<footer", 1)[1]


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:login"),
        reverse("accounts:magic_link"),
        reverse("accounts:password_reset"),
        reverse("admin:login"),
        reverse("api:docs"),
        "/une-page-qui-n-existe-pas/",
        *LEGAL_LINKS,
    ],
)
def test_every_public_page_links_the_three_pages_from_its_footer(client, url):
    assert_footer_links_to_the_three_pages(client.get(url).content.decode())


def test_the_pages_of_each_role_link_the_three_pages_from_their_footer(client):
    commune = CommuneFactory()
    for user, url in [
        (ReferentFactory(epci=commune.epci), reverse("dashboard:home")),
        (agent_of(commune), reverse("dashboard:agent_home")),
        (SyndicatFactory(), reverse("admin:index")),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert_footer_links_to_the_three_pages(response.content.decode())


def test_the_server_error_page_links_the_three_pages_too(rf):
    # Rendered without any context processor, as Django does on a 500.
    page = server_error(rf.get("/")).content.decode()
    assert_footer_links_to_the_three_pages(page)
