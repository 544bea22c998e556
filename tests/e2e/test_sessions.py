"""Logging out in a real browser: the back button does not bring the session's pages back."""

import pytest
from playwright.sync_api import expect

from tests.accounts.conftest import PASSWORD
from tests.factories import ReferentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_after_logout_the_back_button_shows_no_page_of_the_session(page):
    # A mairie's shared computer: the next person must not go back into the agent's pages.
    referent = ReferentFactory(first_name="Gaëlle", last_name="Le Goff")
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(referent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto("/communes/")
    expect(page.get_by_text("Gaëlle Le Goff")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Déconnexion effectuée")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_text("Gaëlle Le Goff")).to_have_count(0)
