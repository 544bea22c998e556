"""A commune's timeline in a real browser: entries and requests, filtered, axe-clean."""

import re

import pytest
from playwright.sync_api import expect

from communes.timeline.services import timeline_record
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def test_the_referent_reads_and_filters_a_communes_timeline(page, assert_accessible):
    epci = EpciFactory(name="Lamballe Terre et Mer")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    referent = ReferentFactory(
        epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff"
    )
    agent = agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")
    for index in range(30):
        timeline_record(
            commune=henon,
            kind="adoption",
            title=f"Parapheur : étape {index}",
            detail="Charte signée en conseil municipal.",
            actor=referent,
        )
    timeline_record(commune=henon, kind="drive", title="Invitée à la démarche « Archivage »")
    request_of(agent, henon, subject="Accès au parapheur")

    log_in(page, "claire.legoff", "/communes/22076/fil/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fil de Hénon")
    expect(page.get_by_role("heading", name="32 événements")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Accès au parapheur"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Page suivante").click()
    expect(page.get_by_text("Page 2 sur 2")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Nature des événements").select_option(
        label="Démarches d'adhésion collective"
    )
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("heading", name=re.compile("1 événement"))).to_be_visible()
    expect(page.get_by_text("Invitée à la démarche « Archivage »")).to_be_visible()
    assert_accessible(page)

    log_in(page, "anne.rault", "/communes/22076/fil/")  # the commune's agent sees it too
    expect(page.get_by_role("heading", level=1)).to_have_text("Fil de Hénon")
    assert_accessible(page)
