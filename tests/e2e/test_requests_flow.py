"""Two communes ask for the same training; the referent relays one dossier; the answer comes back.

A real browser (Chromium through pytest-playwright) against Django's live server; axe-core
checks every page of the requests app on the way.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from requests_relay.models import Dossier, Relay, Request, Status
from requests_relay.services import dossier_create
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)
from trainings.models import TrainingModule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
REFERENCE = re.compile(r"DEM-\d{4}-\d{5}")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    brehand = CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    module = TrainingModule.objects.get_or_create(
        code="e2e-parapheur", defaults={"title": "Parapheur électronique : les circuits"}
    )[0]
    return {
        "referent": ReferentFactory(
            epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff"
        ),
        "agent_henon": agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault"),
        "agent_brehand": agent_of(
            brehand, username="marc.hamon", first_name="Marc", last_name="Hamon"
        ),
        "module": module,
    }


def log_in(page, username, path):
    """Log in through the login page, then open `path`."""
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def submit_training_request(page, module, subject, description, attachment=None):
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle demande")
    module_field = page.get_by_label("Module de formation")
    expect(module_field).to_be_hidden()  # shown only for a training request
    page.get_by_label("Nature de la demande").select_option(label="Demande de formation")
    expect(module_field).to_be_visible()
    module_field.select_option(label=module.title)
    page.get_by_label("Objet").fill(subject)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Urgente").check()
    if attachment:
        page.get_by_label("Pièces jointes").set_input_files(attachment)
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    return Request.objects.get(subject=subject)


def test_two_communes_requests_are_relayed_as_one_dossier_and_the_answer_reaches_them(
    page, territory, assert_accessible, tmp_path
):
    module = territory["module"]
    programme = tmp_path / "programme-formation.pdf"
    programme.write_bytes(b"%PDF-1.4 programme")

    # The agent of Hénon asks for a training, with the programme they received.
    log_in(page, "anne.rault", "/demandes/nouvelle/")
    assert_accessible(page)
    bad = tmp_path / "installeur.exe"
    bad.write_bytes(b"MZ")
    page.get_by_label("Objet").fill("Former la nouvelle secrétaire au parapheur")
    page.get_by_label("Description").fill("Arrivée en mars, elle n'a jamais utilisé le parapheur.")
    page.get_by_label("Pièces jointes").set_input_files(bad)
    page.get_by_role("button", name="Envoyer la demande").click()
    refused = "« installeur.exe » : ce type de fichier n'est pas accepté"
    expect(page.get_by_role("group", name="Documents")).to_contain_text(refused)
    expect(page.get_by_label("Objet")).to_have_value("Former la nouvelle secrétaire au parapheur")
    # The error summary has the focus: a screen reader announces it at once.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("La demande n'est pas encore envoyée.")
    expect(summary).to_contain_text(refused)
    summary.get_by_role("link", name="Pièces jointes").click()
    expect(page.get_by_label("Pièces jointes")).to_be_in_viewport()
    assert_accessible(page)
    page.screenshot(path="/tmp/request_form.png", full_page=True)

    first = submit_training_request(
        page,
        module,
        "Former la nouvelle secrétaire au parapheur",
        "Arrivée en mars, elle n'a jamais utilisé le parapheur.",
        attachment=programme,
    )
    expect(page.get_by_text(f"Votre demande {first.reference} est enregistrée")).to_be_visible()
    expect(page.get_by_role("link", name="programme-formation.pdf")).to_be_visible()
    expect(page.get_by_text("Nouvelle", exact=True)).to_be_visible()
    assert REFERENCE.fullmatch(first.reference)
    assert_accessible(page)

    page.goto("/demandes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes demandes")
    expect(page.get_by_role("link", name=first.reference)).to_be_visible()
    assert_accessible(page)

    # The agent of Bréhand asks for the same.
    log_in(page, "marc.hamon", "/demandes/nouvelle/")
    second = submit_training_request(
        page,
        module,
        "Formation parapheur pour l'accueil",
        "Deux agents d'accueil doivent viser les bons de commande.",
    )

    # The referent consolidates both into one dossier and relays it.
    log_in(page, "claire.legoff", "/demandes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes des communes")
    expect(page.get_by_role("heading", name="2 demandes à traiter")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/requests_inbox.png", full_page=True)

    # « Regrouper » with nothing ticked: back to the same filtered list, with the reason.
    page.get_by_label("Nature").select_option(label="Demande de formation")
    page.get_by_role("button", name="Filtrer").click()
    filtered_url = page.url
    page.get_by_role("button", name="Regrouper en dossier").click()
    expect(page.get_by_text("Aucune demande n'est cochée")).to_be_visible()
    assert page.url == filtered_url
    expect(page.get_by_label("Nature")).to_have_value("training")

    page.get_by_role("link", name=first.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.subject)
    page.get_by_text("Demander des informations à la commune").click()
    assert_accessible(page)
    page.screenshot(path="/tmp/request_referent.png", full_page=True)
    # An internal note has its own form and its own button, apart from the reply.
    expect(page.get_by_role("button", name="Répondre à la commune")).to_be_visible()
    page.get_by_role("textbox", name="Note interne").fill("Le maire a déjà relancé deux fois.")
    page.get_by_role("button", name="Ajouter une note interne").click()
    expect(page.get_by_text("Note interne ajoutée : la commune ne la voit pas.")).to_be_visible()
    expect(page.get_by_text("Le maire a déjà relancé deux fois.")).to_be_visible()
    assert_accessible(page)
    page.goto(filtered_url)

    page.get_by_label(f"Sélectionner {first.reference}").check()
    page.get_by_label(f"Sélectionner {second.reference}").check()
    page.get_by_role("button", name="Regrouper en dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regrouper en dossier")
    assert_accessible(page)
    page.get_by_label("Intitulé du dossier").fill("Formation au parapheur : Hénon et Bréhand")
    page.get_by_label("Synthèse du référent").fill(
        "Deux communes ont de nouveaux agents à former au parapheur."
    )
    page.get_by_label("Arguments").fill("Budgets primitifs à signer avant le 15 avril.")
    page.get_by_role("button", name="Créer le dossier").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Formation au parapheur : Hénon et Bréhand"
    )
    expect(page.get_by_role("link", name=second.reference)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Transmettre au syndicat mixte").click()
    # A confirmation page says what goes to whom before anything is sent.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Transmettre ce dossier au syndicat mixte ?"
    )
    recipients = page.get_by_role("region", name="Qui est prévenu")
    expect(recipients).to_contain_text(settings.SYNDICAT_EMAIL)
    expect(recipients).to_contain_text("Hénon")
    expect(recipients).to_contain_text("Bréhand")
    assert_accessible(page)
    page.screenshot(path="/tmp/dossier_relay_confirm.png", full_page=True)
    assert Dossier.objects.get().relayed_at is None
    page.get_by_role("button", name="Confirmer la transmission").click()
    expect(page.get_by_text(re.compile(r"Dossier DOS-\d+-\d+ transmis"))).to_be_visible()
    expect(page.get_by_text("Transmis le").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/dossier_detail.png", full_page=True)

    page.goto("/demandes/dossiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers")
    assert_accessible(page)

    dossier = Dossier.objects.get()
    assert set(dossier.requests.values_list("status", flat=True)) == {Status.RELAYED}

    # The syndicat mixte answers in its admin site; every request of the dossier follows.
    officer = SyndicatFactory(username="erwan.guillou")
    officer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="requests_relay")
    )
    log_in(page, "erwan.guillou", f"/admin/requests_relay/dossier/{dossier.pk}/change/")
    expect(page.get_by_text(dossier.title).first).to_be_visible()
    page.get_by_role("link", name="Répondre aux communes").click()
    assert_accessible(page)
    page.get_by_label("Réponse").select_option(label="Répondre")
    page.get_by_label("Message aux communes").fill(
        "Une session aura lieu à Lamballe le 12 mai ; les inscriptions sont ouvertes."
    )
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.get_by_text("Réponse enregistrée")).to_be_visible()

    # On the portal the officer reads the relayed request, signed answer included; no form.
    page.goto(f"/demandes/{first.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(first.subject)
    expect(page.get_by_text("Le maire a déjà relancé deux fois.")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("heading", name="Répondre au dossier")).to_be_visible()
    expect(
        page.get_by_role(
            "link", name=f"Ouvrir le dossier {dossier.reference} dans l'administration"
        )
    ).to_be_visible()
    assert_accessible(page)

    log_in(page, "anne.rault", f"/demandes/{first.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(first.subject)
    expect(page.get_by_text("Le maire a déjà relancé deux fois.")).to_have_count(0)
    expect(page.get_by_text("Réponse du syndicat mixte", exact=True)).to_be_visible()
    expect(
        page.get_by_text(
            "Une session aura lieu à Lamballe le 12 mai ; les inscriptions sont ouvertes."
        )
    ).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/request_agent.png", full_page=True)


def test_the_referent_sees_a_failed_relay_and_retries_it(page, territory, assert_accessible):
    referent = territory["referent"]
    dossier = dossier_create(
        requests=[request_of(territory["agent_henon"])],
        by=referent,
        title="Paramétrage du parapheur",
        summary="Anomalie à corriger par l'éditeur.",
    )
    Relay.objects.create(
        dossier=dossier,
        event="dossier.relayed",
        webhook_id="msg_e2e_failed",
        endpoint="http://127.0.0.1:9/syndicat",
        payload={"type": "dossier.relayed"},
        state=Relay.State.FAILED,
        attempts=4,
        last_status_code=410,
        last_error="HTTP 410",
    )

    log_in(page, "claire.legoff", "/demandes/")
    page.get_by_role("link", name="Voir les relais en échec").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Relais en échec")
    expect(page.get_by_role("cell", name="HTTP 410")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=dossier.reference).click()
    expect(page.get_by_text("HTTP 410")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/dossier_failed_relay.png", full_page=True)
    page.get_by_role("button", name="Relancer").click()

    expect(
        page.get_by_text(f"Nouvel envoi du dossier {dossier.reference} programmé.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Relancer")).to_have_count(0)
    assert_accessible(page)
    assert Relay.objects.get().state in (Relay.State.QUEUED, Relay.State.SENDING, Relay.State.RETRY)
