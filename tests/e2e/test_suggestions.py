"""The portal proposes a suggestion, the referent sends it, the commune answers « plus tard ».

A real browser (Chromium through pytest-playwright) against Django's live server; axe-core
checks every page of the suggestions on the way.
"""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Adoption, Service, Suggestion
from communes.suggestions.services import suggestions_propose
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.suggestions.helpers import trained_on
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    Adoption.objects.create(
        commune=henon, service=Service.objects.get(code="actes"), status="active"
    )
    trained_on(henon, "actes")  # an agent trained on acts: only the archiving rule applies
    return {
        "epci": epci,
        "henon": henon,
        "referent": ReferentFactory(
            epci=epci,
            username="claire.legoff",
            first_name="Claire",
            last_name="Le Goff",
            email="claire.legoff@lamballe.example.org",
        ),
        "agent": agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault"),
    }


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def test_a_proposed_suggestion_is_sent_answered_later_and_the_answer_reaches_the_referent(
    page, territory, assert_accessible
):
    # The nightly run proposes archiving to Hénon, which transmits its acts already.
    [proposal] = suggestions_propose(epci=territory["epci"])
    assert proposal.rule == "archivage_apres_actes"

    # The referent reads the rules, then the proposal, and sends it.
    log_in(page, "claire.legoff", "/communes/suggestions/regles/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Règles des suggestions")
    expect(page.get_by_text("Former les agents à un service adopté")).to_be_visible()
    assert_accessible(page)

    page.goto("/communes/suggestions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggestions aux communes")
    expect(page.get_by_text("Aucune suggestion n'attend de réponse.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Proposées par le portail")).click()
    row = page.get_by_role("row", name=re.compile("Hénon"))
    expect(row).to_contain_text("Archiver électroniquement vos actes")
    expect(row).to_contain_text("Archivage électronique après la télétransmission des actes")
    row.get_by_text("Lire le texte").click()
    expect(row.get_by_text(re.compile("transmet déjà ses actes"))).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/suggestions_proposed.png", full_page=True)

    row.get_by_role("button", name="Envoyer à Hénon").click()
    expect(
        page.get_by_text("Suggestion envoyée à Hénon : 1 agent(s) la reçoivent par courriel.")
    ).to_be_visible()
    expect(page.get_by_text("Le portail n'a rien à vous proposer pour le moment.")).to_be_visible()
    assert_accessible(page)
    [email] = OutgoingEmail.objects.filter(kind="suggestions.sent")
    assert email.to == territory["agent"].email

    # The agent follows the link of the e-mail and answers « plus tard ».
    link = re.search(r"http://testserver(/communes/suggestions/\d+/)", email.body_text)
    log_in(page, "anne.rault", "/communes/suggestions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggestions du référent")
    expect(page.get_by_text("Votre réponse est attendue")).to_be_visible()
    assert_accessible(page)

    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Archiver électroniquement vos actes")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Plus tard").check()
    page.get_by_label("Commentaire").fill("Après le vote du budget, au printemps.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Merci : votre réponse est transmise au référent.")).to_be_visible()
    answer = page.get_by_role("region", name="Votre réponse")
    expect(answer).to_contain_text("Plus tard")
    expect(answer).to_contain_text("Après le vote du budget, au printemps.")
    expect(page.get_by_role("heading", name="Changer de réponse")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/suggestion_answer.png", full_page=True)

    # The referent is told, and finds the answer among the answers.
    suggestion = Suggestion.objects.get()
    assert suggestion.status == Suggestion.Status.LATER
    [notice] = OutgoingEmail.objects.filter(kind="suggestions.answered")
    assert notice.to == "claire.legoff@lamballe.example.org"
    log_in(page, "claire.legoff", "/communes/suggestions/?onglet=reponses")
    row = page.get_by_role("row", name=re.compile("Hénon"))
    expect(row).to_contain_text("Plus tard")
    expect(row).to_contain_text("Anne Rault")
    expect(row).to_contain_text("Après le vote du budget, au printemps.")
    assert_accessible(page)
    page.screenshot(path="/tmp/suggestions_answers.png", full_page=True)


def test_the_referent_writes_a_suggestion_to_a_commune(page, territory, assert_accessible):
    log_in(page, "claire.legoff", "/communes/suggestions/nouvelle/?commune=22076")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle suggestion")
    expect(page.get_by_label("Commune")).to_have_value(str(territory["henon"].pk))
    page.get_by_role("button", name="Envoyer la suggestion").click()
    expect(page.get_by_text("La suggestion n'est pas encore envoyée.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Service du syndicat mixte").select_option(
        label="Parapheur et signature électronique"
    )
    page.get_by_label("Intitulé").fill("Signer les arrêtés avec le parapheur")
    page.get_by_role("textbox", name=re.compile("^Suggestion")).fill(
        "Le maire signe depuis sa tablette."
    )
    page.get_by_role("button", name="Envoyer la suggestion").click()
    expect(page.get_by_text("Suggestion envoyée à Hénon")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Signer les arrêtés"))).to_contain_text(
        "Envoyée, sans réponse"
    )
    assert_accessible(page)
