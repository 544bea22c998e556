"""The referent's contacts pages: the list, export, and the import in three steps."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communes.contacts.views import SESSION_KEY
from communes.models import Contact
from tests.factories import ContactFactory, EpciFactory, ReferentFactory, agent_of

from .utils import csv_file

pytestmark = pytest.mark.django_db

LIST = reverse("communes:contact_list")
EXPORT = reverse("communes:contacts_export")
IMPORT = reverse("communes:contacts_import")
PREVIEW = reverse("communes:contacts_import_preview")
ERRORS = reverse("communes:contacts_import_errors")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def text(response) -> str:
    return html.unescape(response.content.decode())


def upload(client, content: bytes, name: str = "contacts.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_referent_lists_and_searches_the_contacts_of_the_epci(client, referent, anne, thierry):
    ContactFactory(epci=EpciFactory(), first_name="Autre", last_name="Ailleurs")
    client.force_login(referent)

    body = client.get(LIST).content.decode()
    assert "2 contacts" in body
    assert "Rault Anne" in body and "Andrieux Thierry" in body
    assert "Ailleurs" not in body
    assert reverse("communes:contact_export", args=[anne.pk]) in body
    assert reverse("communes:contact_anonymise", args=[anne.pk]) in body

    body = client.get(LIST, {"q": "henon"}).content.decode()  # by commune, without accent
    assert "1 contact" in body and "Rault Anne" in body and "Andrieux" not in body


@pytest.mark.parametrize("url", [LIST, EXPORT, IMPORT, PREVIEW, ERRORS])
def test_the_contacts_pages_are_the_referents(client, henon, url):
    client.force_login(agent_of(henon))
    assert client.get(url).status_code == 403


def test_the_referent_exports_the_contacts(client, referent, anne):
    client.force_login(referent)
    response = client.get(EXPORT, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="contacts-200069391-' in response["Content-Disposition"]
    assert "anne.rault@henon.example" in response.content.decode("utf-8-sig")
    response = client.get(EXPORT, {"format": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_a_file_with_an_error_is_previewed_explained_and_not_imported(
    client, referent, henon, anne, media_root
):
    client.force_login(referent)
    response = upload(
        client,
        csv_file(
            "Rault;Anne;Secrétaire de mairie;anne.rault@henon.example;06 11 22 33 44;22076;",
            "Hamon;Marc;Cantonnier;marc.hamon@henon.example;;22076;",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == PREVIEW
    assert not media_root.exists()  # the file is kept in the session, not in MEDIA

    page = client.get(PREVIEW)
    body = page.content.decode()
    assert page.status_code == 200
    assert "1 mise à jour" in body and "1 ligne en erreur" in body
    assert "Fonction inconnue : « Cantonnier »" in body
    assert "Modifié : téléphone" in body
    assert ERRORS in body
    assert 'name="token"' not in body  # no import offered

    report = client.get(ERRORS)
    assert "attachment" in report["Content-Disposition"]
    assert "Cantonnier" in report.content.decode("utf-8-sig")
    assert "Rault" not in report.content.decode("utf-8-sig")

    token = client.session[SESSION_KEY]["token"]
    refused = client.post(PREVIEW, {"token": token})
    assert refused.status_code == 400
    assert "rien n'a été importé" in text(refused)
    anne.refresh_from_db()
    assert anne.phone == "02 96 34 00 01"
    assert not Contact.objects.filter(email="marc.hamon@henon.example").exists()


def test_the_fixed_file_is_imported_on_confirmation(client, referent, henon, anne):
    client.force_login(referent)
    upload(
        client,
        csv_file(
            "Rault;Anne;Secrétaire de mairie;anne.rault@henon.example;06 11 22 33 44;22076;",
            "Hamon;Marc;Maire;marc.hamon@henon.example;;22076;",
        ),
    )
    body = client.get(PREVIEW).content.decode()
    assert "Importer 2 contacts" in body

    response = client.post(PREVIEW, {"token": client.session[SESSION_KEY]["token"]})

    assert response.status_code == 302
    assert response["Location"] == LIST
    anne.refresh_from_db()
    assert anne.phone == "06 11 22 33 44"
    assert Contact.objects.get(email="marc.hamon@henon.example").function == "maire"
    assert SESSION_KEY not in client.session
    page = text(client.get(LIST))
    assert "Import terminé : 1 contact ajouté, 1 contact mis à jour." in page
    # A second click finds nothing pending: nothing is imported twice.
    again = client.post(PREVIEW, {"token": "whatever"})
    assert again["Location"] == IMPORT
    assert Contact.objects.filter(email="marc.hamon@henon.example").count() == 1


def test_a_confirmation_from_an_older_preview_is_refused(client, referent, henon):
    client.force_login(referent)
    upload(client, csv_file("Hamon;Marc;Maire;marc.hamon@henon.example;;22076;"))
    old_token = client.session[SESSION_KEY]["token"]
    upload(client, csv_file("Le Gall;Yves;Maire;yves@henon.example;;22076;"))

    response = client.post(PREVIEW, {"token": old_token})

    assert response["Location"] == PREVIEW
    assert not Contact.objects.exists()


def test_a_file_that_cannot_be_read_stays_on_the_upload_page_with_the_reason(client, referent):
    client.force_login(referent)
    response = upload(client, b"nom;prenom\nRault;Anne\n")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ce fichier ne peut pas être lu." in body
    assert "Colonnes manquantes : fonction, e-mail." in body
    assert SESSION_KEY not in client.session

    response = upload(client, b"%PDF-1.4", name="contacts.pdf")
    assert "Format non pris en charge" in response.content.decode()


def test_the_preview_without_a_pending_file_goes_back_to_the_upload(client, referent):
    client.force_login(referent)
    assert client.get(PREVIEW)["Location"] == IMPORT
    assert client.get(ERRORS)["Location"] == IMPORT


def test_a_pending_file_is_the_epcis_it_was_uploaded_for(client, referent, henon):
    client.force_login(referent)
    upload(client, csv_file("Hamon;Marc;Maire;marc.hamon@henon.example;;22076;"))
    session = client.session
    pending = session[SESSION_KEY]
    other = ReferentFactory(epci=EpciFactory())
    referent.epci = other.epci  # the referent moved to another EPCI meanwhile
    referent.save()
    assert pending["epci"] != referent.epci_id
    assert client.get(PREVIEW)["Location"] == IMPORT
