"""A collective membership drive in a real browser: the referent creates and opens it, an agent
answers « engagée » from the link of the invitation, the referent closes it into one dossier.

Chromium through pytest-playwright against Django's live server; axe-core checks every page.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from communes.drives.models import Commitment, Drive
from communes.models import Contact
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Status
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
    ContactFactory(
        epci=epci,
        communes=[brehand],
        function=Contact.Function.MAIRE,
        first_name="Yves",
        last_name="Morin",
        email="maire@brehand.example.org",
    )
    return {
        "henon": henon,
        "referent": ReferentFactory(
            epci=epci,
            username="claire.legoff",
            first_name="Claire",
            last_name="Le Goff",
            email="referent@lamballe-terre-mer.example.org",
        ),
        # The secrétaire de mairie of Hénon, who has an account on the portal.
        "agent": agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault"),
    }


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))
    page.goto(path)


def test_a_drive_from_its_creation_to_the_dossier_relayed_to_the_syndicat(
    page, territory, assert_accessible
):
    deadline = timezone.localdate() + timedelta(days=21)

    # The referent prepares the drive.
    log_in(page, "claire.legoff", reverse("communes:drive_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Démarches d'adhésion collective")
    expect(page.get_by_text("Aucune démarche pour l'instant.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nouvelle démarche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nouvelle démarche d'adhésion collective"
    )
    assert_accessible(page)

    # Sent without communes: the form says so and keeps what was typed.
    page.get_by_label("Service du syndicat mixte").select_option(
        label="Parapheur et signature électronique"
    )
    page.get_by_label("Intitulé").fill("Adhésion groupée au parapheur électronique")
    page.get_by_label("Message aux communes").fill(
        "Le syndicat mixte prend en charge la première année d'abonnement."
    )
    page.get_by_label("Date limite de réponse").fill(deadline.isoformat())
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("La démarche n'est pas enregistrée.")).to_be_visible()
    expect(page.get_by_label("Intitulé")).to_have_value(
        "Adhésion groupée au parapheur électronique"
    )
    assert_accessible(page)

    page.get_by_label("Toutes les communes de l'EPCI").check()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Adhésion groupée au parapheur électronique"
    )
    expect(page.get_by_text("est enregistrée en brouillon")).to_be_visible()
    expect(page.get_by_text("Brouillon", exact=True)).to_be_visible()
    assert_accessible(page)
    drive = Drive.objects.get()
    assert drive.commitments.count() == 2

    # Opening asks first: who will get the invitation.
    page.get_by_role("link", name="Lancer la démarche…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lancer la démarche")
    recipients = page.get_by_role("table", name="Destinataires de l'invitation")
    expect(recipients).to_contain_text("maire@brehand.example.org")
    expect(recipients).to_contain_text("anne.rault@example.org")
    assert_accessible(page)
    assert not OutgoingEmail.objects.filter(kind="drives.invitation").exists()
    page.get_by_role("button", name="Lancer et envoyer les invitations").click()
    expect(page.get_by_text("La démarche est lancée : 2 invitations partent")).to_be_visible()
    expect(page.get_by_text("En cours", exact=True)).to_be_visible()
    assert_accessible(page)

    # The agent follows the link of the e-mail they received.
    invitation = OutgoingEmail.objects.get(kind="drives.invitation", to="anne.rault@example.org")
    link = re.search(
        r"http://testserver(/communes/demarches/\d+/reponse/22076/)", invitation.body_text
    )
    log_in(page, "anne.rault", link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Adhésion groupée au parapheur électronique"
    )
    expect(page.get_by_text("première année d'abonnement")).to_be_visible()
    assert_accessible(page)

    # « Délibération prévue » without its date: refused, with the reason, comment kept.
    page.get_by_label("Délibération prévue").check()
    page.get_by_label("Commentaire").fill("Vote du conseil municipal du 24 novembre.")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(
        page.get_by_text("Indiquez la date prévue de la délibération du conseil.").first
    ).to_be_visible()
    expect(page.get_by_label("Commentaire")).to_have_value(
        "Vote du conseil municipal du 24 novembre."
    )
    assert_accessible(page)

    page.get_by_label("Engagée").check()
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.get_by_text("Réponse enregistrée pour Hénon : Engagée.")).to_be_visible()
    expect(page.get_by_role("heading", name="Modifier la réponse")).to_be_visible()
    assert_accessible(page)
    commitment = Commitment.objects.get(commune=territory["henon"])
    assert commitment.status == Commitment.Status.COMMITTED
    assert commitment.changed_by == territory["agent"]

    # The referent sees the answer and closes the drive into one dossier.
    log_in(page, "claire.legoff", reverse("communes:drive_detail", args=[drive.pk]))
    henon_row = page.get_by_role("row", name=re.compile("Hénon"))
    expect(henon_row).to_contain_text("Engagée")
    expect(henon_row).to_contain_text("Anne Rault")
    expect(page.get_by_role("row", name=re.compile("Bréhand"))).to_contain_text("Invitée")
    page.get_by_role("link", name="Clore et transmettre…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Clore et transmettre au syndicat mixte"
    )
    expect(page.get_by_label("Synthèse pour le syndicat mixte")).to_have_value(
        re.compile("1 commune s'engage à adhérer au service")
    )
    assert_accessible(page)
    page.get_by_role("button", name="Clore et transmettre au syndicat mixte").click()
    expect(
        page.get_by_text(
            re.compile(r"est transmis au syndicat mixte dans le dossier DOS-\d{4}-\d{5}")
        )
    ).to_be_visible()
    expect(page.get_by_text("Close, transmise au syndicat mixte", exact=True)).to_be_visible()
    assert_accessible(page)

    drive.refresh_from_db()
    assert drive.status == Drive.Status.CLOSED
    assert drive.dossier.status == Status.RELAYED
    assert [r.commune.name for r in drive.dossier.requests.all()] == ["Hénon"]

    page.goto(reverse("communes:drive_list"))
    expect(page.get_by_role("heading", name="Terminées")).to_be_visible()
    assert_accessible(page)
