"""A network of competences: the referent builds it, a member reads its directory.

A real browser (Chromium through pytest-playwright) against Django's live server; axe-core
checks each page.
"""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Network
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    brehand = CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    ReferentFactory(epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff")
    agent = agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")
    ContactFactory(
        epci=epci,
        first_name="Marc",
        last_name="Hamon",
        function="acheteur",
        email="marc.hamon@brehand.example.org",
        phone="02 96 42 00 11",
        communes=[brehand],
    )
    outsider = agent_of(brehand, username="yann.le.bihan", first_name="Yann", last_name="Le Bihan")
    return {"agent": agent, "outsider": outsider}


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def test_the_referent_builds_a_network_and_a_member_reads_its_directory(
    page, territory, assert_accessible
):
    log_in(page, "claire.legoff", "/communes/reseaux/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réseaux de compétences")
    assert_accessible(page)

    page.get_by_role("link", name="Nouveau réseau").click()
    page.get_by_label("Nom du réseau").fill("Acheteurs publics — dématérialisation")
    page.get_by_label("Service concerné").select_option(label="Salle régionale des marchés publics")
    page.get_by_label("Thème").fill("Publier les consultations, ouvrir les plis, notifier.")
    assert_accessible(page)
    page.get_by_role("button", name="Créer le réseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acheteurs publics — dématérialisation"
    )
    expect(page.get_by_text("Ce réseau n'a pas encore de membre.")).to_be_visible()
    assert_accessible(page)

    for label in [
        "Rault Anne — Secrétaire de mairie (Hénon)",
        "Hamon Marc — Acheteur public (Bréhand)",
    ]:
        page.get_by_label("Contact à ajouter").select_option(label=label)
        page.get_by_role("button", name="Ajouter au réseau").click()
        expect(page.get_by_text(re.compile("est membre du réseau"))).to_be_visible()

    page.get_by_role("link", name="Modifier le réseau").click()
    page.get_by_label("Coordinateur").select_option(label="Hamon Marc — Acheteur public (Bréhand)")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le réseau est enregistré.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Marc Hamon"))).to_contain_text(
        "Coordonne le réseau"
    )
    assert_accessible(page)
    network = Network.objects.get()

    # A member finds the network in « Mes réseaux » and reads the directory.
    log_in(page, "anne.rault", "/communes/reseaux/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réseaux")
    assert_accessible(page)
    page.get_by_role("link", name="Acheteurs publics — dématérialisation").click()
    coordinator = page.get_by_role("row", name=re.compile("Marc Hamon"))
    expect(coordinator).to_contain_text("Coordonne le réseau")
    expect(coordinator).to_contain_text("Bréhand")
    expect(coordinator).to_contain_text("Acheteur public")
    expect(coordinator.get_by_role("link", name="marc.hamon@brehand.example.org")).to_be_visible()
    expect(coordinator.get_by_role("link", name="02 96 42 00 11")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Retirer"))).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path="/tmp/network_directory.png", full_page=True)

    # An agent of the EPCI who is not a member does not find it.
    log_in(page, "yann.le.bihan", f"/communes/reseaux/{network.pk}/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        "Acheteurs publics — dématérialisation"
    )
    assert page.get_by_text("marc.hamon@brehand.example.org").count() == 0
