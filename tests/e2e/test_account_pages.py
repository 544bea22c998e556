"""The login pages in a real browser, checked by axe: lockout, password reset, broken link."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from referent_portal.outbox.models import OutgoingEmail
from tests.accounts.conftest import PASSWORD
from tests.factories import CommuneFactory, agent_of
from tests.outbox.utils import sent_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, identifier, password):
    page.get_by_label("Identifiant ou adresse e-mail").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_a_locked_out_agent_resets_their_password_and_logs_in(page, live_server, assert_accessible):
    agent = agent_of(CommuneFactory(name="Plurien"), email="mairie@plurien.example.org")
    page.goto(live_server.url + "/accounts/connexion/")

    log_in(page, agent.email, "pas-le-bon")
    expect(page.get_by_text("mot de passe incorrect")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Erreur"))
    expect(page.get_by_label("Identifiant ou adresse e-mail")).to_have_value(agent.email)
    assert_accessible(page)

    for _ in range(4):
        log_in(page, agent.email, "pas-le-bon")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compte temporairement bloqué")
    expect(page.get_by_text("réessayer dans 15 minutes")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Choisir un nouveau mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    assert_accessible(page)
    page.get_by_label("Votre adresse e-mail").fill(agent.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    assert_accessible(page)

    email = OutgoingEmail.objects.get(kind="accounts.password_reset")
    link = urlsplit(re.search(r"http://\S+", sent_text(email)).group(0))
    page.goto(live_server.url + link.path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau mot de passe")
    page.get_by_label("Nouveau mot de passe*", exact=True).fill("court")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page).to_have_title(re.compile(r"^Erreur"))
    assert_accessible(page)

    page.get_by_label("Nouveau mot de passe*", exact=True).fill("un-mot-de-passe-tout-neuf")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("un-mot-de-passe-tout-neuf")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")
    assert_accessible(page)

    page.get_by_role("link", name="Se connecter").click()
    log_in(page, agent.username, "un-mot-de-passe-tout-neuf")
    expect(page).to_have_url(re.compile(r"/espace/$"))


def test_a_spent_magic_link_explains_itself(page, live_server, assert_accessible):
    page.goto(live_server.url + "/accounts/lien/connexion/?jeton=deja-servi")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ce lien de connexion ne fonctionne plus"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Demander un nouveau lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recevoir un lien de connexion")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page).to_have_title(re.compile(r"^Erreur"))
    assert_accessible(page)


def test_the_logged_in_user_changes_their_password(page, live_server, assert_accessible):
    agent = agent_of(CommuneFactory())
    page.goto(live_server.url + "/accounts/connexion/")
    log_in(page, agent.username, PASSWORD)
    page.goto(live_server.url + "/accounts/mot-de-passe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changer de mot de passe")
    assert_accessible(page)
