"""The portal on a phone (375 px wide): no page scrolls sideways, what matters stays in view."""

import re

import pytest
from playwright.sync_api import expect

from requests_relay.services import dossier_create, request_ask_information
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
    request_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def territory():
    epci = EpciFactory(name="CA Lamballe Terre et Mer", siren="200069391")
    communes = [
        CommuneFactory(epci=epci, name=name, insee_code=code, population=population)
        for name, code, population in [
            ("Lamballe-Armor", "22093", 17166),
            ("Saint-Denoual", "22290", 440),
            ("Plénée-Jugon", "22183", 2500),
            ("Jugon-les-Lacs - Commune nouvelle", "22084", 2800),
            ("Hénansal", "22074", 1100),
        ]
    ]
    for commune in communes:
        ContactFactory(epci=epci, communes=[commune])
    referent = ReferentFactory(
        epci=epci, username="maelle.legoff", first_name="Maëlle", last_name="Le Goff"
    )
    agent = agent_of(
        communes[1],
        communes[0],
        username="yannick.tanguy",
        first_name="Yannick",
        last_name="Tanguy",
    )
    urgent = request_of(
        agent,
        communes[1],
        subject="Adhésion au parapheur pour le service commande publique",
        urgency="blocking",
    )
    waiting = request_of(agent, communes[0], subject="Certificat de la secrétaire expiré")
    request_ask_information(request=waiting, by=referent, body="Quel certificat ?")
    dossier_create(
        requests=[request_of(agent, communes[0], subject="Second signataire")],
        by=referent,
        title="Second signataire",
        summary="Synthèse.",
    )
    return {"request": urgent}


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits_the_phone(page, assert_accessible):
    width = page_width(page)
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    assert_accessible(page)


def test_the_referents_pages_fit_a_phone_and_the_inbox_keeps_state_urgency_and_age_in_view(
    page, territory, assert_accessible
):
    page.set_viewport_size(PHONE)
    reference = territory["request"].reference

    log_in(page, "maelle.legoff", "/communes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Communes")
    assert_fits_the_phone(page, assert_accessible)
    page.screenshot(path="/tmp/phone_communes.png", full_page=True)
    # A compact header (it took 177 px): the page itself starts in the first third.
    assert page.get_by_role("banner").bounding_box()["height"] <= 140

    page.goto("/demandes/?status=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes des communes")
    assert_fits_the_phone(page, assert_accessible)
    page.screenshot(path="/tmp/phone_inbox.png", full_page=True)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    for text in ("Nouvelle", "Bloquante (service interrompu)", "Aujourd'hui"):
        cell = row.get_by_text(text, exact=True).locator("visible=true")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], f"« {text} » is off-screen"
    expect(row).to_contain_text("Saint-Denoual")  # the commune, under the reference

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Adhésion au parapheur pour le service commande publique"
    )
    assert_fits_the_phone(page, assert_accessible)
    page.screenshot(path="/tmp/phone_request.png", full_page=True)

    page.goto("/demandes/dossiers/")
    assert_fits_the_phone(page, assert_accessible)


def test_the_agents_pages_fit_a_phone(page, territory, assert_accessible):
    page.set_viewport_size(PHONE)

    log_in(page, "yannick.tanguy", "/espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert_fits_the_phone(page, assert_accessible)
    page.screenshot(path="/tmp/phone_agent_home.png", full_page=True)

    page.goto("/demandes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes demandes")
    assert_fits_the_phone(page, assert_accessible)
    row = page.get_by_role("row").filter(has_text="Certificat de la secrétaire expiré")
    state = row.get_by_text("En attente de la commune").locator("visible=true")
    expect(state).to_be_visible()
    box = state.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path="/tmp/phone_agent_list.png", full_page=True)

    page.goto(f"/demandes/{territory['request'].reference}/")
    assert_fits_the_phone(page, assert_accessible)

    page.goto("/demandes/nouvelle/")
    assert_fits_the_phone(page, assert_accessible)


def test_the_width_check_does_catch_the_sort_texts_escaping_the_table(page, territory):
    """Guards the guard: without a positioned table box, the communes page is too wide again."""
    page.set_viewport_size(PHONE)
    log_in(page, "maelle.legoff", "/communes/")
    assert page_width(page) <= PHONE["width"]

    page.evaluate(
        "document.querySelectorAll('.table-responsive')"
        ".forEach((box) => { box.style.position = 'static'; })"
    )

    assert page_width(page) > PHONE["width"]
