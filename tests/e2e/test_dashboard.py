"""The referent's dashboard and the agent's space in a real browser, axe-checked."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


def log_in(page, username):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))


def test_the_referent_s_day_and_the_agent_s_space(page, assert_accessible):
    epci = EpciFactory(name="Lamballe Terre et Mer")
    referent = ReferentFactory(epci=epci, username="claire.legoff")
    henon = CommuneFactory(epci=epci, name="Hénon")
    andel = CommuneFactory(epci=epci, name="Andel")
    agent = agent_of(henon, andel, username="anne.rault")
    request = request_of(agent, subject="Le parapheur refuse un second signataire")
    meeting = MeetingFactory(
        created_by=referent,
        title="Réunion sur l'archivage",
        starts_at=timezone.now() + timedelta(days=3),
    )
    InvitationFactory(meeting=meeting, contact=agent.contact, email=agent.email, commune=henon)

    log_in(page, "claire.legoff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_role("heading", name="1 demande à traiter")).to_be_visible()
    expect(page.get_by_text("1 invité sans réponse")).to_be_visible()
    page.get_by_text("Voir les données").first.click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(request.reference)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("parapheur refuse")

    log_in(page, "anne.rault")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text("Réunion sur l'archivage", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Mes formations")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Choisir les courriels que je reçois").click()
    page.get_by_label("Rappels avant une réunion ou une formation").uncheck()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos préférences sont enregistrées.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Mon espace").first.click()
    page.get_by_role("link", name=re.compile("^Répondre")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réunion sur l'archivage")
