"""The referent imports contacts in a real browser: a file with a bad row is previewed with the
row's error and nothing is saved; the fixed file is imported. axe checks every page."""

import re

import pytest
from playwright.sync_api import expect

from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
HEADER = "nom;prénom;fonction;e-mail;téléphone;communes;langue"
GOOD_ROW = "Rault;Anne;Secrétaire de mairie;anne.rault@henon.example;02 96 34 00 01;22076;fr"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    ContactFactory(
        epci=epci,
        communes=[henon],
        first_name="Marc",
        last_name="Hamon",
        function=Contact.Function.MAIRE,
        email="maire@henon.example",
    )
    ReferentFactory(epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff")
    return epci


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def upload(page, *rows):
    content = "\n".join([HEADER, *rows]).encode()
    page.get_by_label("Fichier des contacts").set_input_files(
        files=[{"name": "contacts.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Voir l'aperçu").click()


def test_the_referent_fixes_a_bad_row_and_imports_the_file(page, territory, assert_accessible):
    log_in(page, "claire.legoff", "/communes/contacts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts de l'EPCI")
    expect(page.get_by_role("heading", name="1 contact")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Importer un fichier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des contacts")
    assert_accessible(page)

    upload(page, GOOD_ROW, "Le Gall;Yves;Cantonnier;yves.legall@henon.example;;Bréhand;")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l'import")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Le fichier ne peut pas être importé tel quel.")
    bad_row = page.get_by_role("row").filter(has_text="Le Gall")
    expect(bad_row).to_contain_text("Erreur")  # the outcome in words, not only in colour
    expect(bad_row).to_contain_text("Fonction inconnue : « Cantonnier »")
    expect(page.get_by_role("row").filter(has_text="Anne Rault")).to_contain_text("Nouveau contact")
    expect(page.get_by_role("button", name=re.compile("Importer"))).to_have_count(0)
    assert_accessible(page)
    assert not Contact.objects.filter(email="anne.rault@henon.example").exists()

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger les lignes en erreur (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert "Cantonnier" in report and "Rault" not in report

    page.get_by_role("link", name="Déposer le fichier corrigé").click()
    upload(page, GOOD_ROW, "Le Gall;Yves;Adjoint au maire;yves.legall@henon.example;;Bréhand;")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l'import")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Importer 2 contacts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts de l'EPCI")
    expect(page.get_by_role("status").first).to_contain_text("Import terminé : 2 contacts ajoutés.")
    expect(page.get_by_role("heading", name="3 contacts")).to_be_visible()
    assert_accessible(page)
    yves = Contact.objects.get(email="yves.legall@henon.example")
    assert yves.function == Contact.Function.ADJOINT
    assert [c.insee_code for c in yves.communes.all()] == ["22020"]


def test_the_anonymisation_page_asks_for_confirmation(page, territory, assert_accessible):
    mayor = Contact.objects.get(email="maire@henon.example")
    log_in(page, "claire.legoff", "/communes/contacts/")
    page.get_by_role("link", name="Anonymiser Marc Hamon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymiser Marc Hamon")
    assert_accessible(page)

    page.get_by_role("button", name="Anonymiser définitivement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymiser Marc Hamon")
    assert_accessible(page)  # with the error on the unchecked box
    mayor.refresh_from_db()
    assert mayor.anonymised_at is None

    page.get_by_label("Je confirme").check()
    page.get_by_role("button", name="Anonymiser définitivement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts de l'EPCI")
    expect(page.get_by_text("1 contact anonymisé n'est plus listé.")).to_be_visible()
    mayor.refresh_from_db()
    assert mayor.anonymised_at is not None
