"""An information campaign in a real browser: the referent writes it, previews its recipients,
sends it, and follows each e-mail, a real Celery worker and SMTP server doing the sending.

Chromium through pytest-playwright against Django's live server; axe-core checks every page.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from communes.models import Contact
from meetings.models import Campaign
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory
from tests.fixtures_delivery import _Handler, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
REFUSED = "ancienne.adresse@bréhand.example.org".replace("é", "e")


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    brehand = CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    secretaire = Contact.Function.SECRETAIRE
    ContactFactory(epci=epci, communes=[henon], function=secretaire, last_name="Rault")
    ContactFactory(epci=epci, communes=[henon], function=secretaire, last_name="Sans", email="")
    ContactFactory(epci=epci, communes=[brehand], function=secretaire, last_name="Morin")
    ContactFactory(
        epci=epci, communes=[brehand], function=secretaire, last_name="Perrin", email=REFUSED
    )
    ContactFactory(epci=epci, communes=[brehand], function=Contact.Function.MAIRE)
    return ReferentFactory(epci=epci, username="claire.legoff", email="referent@example.org")


def log_in(page, username, path):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))
    page.goto(path)


def test_a_campaign_from_its_draft_to_each_recipients_state(
    page, territory, assert_accessible, celery_worker, smtp_server, monkeypatch, tmp_path
):
    accept = _Handler.handle_RCPT

    async def refuse_one(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        return await accept(self, server, session, envelope, address, rcpt_options)

    monkeypatch.setattr(_Handler, "handle_RCPT", refuse_one)
    guide = tmp_path / "guide-parapheur.pdf"
    guide.write_bytes(b"%PDF-1.4\n% guide du parapheur\n%%EOF\n")

    log_in(page, "claire.legoff", reverse("campaigns:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes d'information")
    expect(page.get_by_text("Aucune campagne pour l'instant.")).to_be_visible()
    assert_accessible(page)

    # A form sent without an audience says what is missing and keeps what was typed.
    page.get_by_role("link", name="Nouvelle campagne").click()
    assert_accessible(page)
    page.get_by_label("Objet du courriel").fill("Parapheur électronique : la nouvelle version")
    page.get_by_label("Texte").fill("La nouvelle version du parapheur arrive le 1er mars.")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("La campagne n'est pas enregistrée.")).to_be_visible()
    expect(page.get_by_label("Texte")).to_have_value(
        "La nouvelle version du parapheur arrive le 1er mars."
    )
    assert_accessible(page)

    page.get_by_label("Campagne du syndicat mixte").fill("Campagne parapheur 2027")
    page.get_by_label("Pièces jointes").set_input_files(str(guide))
    page.get_by_label("Communes", exact=True).select_option(label=["Bréhand", "Hénon"])
    page.get_by_label("Secrétaire de mairie").check()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Parapheur électronique : la nouvelle version"
    )
    expect(page.get_by_role("link", name="guide-parapheur.pdf")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Voir les destinataires").click()
    expect(page.get_by_text("3 destinataires")).to_be_visible()
    expect(page.get_by_text("1 personne choisie ne recevra pas la campagne")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Envoyer…").click()
    expect(page.get_by_text("à 3 destinataires")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer la campagne").click()
    expect(page.get_by_text("L'envoi est lancé : 3 courriels partent par lots")).to_be_visible()

    campaign = Campaign.objects.get()
    smtp_server.expect_exactly(2, timeout=30)
    wait_until(lambda: campaign.recipients.filter(email_message__status="failed").exists())
    wait_until(lambda: campaign.recipients.filter(email_message__status="sent").count() == 2)
    page.reload()
    table = page.get_by_role("table", name=re.compile("Destinataires de la campagne"))
    expect(table.get_by_text("Envoyé", exact=True)).to_have_count(2)
    expect(table.get_by_text("Échec", exact=True)).to_have_count(1)
    expect(page.get_by_text("5.1.1 No such user here")).to_be_visible()
    expect(page.get_by_text("2 communes atteintes sur 2")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("État").select_option(label="Échec")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("button", name=re.compile("Renvoyer"))).to_have_count(1)
    assert_accessible(page)
